package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the cache verticle instances of one process share. There is one instance per event loop, each with
 * its own Redis clients, so that a lookup made on an event loop is served on that same loop (no thread
 * hand-over); but a tier is fenced for all of them while any invalidation is pending, concurrent
 * computations of one key are single-flighted across all of them, and the counts are one.
 */
public final class CacheShared {
  final CacheStats stats;
  final Map<Tier, PendingInvalidations> pending = new EnumMap<>(Tier.class);
  final SingleFlight<JsonObject> computeFlight = new SingleFlight<>();
  final AtomicBoolean draining = new AtomicBoolean();
  /** The near cache of each response tier (none when switched off). */
  final Map<Tier, NearCache> near = new EnumMap<>(Tier.class);
  /** Under which a clustered process uses its near cache and its principals. */
  final MemoryLease memoryLease;
  private final Map<String, CacheVerticle> loops = new ConcurrentHashMap<>();
  private final Map<Tier, List<TierClient>> clients = new EnumMap<>(Tier.class);

  /** The signed messages to the other Enginel nodes of the cluster (none outside a cluster). */
  final ClusterFanOut cluster;

  public CacheShared(EnginelConfig config, CacheStats stats, ClusterFanOut cluster) {
    this.stats = stats;
    this.cluster = cluster;
    this.memoryLease = new MemoryLease(config.cluster().enabled());
    memoryLease.onEpochChange(() -> near.values().forEach(NearCache::clear));
    EnginelConfig.Near n = config.cache().near();
    if (n.enabled() && config.cache().enabled()) {
      org.slf4j.LoggerFactory.getLogger(CacheShared.class).info("near cache on ({} bytes, {} s): every process "
          + "sharing this Redis must be a member of this node's Vert.x cluster (else set cache.near.enabled=false)",
          n.maxBytes(), n.maxAgeSeconds());
      for (Tier t : List.of(Tier.DEFAULT, Tier.LONGTERM)) {
        NearCache cache = new NearCache(n.maxBytes() / 2, java.time.Duration.ofSeconds(n.maxAgeSeconds()));
        near.put(t, cache);
        Gauge.builder("enginel_cache_near_entries", cache, NearCache::size)
            .description("Response entries held in this process's near cache").tag("tier", t.id())
            .register(stats.registry());
      }
    }
    for (Tier t : Tier.values()) {
      PendingInvalidations kept = new PendingInvalidations(config.cache().pendingInvalidationsLimit());
      List<TierClient> list = new CopyOnWriteArrayList<>();
      pending.put(t, kept);
      clients.put(t, list);
      Gauge.builder("enginel_cache_pending_invalidations", kept, PendingInvalidations::size)
          .description("Invalidations kept while the tier's Redis is away (-1: the whole tier)").tag("tier", t.id())
          .register(stats.registry());
      Gauge.builder("enginel_cache_circuit_state", list, CacheShared::worstState)
          .description("Circuit breaker of the Redis tier (worst over the instances): 0 closed, 1 half-open, 2 open")
          .tag("tier", t.id()).register(stats.registry());
    }
  }

  void register(String loop, Map<Tier, TierClient> own, CacheVerticle instance) {
    loops.put(loop, instance);
    own.forEach((tier, client) -> clients.get(tier).add(client));
  }

  void unregister(String loop, Map<Tier, TierClient> own, CacheVerticle instance) {
    loops.remove(loop, instance);
    own.forEach((tier, client) -> clients.get(tier).remove(client));
  }

  /** The address of an operation on the cache instance of the calling event loop, when there is one. */
  String local(String address) {
    String thread = Thread.currentThread().getName();
    return loops.containsKey(thread) ? address + "@" + thread : address;
  }

  /**
   * The cache instance of the calling event loop, when there is one: response lookups and fills made on an
   * event loop call it directly — the same code as the event-bus operations, without a message, a reply
   * handler and two copies per request.
   */
  CacheVerticle onThisLoop() {
    return loops.get(Thread.currentThread().getName());
  }

  public ClusterFanOut cluster() {
    return cluster;
  }

  public MemoryLease memoryLease() {
    return memoryLease;
  }

  /** Whether any instance's client of the tier may be talking to another server than before (run id unverified). */
  boolean anySuspect(Tier tier) {
    for (TierClient c : clients.get(tier)) {
      if (c.suspect()) {
        return true;
      }
    }
    return false;
  }

  private static double worstState(List<TierClient> list) {
    double worst = 0;
    for (TierClient c : list) {
      worst = Math.max(worst, switch (c.state()) {
        case CLOSED -> 0;
        case HALF_OPEN -> 1;
        case OPEN -> 2;
      });
    }
    return worst;
  }
}
