package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;

/**
 * The cache as the other verticles of this process use it — the cache package's one entrance:
 * <ul>
 *   <li>{@link #read}: the answer of a cacheable read, cached or computed now and filled (single flight, compute
 *       lease, validation, near cache, consistency sampling all happen behind it);</li>
 *   <li>{@link #invalidateTags}, {@link #invalidateAll}: what the invalidation verticle carries out;</li>
 *   <li>{@link #deleteKeys}, {@link #deletePattern}: manual invalidation of Enginel's own keys;</li>
 *   <li>{@link #stats}, {@link #health}, {@link #outwaitUnconfirmedMembers}.</li>
 * </ul>
 * A read goes to the cache verticle over the event bus (node-local, zero-copy codec), or — {@code cache.readPath}
 * {@code direct}, the default, for the measured reason in docs/performance.md — straight into the cache instance
 * of the caller's event loop. Nothing here talks to Redis. One instance per process; callable from any context.
 */
public final class CacheClient {
  private final Vertx vertx;
  private final CacheKeys keys;
  private final CacheShared shared;
  private final boolean direct;
  private final DeliveryOptions fast;
  /** A read may wait for another process's compute lease, then load from the database. */
  private final DeliveryOptions reading;
  /**
   * An invalidation answers within one command timeout for its Redis side (then it is kept), the cluster's
   * confirmations and, when one is missing, the memory lease: waited for that long, not for one command's time.
   */
  private final DeliveryOptions invalidating;

  public CacheClient(Vertx vertx, EnginelConfig config, CacheShared shared) {
    this.vertx = vertx;
    this.keys = new CacheKeys(config.cache().keyPrefix());
    this.shared = shared;
    this.direct = config.cache().readPath() == EnginelConfig.ReadPath.DIRECT;
    this.fast = new DeliveryOptions().setLocalOnly(true).setSendTimeout(config.redis().commandTimeoutMs() + 2_000L);
    this.invalidating = new DeliveryOptions(fast)
        .setSendTimeout(fast.getSendTimeout() + ClusterFanOut.TIMEOUT_MS + MemoryLease.WRITER_WAIT_MS);
    this.reading = new DeliveryOptions(fast).setSendTimeout(config.cache().computeLeaseMs() + config.pg().replyTimeoutMs()
        + fast.getSendTimeout());
  }

  /** Registers the zero-copy codecs of reads on a Vert.x instance (once, before the cache verticle is deployed). */
  public static void registerCodecs(Vertx vertx) {
    vertx.eventBus().registerDefaultCodec(CacheVerticle.ReadRequest.class, new LocalCodec<>("enginel.read-request"));
    vertx.eventBus().registerDefaultCodec(CacheVerticle.ReadOutcome.class, new LocalCodec<>("enginel.read-outcome"));
  }

  public static void unregisterCodecs(Vertx vertx) {
    vertx.eventBus().unregisterDefaultCodec(CacheVerticle.ReadRequest.class);
    vertx.eventBus().unregisterDefaultCodec(CacheVerticle.ReadOutcome.class);
  }

  public CacheKeys keys() {
    return keys;
  }

  /**
   * The answer of a read: a hit (near cache or Redis), or computed by its loader and filled. A loader's failure is
   * the answer's failure, as the loader failed (an {@link ApiError}, a {@link CachedRead.OwnedFailure}).
   */
  public Future<Answer> read(CachedRead read) {
    ResponseReads here = direct ? shared.readsOnThisLoop() : null;
    return here != null ? here.read(read) : this.<Answer>overTheBus(read, false);
  }

  private <T> Future<T> overTheBus(CachedRead read, boolean warm) {
    return vertx.eventBus().<CacheVerticle.ReadOutcome>request(CacheApi.READ, new CacheVerticle.ReadRequest(read, warm),
            reading)
        .recover(t -> Future.failedFuture(ApiError.from(t)))
        .compose(m -> {
          @SuppressWarnings("unchecked")
          T value = (T) m.body().value();
          return m.body().failure() == null ? Future.succeededFuture(value) : Future.failedFuture(m.body().failure());
        });
  }

  /** Fills the cache for a read without a request (warming): {@code "present"}, {@code "stored"} or {@code "not_stored"}. */
  public Future<String> warm(CachedRead read) {
    ResponseReads here = direct ? shared.readsOnThisLoop() : null;
    return here != null ? here.warm(read) : overTheBus(read, true);
  }

  /** Invalidates tags on a tier ({@code deferred} in the answer when Redis is away). */
  public Future<JsonObject> invalidateTags(Tier tier, Collection<String> tags) {
    return request(CacheApi.INVALIDATE_TAGS, new JsonObject().put("tier", tier.id())
        .put("tags", new JsonArray(List.copyOf(tags))), invalidating);
  }

  /** A new incarnation of every tier: every cached answer and session becomes invalid at once. */
  public Future<JsonObject> invalidateAll() {
    return request(CacheApi.INVALIDATE_ALL, new JsonObject(), invalidating);
  }

  /**
   * Deletes keys of Enginel's on a tier, on every node's near cache too. When Redis cannot be reached the
   * deletion is kept and the tier serves nothing until it is carried out.
   */
  public Future<Long> deleteKeys(Tier tier, List<String> list) {
    return request(CacheApi.OWN_DELETE, new JsonObject().put("tier", tier.id()).put("keys", new JsonArray(list))
        .put("guaranteed", true), invalidating).map(r -> r.getLong("deleted", 0L));
  }

  /** SCAN + UNLINK of every key of Enginel's matching a validated pattern ({@link Namespace#pattern}). */
  public Future<Long> deletePattern(Tier tier, String pattern) {
    return request(CacheApi.OWN_DELETE_PATTERN, new JsonObject().put("tier", tier.id()).put("pattern", pattern),
        invalidating).map(r -> r.getLong("deleted", 0L));
  }

  public Future<JsonObject> stats() {
    return request(CacheApi.STATS, new JsonObject(), fast);
  }

  public Future<JsonObject> health() {
    return request(CacheApi.HEALTH, new JsonObject(), fast);
  }

  /**
   * What a node does when a cluster member did not confirm an eviction of what it keeps in memory: change the
   * memory epoch and outwait the lease ({@link MemoryLease}). Completes without waiting outside a cluster.
   */
  public Future<Void> outwaitUnconfirmedMembers() {
    if (!shared.memoryLease.required()) {
      return Future.succeededFuture();
    }
    return request(CacheApi.MEMORY_EPOCH_ADVANCE, new JsonObject(), invalidating).<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<JsonObject> request(String address, JsonObject body, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(address, body, options).map(m -> m.body())
        .recover(t -> Future.failedFuture(ApiError.from(t)));
  }

  /** The cluster as this node sees it ({@link ClusterFanOut#status()}), for {@code /ready}. */
  public JsonObject clusterStatus() {
    return shared.cluster.status();
  }
}
