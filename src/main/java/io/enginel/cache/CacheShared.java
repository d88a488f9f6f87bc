package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the cache verticle instances of one process share. There is one instance per event loop, each with its
 * own Redis clients, so that a read made on an event loop is served on that same loop; but what the process knows
 * about each tier ({@link TierGuard}: kept invalidations, the highest clock seen, eviction stamps, near cache, tag
 * memo), the loads in flight, the memory lease, the consistency observer and the counts are one.
 */
public final class CacheShared {
  final EnginelConfig config;
  final CacheStats stats;
  final Ticker ticker;
  final Map<Tier, TierGuard> guards = new EnumMap<>(Tier.class);
  final SingleFlight<ResponseReads.Flight> flights;
  final SingleFlight<JsonObject> computeFlight = new SingleFlight<>();
  final AtomicBoolean draining = new AtomicBoolean();
  /** Under which a clustered process uses its near cache and its principals. */
  final MemoryLease memoryLease;
  /** The signed messages to the other Enginel nodes of the cluster (none outside a cluster). */
  final ClusterFanOut cluster;
  final ConsistencyObserver observer;
  /** Bodies inflated for Redis hits, by their compressed bytes ({@code cache.inflateMemoBytes}). */
  final InflateMemo inflateMemo;
  private final Map<String, ResponseReads> readsByLoop = new ConcurrentHashMap<>();
  private final Map<Tier, List<TierClient>> clients = new EnumMap<>(Tier.class);
  private volatile Runnable drainSoon = () -> { };

  public CacheShared(Vertx vertx, EnginelConfig config, CacheStats stats, ClusterFanOut cluster) {
    this(vertx, config, stats, cluster, Ticker.systemTicker(), Clock.systemUTC());
  }

  /**
   * @param ticker the clock of stamps, near-cache ages, flights and the lease (tests advance one of their own)
   * @param wallClock the time of day, which cuts tag sets into windows ({@link TagSetWindows})
   */
  public CacheShared(Vertx vertx, EnginelConfig config, CacheStats stats, ClusterFanOut cluster, Ticker ticker,
                     Clock wallClock) {
    this.config = config;
    this.stats = stats;
    this.cluster = cluster;
    this.ticker = ticker;
    this.flights = new SingleFlight<>(ticker);
    this.memoryLease = new MemoryLease(cluster.clustered(), ticker);
    EnginelConfig.Near n = config.cache().near();
    boolean near = n.enabled() && config.cache().enabled();
    if (near) {
      LoggerFactory.getLogger(CacheShared.class).info("near cache on ({} bytes, {} s): every process sharing this "
          + "Redis must be a member of this node's Vert.x cluster (else set cache.near.enabled=false)",
          n.maxBytes(), n.maxAgeSeconds());
    }
    for (Tier t : Tier.values()) {
      EvictionStamps stamps = new EvictionStamps(ticker);
      NearCache copies = near && t != Tier.SESSIONS
          ? new NearCache(n.maxBytes() / 2, Duration.ofSeconds(n.maxAgeSeconds()), stamps, ticker) : null;
      PendingInvalidations kept = new PendingInvalidations(config.cache().pendingInvalidationsLimit());
      TagSetWindows tagSets = new TagSetWindows(config.cache().tierTtlSeconds().get(t),
          ResponseStore.longestTtl(config, t), wallClock);
      guards.put(t, new TierGuard(t, kept, stamps, copies, new TagMemo(config.cache().tagMemoBytes()), tagSets,
          () -> drainSoon.run()));
      List<TierClient> list = new CopyOnWriteArrayList<>();
      clients.put(t, list);
      if (copies != null) {
        Gauge.builder("enginel_cache_near_entries", copies, NearCache::size)
            .description("Response entries held in this process's near cache").tag("tier", t.id())
            .register(stats.registry());
      }
      Gauge.builder("enginel_cache_pending_invalidations", kept, PendingInvalidations::size)
          .description("Invalidations kept while the tier's Redis is away (-1: the whole tier)").tag("tier", t.id())
          .register(stats.registry());
      Gauge.builder("enginel_cache_lookup_pipe_open", list, l -> l.stream().filter(TierClient::lookupPipeOpen).count())
          .description("Cache instances (one per event loop) whose pipelined lookup connection to the tier is open")
          .tag("tier", t.id()).register(stats.registry());
      Gauge.builder("enginel_cache_lookup_pipe_in_flight", list,
              l -> l.stream().mapToInt(TierClient::lookupPipeInFlight).sum())
          .description("Hit-path lookups in flight on the tier's pipelined lookup connections")
          .tag("tier", t.id()).register(stats.registry());
      Gauge.builder("enginel_cache_circuit_state", list, CacheShared::worstState)
          .description("Circuit breaker of the Redis tier (worst over the instances): 0 closed, 1 half-open, 2 open")
          .tag("tier", t.id()).register(stats.registry());
    }
    this.inflateMemo = new InflateMemo(config.cache().inflateMemoBytes());
    FunctionCounter.builder("enginel_cache_inflated_bodies", inflateMemo, InflateMemo::reused)
        .description("Redis hits on a compressed entry: its body reused from the memo of inflated bodies, or inflated")
        .tag("result", "reused").register(stats.registry());
    FunctionCounter.builder("enginel_cache_inflated_bodies", inflateMemo, InflateMemo::inflatedCount)
        .description("Redis hits on a compressed entry: its body reused from the memo of inflated bodies, or inflated")
        .tag("result", "inflated").register(stats.registry());
    FunctionCounter.builder("enginel_cache_single_flight_joins", flights, SingleFlight::joins)
        .description("Requests that joined a load of the same key instead of querying again").register(stats.registry());
    memoryLease.onEpochChange(() -> guards.values().forEach(g -> {
      if (g.near != null) {
        g.near.dropAll();
      }
    }));
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    this.observer = new ConsistencyObserver(vertx, config.cache().consistency(), guards, stats, ticker, (tier, key) ->
        vertx.eventBus().request(CacheApi.OWN_DELETE, new JsonObject().put("tier", tier.id())
            .put("keys", new JsonArray().add(key)).put("guaranteed", true), local));
  }

  void register(String loop, Map<Tier, TierClient> own, ResponseReads reads, Runnable drain) {
    readsByLoop.put(loop, reads);
    own.forEach((tier, client) -> clients.get(tier).add(client));
    drainSoon = drain;
  }

  void unregister(String loop, Map<Tier, TierClient> own, ResponseReads reads) {
    readsByLoop.remove(loop, reads);
    own.forEach((tier, client) -> clients.get(tier).remove(client));
  }

  /** The reads of the cache instance of the calling event loop, or null when there is none. */
  ResponseReads readsOnThisLoop() {
    return readsByLoop.get(Thread.currentThread().getName());
  }

  public MemoryLease memoryLease() {
    return memoryLease;
  }

  public ClusterFanOut cluster() {
    return cluster;
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
