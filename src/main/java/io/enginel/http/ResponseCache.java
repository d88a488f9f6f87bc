package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.cache.ResponseEntry;
import io.enginel.cache.SingleFlight;
import io.enginel.domain.ApiError;
import io.enginel.domain.Principal;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Read-through response caching for list and retrieve endpoints. A hit writes the stored body as it is
 * (deflated bytes straight through when the client accepts {@code deflate}); a miss computes the answer
 * once per key in this process however many ask together (single flight), fills the cache under the
 * lookup's ticket, and answers. Every answer, hit or miss, is checked against the principal: a shared
 * entry (a design's detail) is served only to those who may see it, anyone else gets a 404.
 */
final class ResponseCache {
  private static final ApiError NOT_FOUND = ApiError.notFound();

  private final CacheClient defaultTier;
  private final CacheClient longtermTier;
  private final SingleFlight<Computed> flight;
  private final boolean enabled;

  ResponseCache(CacheClient cache, SingleFlight<Computed> flight, boolean enabled) {
    this.defaultTier = cache;
    this.longtermTier = cache.tier(io.enginel.config.Tier.LONGTERM);
    this.flight = flight;
    this.enabled = enabled;
  }

  /** An answer computed on a miss, with its ETag. */
  record Computed(CachedRead.Loaded loaded, String etag) {}

  void serve(RoutingContext ctx, Principal principal, CachedRead read) {
    serve(ctx, principal, read, false);
  }

  void serveLongterm(RoutingContext ctx, Principal principal, CachedRead read) {
    serve(ctx, principal, read, true);
  }

  private void serve(RoutingContext ctx, Principal principal, CachedRead read, boolean longterm) {
    if (!enabled || !read.cached()) {
      read.loader().get().onComplete(ar -> {
        if (ar.failed()) {
          Responses.error(ctx, ar.cause());
        } else if (!principal.canSee(ar.result().owners())) {
          Responses.error(ctx, NOT_FOUND);
        } else {
          Buffer body = ar.result().body();
          send(ctx, body, null, ResponseEntry.etagOf(body.getBytes()), Responses.MISS);
        }
      });
      return;
    }
    CacheClient tier = longterm ? longtermTier : defaultTier;
    tier.lookup(read.key(), read.resource()).onComplete(ar -> {
      CacheClient.Lookup lookup = ar.result();
      if (lookup instanceof CacheClient.Hit hit) {
        ResponseEntry entry = hit.entry();
        if (!principal.canSee(entry.owners())) {
          Responses.error(ctx, NOT_FOUND);
          return;
        }
        boolean deflate = entry.compressed() && acceptsDeflate(ctx);
        send(ctx, deflate ? entry.storedBody() : entry.body(), deflate ? Responses.DEFLATE : null, entry.etag(),
            Responses.HIT);
        return;
      }
      CacheClient.Miss miss = (CacheClient.Miss) lookup;
      flight.run(read.key(), () -> read.loader().get().compose(loaded -> {
        Computed computed = new Computed(loaded, ResponseEntry.etagOf(loaded.body().getBytes()));
        return tier.fill(read.key(), read.resource(), read.ttl(), miss, loaded.tags(), loaded.owners(),
            loaded.body().getBytes()).map(stored -> computed);
      })).onComplete(done -> {
        if (done.failed()) {
          Responses.error(ctx, done.cause());
        } else if (!principal.canSee(done.result().loaded().owners())) {
          Responses.error(ctx, NOT_FOUND);
        } else {
          send(ctx, done.result().loaded().body(), null, done.result().etag(), Responses.MISS);
        }
      });
    });
  }

  private static void send(RoutingContext ctx, Buffer body, CharSequence encoding, String etag, CharSequence cache) {
    HttpServerResponse r = ctx.response();
    if (r.ended()) {
      return;
    }
    r.putHeader(Responses.X_CACHE, cache).putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.CACHE_CONTROL, Responses.PRIVATE).putHeader(HttpHeaders.VARY, Responses.VARY);
    String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      r.setStatusCode(304).end();
      return;
    }
    if (encoding != null) {
      r.putHeader(HttpHeaders.CONTENT_ENCODING, encoding);
    }
    r.putHeader(HttpHeaders.CONTENT_TYPE, Responses.JSON).end(body);
  }

  /** {@code If-None-Match} holds one ETag, a list, or {@code *}; weak comparison as RFC 9110 asks. */
  static boolean matches(String header, String etag) {
    if (header.trim().equals("*")) {
      return true;
    }
    String bare = etag.startsWith("W/") ? etag.substring(2) : etag;
    for (String candidate : header.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(bare)) {
        return true;
      }
    }
    return false;
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
