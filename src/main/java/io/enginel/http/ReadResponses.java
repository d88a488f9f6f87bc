package io.enginel.http;

import io.enginel.cache.Answer;
import io.enginel.cache.CacheClient;
import io.enginel.cache.CachedRead;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.ETags;
import io.enginel.domain.Principal;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers a cacheable read over HTTP: asks the cache for it ({@link CacheClient#read}: hit, or computed and
 * filled), checks that the principal may see it — a shared entry (a design's detail) is served only to those
 * who may see it, anyone else gets a 404 — and writes it with the HTTP caching headers: {@code X-Cache},
 * {@code Cache-Status} ({@link CacheStatus}), {@code ETag}, {@code Last-Modified} where the resource keeps the time,
 * {@code Cache-Control}, {@code Vary}; a {@code 304} with the same headers for a matching {@code If-None-Match} or,
 * without one, an {@code If-Modified-Since} not before the last modification; and the stored deflated bytes as they
 * are for a client that accepts {@code deflate}.
 *
 * <p>One instance per HTTP verticle instance (one event loop); the {@code Last-Modified} values it formatted are kept
 * for the next answers of the same seconds.
 */
final class ReadResponses {
  private static final ApiError NOT_FOUND = ApiError.notFound();
  /**
   * Seconds after the second of its last change before {@code Last-Modified} is sent. The header has one-second
   * precision: a client holding the second of one change would be told "not modified" about a later change within the
   * same second. So a second is announced only once it is over — with a second's margin for writes still committing
   * (a row's {@code updated_at} is its transaction's start) and for the clocks of database and server. Until then the
   * ETag is the only validator.
   */
  static final long SETTLE_SECONDS = 2;

  /** A second and its HTTP-date, kept as one value so that it can never be read half-updated. */
  private record Formatted(long seconds, String text) {}

  /** Slots of the formatted dates, direct-mapped by second: the hot answers' seconds stay formatted. */
  private static final int DATE_SLOTS = 4096;

  private final CacheClient cache;
  private final Formatted[] formatted = new Formatted[DATE_SLOTS];
  private final CacheStatus cacheStatus = new CacheStatus();

  ReadResponses(CacheClient cache) {
    this.cache = cache;
  }

  void serve(RoutingContext ctx, Principal principal, CachedRead read) {
    cache.read(read).onComplete(ar -> {
      if (ar.failed()) {
        failed(ctx, principal, ar.cause());
      } else if (!principal.canSee(ar.result().owners())) {
        Responses.error(ctx, NOT_FOUND);
      } else {
        send(ctx, ar.result(), read.tier());
      }
    });
  }

  /** A loader's failure: one about a row the principal may not see is the plain 404. */
  private static void failed(RoutingContext ctx, Principal principal, Throwable cause) {
    if (cause instanceof CachedRead.OwnedFailure owned) {
      Responses.error(ctx, principal.canSee(owned.owners()) ? owned.getCause() : NOT_FOUND);
    } else {
      Responses.error(ctx, cause);
    }
  }

  private void send(RoutingContext ctx, Answer answer, Tier tier) {
    HttpServerResponse r = ctx.response();
    if (r.ended()) {
      return;
    }
    Buffer deflated = answer.deflated();
    boolean deflate = deflated != null && acceptsDeflate(ctx);
    String etag = deflate ? ETags.deflated(answer.etag()) : answer.etag();
    long lastModified = settled(answer.lastModifiedSeconds());
    // added, not set: none of these is on the response yet (one map operation each, no lock per header)
    MultiMap headers = r.headers()
        .add(Responses.X_CACHE, answer.hit() ? Responses.HIT : Responses.MISS)
        .add(Responses.CACHE_STATUS, cacheStatus.of(answer, tier))
        .add(HttpHeaders.ETAG, etag)
        .add(HttpHeaders.CACHE_CONTROL, Responses.PRIVATE)
        .add(HttpHeaders.VARY, Responses.VARY);
    if (lastModified > 0) {
      headers.add(HttpHeaders.LAST_MODIFIED, httpDate(lastModified));
    }
    if (notModified(ctx.request(), etag, lastModified)) {
      r.setStatusCode(304).end();
      return;
    }
    if (deflate) {
      headers.add(HttpHeaders.CONTENT_ENCODING, Responses.DEFLATE);
    }
    headers.add(HttpHeaders.CONTENT_TYPE, Responses.JSON);
    r.end(deflate ? deflated : answer.body());
  }

  /** The last modification to announce: 0 when there is none, or when its second is not settled yet. */
  private long settled(long lastModifiedSeconds) {
    return lastModifiedSeconds > 0 && lastModifiedSeconds + SETTLE_SECONDS <= System.currentTimeMillis() / 1000
        ? lastModifiedSeconds : 0;
  }

  /**
   * RFC 9110 §13.2.2: {@code If-None-Match} when present (weak comparison), else {@code If-Modified-Since} against the
   * announced last modification — ignored when the resource has none, or when the value is not an HTTP-date.
   */
  static boolean notModified(HttpServerRequest request, String etag, long lastModified) {
    String ifNoneMatch = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null) {
      return matches(ifNoneMatch, etag);
    }
    String ifModifiedSince = request.getHeader(HttpHeaders.IF_MODIFIED_SINCE);
    if (ifModifiedSince == null || lastModified <= 0) {
      return false;
    }
    long since = HttpDates.parse(ifModifiedSince);
    return since >= 0 && lastModified <= since;
  }

  /** The HTTP-date of a second, formatted once per slot it keeps (a hot answer's date is formatted once). */
  private String httpDate(long epochSeconds) {
    int slot = (int) (epochSeconds & (DATE_SLOTS - 1));
    Formatted kept = formatted[slot];
    if (kept == null || kept.seconds() != epochSeconds) {
      kept = new Formatted(epochSeconds, HttpDates.format(epochSeconds));
      formatted[slot] = kept;
    }
    return kept.text();
  }

  /**
   * {@code If-None-Match} holds one ETag, a list, or {@code *}; weak comparison as RFC 9110 asks. The
   * plain and the deflated ETag of one body both match it (only the content-coding differs).
   */
  static boolean matches(String header, String etag) {
    if (header.trim().equals("*")) {
      return true;
    }
    String bare = comparable(etag);
    for (String candidate : header.split(",")) {
      if (comparable(candidate.trim()).equals(bare)) {
        return true;
      }
    }
    return false;
  }

  private static String comparable(String etag) {
    String c = etag.startsWith("W/") ? etag.substring(2) : etag;
    return c.endsWith("-z\"") ? c.substring(0, c.length() - 3) + "\"" : c;
  }

  private static boolean acceptsDeflate(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING);
    if (accept == null) {
      return false;
    }
    for (String part : accept.split(",")) {
      String p = part.trim();
      int semi = p.indexOf(';');
      String coding = semi < 0 ? p : p.substring(0, semi).trim();
      if (coding.equalsIgnoreCase("deflate")) {
        return semi < 0 || !p.substring(semi).replace(" ", "").startsWith(";q=0") || p.substring(semi).replace(" ", "").matches(";q=0\\.0*[1-9].*");
      }
    }
    return false;
  }
}
