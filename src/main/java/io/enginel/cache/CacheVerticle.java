package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Owns the three Redis tiers on one event loop and binds the cache's addresses ({@link CacheApi}) to the pieces
 * that answer them: reads ({@link ResponseReads}, over {@link ResponseStore}), invalidation
 * ({@link TagInvalidator}), the key/value API ({@link KeyValueApi}), health ({@link CacheHealth}), statistics,
 * the memory epoch ({@link MemoryEpoch}) and the pruning of old stamps ({@link StampPruner}). Deployed once per
 * event loop; what the instances share is in {@link CacheShared}. Redis being down never fails a request here:
 * reads are answered from PostgreSQL, fills are skipped, invalidations are kept and carried out when Redis
 * answers again.
 */
public final class CacheVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);
  private static final long DRAIN_PERIOD_MS = 500;
  private static final long PRUNE_PERIOD_MS = 60_000;

  private final EnginelConfig config;
  private final CacheShared shared;
  private final String owner;
  private final int poolSize;
  private final Map<Tier, TierClient> tiers = new EnumMap<>(Tier.class);
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private ResponseReads reads;
  private TagInvalidator invalidator;
  private String loop;

  /**
   * @param owner     this node's id (the owner of the leases it takes)
   * @param instances how many instances share {@code shared} (one per event loop): the pooled connections of a
   *                  tier are divided among them
   */
  public CacheVerticle(EnginelConfig config, CacheShared shared, String owner, int instances) {
    this.config = config;
    this.shared = shared;
    this.owner = owner;
    this.poolSize = Math.max(4, (config.redis().maxPoolSize() + instances - 1) / instances);
  }

  @Override
  public Future<?> start() {
    CacheKeys keys = new CacheKeys(config.cache().keyPrefix());
    Map<Tier, ResponseStore> stores = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      TierClient client = new TierClient(vertx, t, config.redis(), keys.prefix(), poolSize, shared.stats);
      tiers.put(t, client);
      stores.put(t, new ResponseStore(config.cache(), client, shared.guards.get(t), shared.stats, keys, shared.memoryLease,
          shared.inflateMemo));
    }
    MemoryEpoch epoch = new MemoryEpoch(vertx, tiers.get(Tier.DEFAULT), keys, shared.memoryLease);
    invalidator = new TagInvalidator(config, tiers, shared.guards, shared.stats, keys, shared.cluster, epoch::advance);
    reads = new ResponseReads(vertx, config.cache().enabled(), stores, shared.guards, tiers.get(Tier.LONGTERM),
        shared.flights, shared.observer, config.cache().computeLeaseMs(), owner);
    KeyValueApi kv = new KeyValueApi(vertx, config.cache(), tiers, shared.guards, shared.stats, keys,
        shared.computeFlight, shared.cluster, epoch::advance);
    CacheHealth health = new CacheHealth(tiers, shared.guards);
    StampPruner pruner = new StampPruner(tiers, keys, config, owner);
    loop = Thread.currentThread().getName();

    // node-local: Enginel's own machinery, which no other cluster member may reach
    consumers.add(vertx.eventBus().<ReadRequest>localConsumer(CacheApi.READ, msg -> {
      Future<?> done = msg.body().warm() ? reads.warm(msg.body().read()) : reads.read(msg.body().read());
      done.onComplete(ar -> msg.reply(new ReadOutcome(ar.result(), ar.cause())));
    }));
    bindLocal(CacheApi.INVALIDATE_TAGS, m -> invalidator.invalidate(KeyValueApi.tier(m),
        NearEvictions.strings(m.getJsonArray("tags")), false));
    bindLocal(CacheApi.INVALIDATE_ALL, m -> invalidator.invalidateAll(tiersOf(m)));
    bindLocal(CacheApi.OWN_GET, m -> kv.get(m, Namespace.ENGINEL));
    bindLocal(CacheApi.OWN_DELETE, m -> kv.delete(m, Namespace.ENGINEL));
    bindLocal(CacheApi.OWN_DELETE_PATTERN, m -> kv.deletePattern(m, Namespace.ENGINEL));
    bindLocal(CacheApi.STATS, m -> new CacheStatistics(tiers, shared.stats, keys, shared.guards,
        shared.flights.joins()).collect());
    bindLocal(CacheApi.HEALTH, m -> health.check());
    bindLocal(CacheApi.MEMORY_EPOCH_ADVANCE, m -> epoch.advance().map(new JsonObject()));
    // the public interface: other services' own keys, under <prefix>:app: only
    bindPublic(CacheApi.GET, m -> kv.get(m, Namespace.APP));
    bindPublic(CacheApi.SET, kv::set);
    bindPublic(CacheApi.DELETE, m -> kv.delete(m, Namespace.APP));
    bindPublic(CacheApi.DELETE_PATTERN, m -> kv.deletePattern(m, Namespace.APP));
    bindPublic(CacheApi.GET_OR_COMPUTE, kv::getOrCompute);
    bindPublic(CacheApi.TTL, kv::ttl);
    // the other Enginel nodes' signed evictions; answered even with the near cache off here: an invalidation
    // another member could not carry out in Redis fences this member's tier too, until it has carried it out itself
    MessageConsumer<Object> evictions = shared.cluster.listen(CacheApi.NEAR_EVICT, what -> {
      NearEvictions.evictHere(shared.guards, what);
      invalidator.keepIfPending(what);
    });
    if (evictions != null) {
      consumers.add(evictions);
    }
    timers.add(vertx.setPeriodic(DRAIN_PERIOD_MS, id -> drainKept()));
    timers.add(vertx.setPeriodic(PRUNE_PERIOD_MS, id -> tiers.keySet().forEach(pruner::prune)));
    if (shared.memoryLease.required()) {
      timers.add(vertx.setPeriodic(MemoryLease.POLL_MS, id -> epoch.poll()));
    }

    List<Future<Void>> registrations = new ArrayList<>();
    consumers.forEach(c -> registrations.add(c.completion()));
    return Future.all(registrations).onSuccess(v -> {
      shared.register(loop, tiers, reads, () -> vertx.runOnContext(x -> drainKept()));
      tiers.values().forEach(this::announce);
    });
  }

  @Override
  public Future<?> stop() {
    shared.unregister(loop, tiers, reads);
    timers.forEach(vertx::cancelTimer);
    List<Future<Void>> closes = new ArrayList<>();
    tiers.values().forEach(t -> closes.add(t.close()));
    return Future.join(closes);
  }

  /** Carries out kept invalidations (one instance of the process at a time). */
  private void drainKept() {
    if (shared.draining.compareAndSet(false, true)) {
      invalidator.drainKept().onComplete(v -> shared.draining.set(false));
    }
  }

  /** Logs whether each tier answers at start-up and learns its version; a tier that does not answer is served around. */
  private void announce(TierClient t) {
    t.learnVersion().onComplete(ar -> {
      if (ar.succeeded()) {
        LOG.info("redis tier {} at {} (Redis {})", t.tier.id(), redact(t.endpoint), ar.result());
      } else {
        LOG.warn("redis tier {} at {} does not answer ({}); serving from Postgres until it does", t.tier.id(),
            redact(t.endpoint), ar.cause().getMessage());
      }
    });
  }

  private static List<Tier> tiersOf(JsonObject m) {
    if (!m.containsKey("tiers")) {
      return List.of(Tier.values());
    }
    List<Tier> out = new ArrayList<>();
    m.getJsonArray("tiers").forEach(n -> out.add(Tier.parse(String.valueOf(n))));
    return out;
  }

  private void bindLocal(String address, Function<JsonObject, Future<?>> op) {
    consumers.add(Bus.local(vertx, address, (body, headers) -> op.apply(body), CacheVerticle::failure));
  }

  private void bindPublic(String address, Function<JsonObject, Future<?>> op) {
    consumers.add(Bus.cluster(vertx, address, (body, headers) -> op.apply(body), CacheVerticle::failure));
  }

  private static ApiError failure(Throwable failure) {
    return failure instanceof ApiError a ? a
        : failure instanceof TierClient.RedisReplyException r ? new ApiError(400, "redis_error", r.getMessage())
        : failure instanceof ReplyException ? ApiError.from(failure) // a loader's own failure
        : ApiError.unavailable("Redis is unavailable: " + failure.getMessage());
  }

  static String redact(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }

  /** A read over the event bus (node-local, zero copy): the read, and whether only to warm its entry. */
  record ReadRequest(CachedRead read, boolean warm) {}

  /** What a read over the event bus answers: its {@link Answer} (or a warming's outcome), or its failure as it is. */
  record ReadOutcome(Object value, Throwable failure) {}
}
