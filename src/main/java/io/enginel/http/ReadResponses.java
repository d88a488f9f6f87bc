package io.enginel.http;

import io.enginel.cache.Answer;
import io.enginel.cache.CacheClient;
import io.enginel.cache.CachedRead;
import io.enginel.domain.ApiError;
import io.enginel.domain.Principal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers a cacheable read over HTTP: asks the cache for it ({@link CacheClient#read}: hit, or computed and
 * filled), checks that the principal may see it — a shared entry (a design's detail) is served only to those
 * who may see it, anyone else gets a 404 — and writes it: {@code X-Cache}, {@code ETag}, {@code 304} for a
 * matching {@code If-None-Match}, and the stored deflated bytes as they are for a client that accepts
 * {@code deflate}.
 */
final class ReadResponses {
  private static final ApiError NOT_FOUND = ApiError.notFound();

  private final CacheClient cache;

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
        send(ctx, ar.result());
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

  private static void send(RoutingContext ctx, Answer answer) {
    HttpServerResponse r = ctx.response();
    if (r.ended()) {
      return;
    }
    Buffer deflated = answer.deflated();
    boolean deflate = deflated != null && acceptsDeflate(ctx);
    String etag = deflate ? deflateEtag(answer.etag()) : answer.etag();
    r.putHeader(Responses.X_CACHE, answer.hit() ? Responses.HIT : Responses.MISS).putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.CACHE_CONTROL, Responses.PRIVATE).putHeader(HttpHeaders.VARY, Responses.VARY);
    String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      r.setStatusCode(304).end();
      return;
    }
    if (deflate) {
      r.putHeader(HttpHeaders.CONTENT_ENCODING, Responses.DEFLATE);
    }
    r.putHeader(HttpHeaders.CONTENT_TYPE, Responses.JSON).end(deflate ? deflated : answer.body());
  }

  /** The deflated representation is another representation: its strong ETag differs ({@code "…-z"}). */
  static String deflateEtag(String etag) {
    return etag.substring(0, etag.length() - 1) + "-z\"";
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
