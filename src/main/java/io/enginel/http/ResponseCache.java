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
 * lookup's ticket, and answers. Long-term answers (BOM trees, geometry) are also computed at most once
 * across processes while one holds the key's compute lease; the others wait for its entry. Every answer,
 * hit or miss, is checked against the principal: a shared entry (a design's detail) is served only to
 * those who may see it, anyone else gets a 404.
 */
final class ResponseCache {
  private static final ApiError NOT_FOUND = ApiError.notFound();

  private static final long LEASE_POLL_MS = 25;

  private final io.vertx.core.Vertx vertx;
  private final CacheClient defaultTier;
  private final CacheClient longtermTier;
  private final SingleFlight<Computed> flight;
  private final boolean enabled;
  private final long leaseMs;
  private final String owner;

  ResponseCache(io.vertx.core.Vertx vertx, CacheClient cache, SingleFlight<Computed> flight, boolean enabled,
                long leaseMs, String nodeId) {
    this.vertx = vertx;
    this.defaultTier = cache;
    this.longtermTier = cache.tier(io.enginel.config.Tier.LONGTERM);
    this.flight = flight;
    this.enabled = enabled;
    this.leaseMs = leaseMs;
    this.owner = nodeId;
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
          failed(ctx, principal, ar.cause());
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
        if (entry.compressed() && acceptsDeflate(ctx)) {
          send(ctx, entry.storedBody(), Responses.DEFLATE, deflateEtag(entry.etag()), Responses.HIT);
          return;
        }
        Buffer body = readable(entry);
        if (body != null) {
          send(ctx, body, null, entry.etag(), Responses.HIT);
          return;
        }
        tier.delete(read.key()); // unreadable: dropped, and this request is answered from the database
        lookup = new CacheClient.Miss(null, false, System.nanoTime());
      }
      CacheClient.Miss miss = (CacheClient.Miss) lookup;
      flight.run(read.key(), () -> lead(read, tier, miss, longterm)).onComplete(done -> {
        if (done.failed()) {
          failed(ctx, principal, done.cause());
        } else if (!principal.canSee(done.result().loaded().owners())) {
          Responses.error(ctx, NOT_FOUND);
        } else {
          send(ctx, done.result().loaded().body(), null, done.result().etag(), Responses.MISS);
        }
      });
    });
  }

  /**
   * The first of concurrent misses of a key loads it. A request whose lookup began before another flight of
   * the same key ended (its fill landed after this lookup read Redis) looks again before loading, so that a
   * late arrival of a burst does not run a second query for what is now cached.
   */
  private Future<Computed> lead(CachedRead read, CacheClient tier, CacheClient.Miss miss, boolean longterm) {
    Future<CacheClient.Lookup> current = flight.endedSince(read.key(), miss.startedAt())
        ? tier.lookup(read.key(), read.resource(), true) : Future.succeededFuture(miss);
    return current.compose(lookup -> {
      if (lookup instanceof CacheClient.Hit hit) {
        return Future.succeededFuture(fromEntry(hit.entry()));
      }
      CacheClient.Miss latest = (CacheClient.Miss) lookup;
      return longterm ? computeLeased(read, tier, latest, System.currentTimeMillis() + leaseMs)
          : loadAndFill(read, tier, latest);
    });
  }

  /** A loader's failure: one about a row the principal may not see is the plain 404. */
  private static void failed(RoutingContext ctx, Principal principal, Throwable cause) {
    if (cause instanceof CachedRead.OwnedFailure owned) {
      Responses.error(ctx, principal.canSee(owned.owners) ? owned.getCause() : NOT_FOUND);
    } else {
      Responses.error(ctx, cause);
    }
  }

  /**
   * Fills the cache for a read without a request (cache warming): {@code "present"} when it was cached
   * already, {@code "stored"} when it is now, {@code "not_stored"} when the fill was refused or skipped.
   */
  Future<String> warm(CachedRead read, boolean longterm) {
    CacheClient tier = longterm ? longtermTier : defaultTier;
    return tier.lookup(read.key(), read.resource()).compose(lookup -> {
      if (lookup instanceof CacheClient.Hit) {
        return Future.succeededFuture("present");
      }
      CacheClient.Miss miss = (CacheClient.Miss) lookup;
      return read.loader().get().compose(loaded -> tier.fill(read.key(), read.resource(), read.ttl(), miss,
          loaded.tags(), loaded.owners(), loaded.body().getBytes())).map(stored -> stored ? "stored" : "not_stored");
    });
  }

  private Future<Computed> loadAndFill(CachedRead read, CacheClient tier, CacheClient.Miss miss) {
    return read.loader().get().compose(loaded -> {
      Computed computed = new Computed(loaded, ResponseEntry.etagOf(loaded.body().getBytes()));
      return tier.fill(read.key(), read.resource(), read.ttl(), miss, loaded.tags(), loaded.owners(),
          loaded.body().getBytes()).map(stored -> computed);
    });
  }

  /**
   * Computes under the key's lease, or waits for the process that holds it to fill the entry; past the
   * deadline (a lease holder that never fills) it computes without the lease.
   */
  private Future<Computed> computeLeased(CachedRead read, CacheClient tier, CacheClient.Miss miss, long deadline) {
    if (System.currentTimeMillis() >= deadline) {
      return loadAndFill(read, tier, miss);
    }
    return tier.acquireLease(read.key(), owner, leaseMs).compose(acquired -> acquired
        ? underLease(read, tier).eventually(() -> tier.releaseLease(read.key(), owner))
        : awaitOther(read, tier, deadline));
  }

  /**
   * Holding the lease, looks again first: the previous holder may have filled the entry between this
   * process's last look and its taking the lease. Computes only on a second miss, under that miss's ticket.
   */
  private Future<Computed> underLease(CachedRead read, CacheClient tier) {
    return tier.lookup(read.key(), read.resource(), true).compose(lookup -> lookup instanceof CacheClient.Hit hit
        ? Future.succeededFuture(fromEntry(hit.entry()))
        : loadAndFill(read, tier, (CacheClient.Miss) lookup));
  }

  private static Computed fromEntry(ResponseEntry e) {
    return new Computed(new CachedRead.Loaded(e.body(), e.owners(), java.util.List.of()), e.etag());
  }

  private Future<Computed> awaitOther(CachedRead read, CacheClient tier, long deadline) {
    io.vertx.core.Promise<Void> tick = io.vertx.core.Promise.promise();
    vertx.setTimer(LEASE_POLL_MS, id -> tick.complete());
    return tick.future().compose(v -> tier.lookup(read.key(), read.resource(), true)).compose(lookup -> {
      if (lookup instanceof CacheClient.Hit hit) {
        return Future.succeededFuture(fromEntry(hit.entry()));
      }
      CacheClient.Miss miss = (CacheClient.Miss) lookup;
      return tier.leaseHeld(read.key()).compose(held -> held && System.currentTimeMillis() < deadline
          ? awaitOther(read, tier, deadline) : computeLeased(read, tier, miss, deadline));
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

  /** The stored body, inflated; null when it cannot be read (then it is treated as a miss). */
  private static Buffer readable(ResponseEntry entry) {
    try {
      return entry.body();
    } catch (IllegalArgumentException e) {
      return null;
    }
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
    String bare = etag.startsWith("W/") ? etag.substring(2) : etag;
    if (bare.endsWith("-z\"")) {
      bare = bare.substring(0, bare.length() - 3) + "\"";
    }
    for (String candidate : header.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.endsWith("-z\"")) {
        c = c.substring(0, c.length() - 3) + "\"";
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
