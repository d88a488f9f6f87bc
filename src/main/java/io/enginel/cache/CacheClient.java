package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The in-process API of the cache, for the code of the other verticles: the counterpart of the seed's
 * {@code CacheManager} on Enginel's own keys ({@link #get}, {@link #set}, {@link #delete}, {@link #deletePattern})
 * and the response-caching steps ({@link #lookup}, {@link #fill}). Everything goes to the cache verticle
 * over the event bus ({@link CacheApi}); nothing here talks to Redis. One instance per process; callable
 * from any context.
 */
public final class CacheClient {
  private final Vertx vertx;
  private final Tier tier;
  private final CacheKeys keys;
  private final ValueCodec codec;
  private final CacheStats stats;
  private final long maxFillAgeNanos;
  private final DeliveryOptions fast;
  /**
   * An invalidation answers within one command timeout for its Redis side (then it is kept, see
   * {@code CacheVerticle.invalidateInRedis}), the cluster's confirmations and, when one is missing, the
   * memory lease: waited for that long, not for the time of one command.
   */
  private final DeliveryOptions invalidating;
  private final CacheShared shared;

  public CacheClient(Vertx vertx, EnginelConfig config, CacheShared shared) {
    this(vertx, Tier.DEFAULT, new CacheKeys(config.cache().keyPrefix()),
        new ValueCodec(config.cache().compressThresholdBytes(), config.cache().compressionLevel()), shared.stats,
        config.cache().maxFillAgeMs() * 1_000_000L,
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(config.redis().commandTimeoutMs() + 2_000L), shared);
  }

  private CacheClient(Vertx vertx, Tier tier, CacheKeys keys, ValueCodec codec, CacheStats stats, long maxFillAgeNanos,
                      DeliveryOptions fast, CacheShared shared) {
    this.vertx = vertx;
    this.tier = tier;
    this.keys = keys;
    this.codec = codec;
    this.stats = stats;
    this.maxFillAgeNanos = maxFillAgeNanos;
    this.fast = fast;
    this.invalidating = new DeliveryOptions(fast)
        .setSendTimeout(fast.getSendTimeout() + ClusterFanOut.TIMEOUT_MS + MemoryLease.WRITER_WAIT_MS);
    this.shared = shared;
  }

  /** The same API on another tier, as {@code CacheManager('longterm')}. */
  public CacheClient tier(Tier other) {
    return new CacheClient(vertx, other, keys, codec, stats, maxFillAgeNanos, fast, shared);
  }

  public CacheKeys keys() {
    return keys;
  }

  // ------------------------------------------------------------------ CacheManager

  /** The cached JSON value, or {@code fallback} when absent (or when Redis is unavailable). */
  public Future<Object> get(String key, Object fallback) {
    return request(CacheApi.OWN_GET, new JsonObject().put("key", key))
        .map(r -> r.getBoolean("hit", false) ? r.getValue("value") : fallback)
        .otherwise(fallback);
  }

  /** Stores any JSON value ({@link JsonObject}, {@link JsonArray}, string, number, boolean) for {@code ttlSeconds}. */
  public Future<Boolean> set(String key, Object value, long ttlSeconds) {
    return request(CacheApi.OWN_SET, new JsonObject().put("key", key).put("value", value).put("ttl", ttlSeconds))
        .map(r -> r.getBoolean("stored", false));
  }

  /** As {@link #set}, but only when the key holds nothing (Redis SET NX): true when stored. */
  public Future<Boolean> setIfAbsent(String key, Object value, long ttlSeconds) {
    return request(CacheApi.OWN_SET, new JsonObject().put("key", key).put("value", value).put("ttl", ttlSeconds)
        .put("if_absent", true)).map(r -> r.getBoolean("stored", false));
  }

  /** The value a session's key holds once the session ended: {@code {"revoked": true}}. */
  public static final String REVOKED = "revoked";

  /**
   * Ends a session in this (sessions) tier: its key becomes the mark {@code {"revoked": true}} for
   * {@code ttlSeconds}, written over whatever a lookup racing the end may have put back, and which such a
   * lookup's re-caching ({@link #setIfAbsent}) cannot overwrite. When Redis cannot take it the key's deletion
   * is kept and the tier fenced until it is carried out (a Redis outage never undoes a logout).
   */
  public Future<Long> endSession(String tokenHash, long ttlSeconds) {
    String key = keys.session(tokenHash);
    return set(key, new JsonObject().put(REVOKED, true), ttlSeconds)
        .compose(stored -> stored ? Future.succeededFuture(1L) : delete(key))
        .recover(t -> delete(key));
  }

  /**
   * Deletes keys. Guaranteed: when Redis cannot be reached the deletion is kept and the tier serves
   * nothing until it is carried out.
   */
  public Future<Long> delete(String... keys) {
    return request(CacheApi.OWN_DELETE, new JsonObject().put("keys", new JsonArray(List.of((Object[]) keys)))
        .put("guaranteed", true)).map(r -> r.getLong("deleted", 0L));
  }

  /** SCAN + UNLINK of every key of Enginel's matching a validated pattern ({@link Namespace#pattern}). */
  public Future<Long> deletePattern(String pattern) {
    return request(CacheApi.OWN_DELETE_PATTERN, new JsonObject().put("pattern", pattern)).map(r -> r.getLong("deleted", 0L));
  }

  public Future<JsonObject> stats() {
    return request(CacheApi.STATS, new JsonObject());
  }

  public Future<JsonObject> health() {
    return request(CacheApi.HEALTH, new JsonObject());
  }

  // ------------------------------------------------------------------ response caching

  /** The outcome of a response lookup. */
  public sealed interface Lookup permits Hit, Miss {}

  /** A cached entry that belongs to the tier's current incarnation. */
  public record Hit(ResponseEntry entry) implements Lookup {}

  /**
   * No usable entry. {@code ticket} is the tier's clock at lookup time (the lease of the fill), null when
   * the cache could not be asked; {@code startedAt} bounds how old a fill may be.
   */
  public record Miss(String ticket, boolean fillable, long startedAt) implements Lookup {}

  public Future<Lookup> lookup(String key, String resource) {
    return lookup(key, resource, false);
  }

  /**
   * A lookup; {@code recheck} marks a second look by a request whose first look was already counted (it
   * waited for another computation), so that each request counts once in the statistics.
   */
  public Future<Lookup> lookup(String key, String resource, boolean recheck) {
    long started = System.nanoTime();
    CacheVerticle here = shared.onThisLoop();
    Future<Object> answer;
    if (here != null) {
      answer = direct(() -> here.lookup(tier, key, recheck ? null : resource));
    } else {
      JsonObject question = new JsonObject().put("tier", tier.id()).put("key", key).put("resource", resource);
      if (recheck) {
        question.put("recheck", true);
      }
      answer = vertx.eventBus().request(shared.local(CacheApi.RESPONSE_LOOKUP), question, fast).map(Message::body);
    }
    return answer
        .map(body -> {
          if (body instanceof ResponseEntry entry) {
            return (Lookup) new Hit(entry);
          }
          if (body instanceof Buffer b) {
            ResponseEntry entry = ResponseEntry.parse(b);
            if (entry != null) {
              return (Lookup) new Hit(entry);
            }
            return new Miss(null, false, started);
          }
          JsonObject miss = (JsonObject) body;
          return new Miss(miss.getString("ticket"), miss.getBoolean("fillable", false), started);
        })
        .otherwise(t -> new Miss(null, false, started));
  }

  /**
   * Stores a freshly computed answer under the lookup's ticket. Refused by Redis when any of {@code tags}
   * was invalidated after the lookup (a write committed meanwhile); skipped when the load took longer than
   * {@code cache.maxFillAgeMs}. Never fails.
   */
  public Future<Boolean> fill(String key, String resource, long ttlSeconds, Miss miss, Collection<String> tags,
                              List<String> owners, byte[] body) {
    if (!miss.fillable() || miss.ticket() == null || System.nanoTime() - miss.startedAt() > maxFillAgeNanos) {
      return Future.succeededFuture(false);
    }
    Buffer entry;
    try {
      entry = ResponseEntry.encode(CacheVerticle.incarnation(miss.ticket()), owners, tags, body, codec);
    } catch (IllegalArgumentException tooManyTags) { // answered all the same, just not cached
      stats.fill(tier.id(), "too_large");
      return Future.succeededFuture(false);
    }
    ResponseEntry parsed = ResponseEntry.parse(entry);
    if (parsed != null && parsed.compressed()) {
      stats.compressed(body.length, entry.length());
    }
    CacheVerticle here = shared.onThisLoop();
    if (here != null) {
      return direct(() -> here.fill(tier, key, miss.ticket(), entry, List.copyOf(tags), ttlSeconds))
          .map(r -> ((JsonObject) r).getBoolean("stored", false))
          .otherwise(false);
    }
    JsonObject msg = new JsonObject().put("tier", tier.id()).put("key", key).put("resource", resource)
        .put("ttl", ttlSeconds).put("ticket", miss.ticket()).put("tags", new JsonArray(List.copyOf(tags)))
        .put("entry", entry);
    return vertx.eventBus().<JsonObject>request(shared.local(CacheApi.RESPONSE_FILL), msg, fast)
        .map(r -> r.body().getBoolean("stored", false))
        .otherwise(false);
  }

  /** A direct call into the cache instance of this event loop: what it throws becomes a failed future. */
  private static Future<Object> direct(Supplier<Future<Object>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Takes the compute lease of a key for {@code ms} (granted when Redis cannot be asked). */
  public Future<Boolean> acquireLease(String key, String owner, long ms) {
    return lease(key, owner, "acquire").map(r -> r.getBoolean("acquired", true)).otherwise(true);
  }

  public Future<Void> releaseLease(String key, String owner) {
    return lease(key, owner, "release").<Void>mapEmpty().otherwiseEmpty();
  }

  public Future<Boolean> leaseHeld(String key) {
    return lease(key, "", "held").map(r -> r.getBoolean("held", false)).otherwise(false);
  }

  private Future<JsonObject> lease(String key, String owner, String op) {
    return vertx.eventBus().<JsonObject>request(CacheApi.RESPONSE_LEASE, new JsonObject().put("tier", tier.id())
        .put("key", key).put("owner", owner).put("op", op), fast).map(m -> m.body());
  }

  /** Invalidates tags on this tier ({@code deferred} in the answer when Redis is away). */
  public Future<JsonObject> invalidateTags(Collection<String> tags) {
    return vertx.eventBus().<JsonObject>request(CacheApi.INVALIDATE_TAGS, new JsonObject().put("tier", tier.id())
            .put("tags", new JsonArray(List.copyOf(tags))), invalidating).map(m -> m.body())
        .recover(t -> Future.failedFuture(ApiError.from(t)));
  }

  /**
   * What a node does when a cluster member did not confirm an eviction of what it keeps in memory: advance the
   * memory epoch and outwait the lease ({@link MemoryLease}). Completes without waiting outside a cluster.
   */
  public Future<Void> outwaitUnconfirmedMembers() {
    if (!shared.memoryLease.required()) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().request(CacheApi.MEMORY_EPOCH_ADVANCE, new JsonObject(), invalidating)
        .<Void>mapEmpty().otherwiseEmpty();
  }

  /** A new incarnation of the response tiers: every cached answer becomes invalid at once. */
  public Future<JsonObject> invalidateAll() {
    return vertx.eventBus().<JsonObject>request(CacheApi.INVALIDATE_ALL, new JsonObject(), invalidating).map(m -> m.body());
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    body.put("tier", tier.id());
    return vertx.eventBus().<JsonObject>request(address, body, fast).map(m -> m.body())
        .recover(t -> Future.failedFuture(ApiError.from(t)));
  }
}
