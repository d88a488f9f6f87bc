package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Owns the three Redis tiers and answers the cache addresses of {@link CacheApi}. Redis being down never
 * fails a request here: lookups answer "miss, not fillable" at once (the circuit is open), fills are
 * skipped, invalidations are kept and carried out when Redis answers again. Deployed once per event loop
 * (see {@link CacheShared}); each instance also answers lookups and fills on {@code <address>@<its loop>},
 * which the in-process client uses so that a request's lookup stays on its event loop.
 */
public final class CacheVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CacheVerticle.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SPOP_BATCH = 512;
  private static final int SCAN_COUNT = 1000;
  private static final long DRAIN_PERIOD_MS = 500;

  private final EnginelConfig config;
  private final CacheShared shared;
  private final CacheStats stats;
  private final CacheKeys keys;
  private final ValueCodec codec;
  private final int poolSize;
  private final Map<Tier, TierClient> tiers = new EnumMap<>(Tier.class);
  private final Map<Tier, PendingInvalidations> pending;
  private final SingleFlight<JsonObject> computeFlight;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long drainTimer = -1;
  private long leaseTimer = -1;
  private final Set<Tier> verifying = java.util.EnumSet.noneOf(Tier.class);
  private String loop;

  /**
   * @param instances how many instances share {@code shared} (one per event loop): the 50 pooled connections
   *                  of a tier are divided among them
   */
  public CacheVerticle(EnginelConfig config, CacheShared shared, int instances) {
    this.config = config;
    this.shared = shared;
    this.stats = shared.stats;
    this.pending = shared.pending;
    this.computeFlight = shared.computeFlight;
    this.keys = new CacheKeys(config.cache().keyPrefix());
    this.codec = new ValueCodec(config.cache().compressThresholdBytes(), config.cache().compressionLevel());
    this.poolSize = Math.max(4, (config.redis().maxPoolSize() + instances - 1) / instances);
  }

  @Override
  public Future<?> start() {
    for (Tier t : Tier.values()) {
      tiers.put(t, new TierClient(vertx, t, config.redis(), config.cache().keyPrefix(), poolSize));
    }
    loop = Thread.currentThread().getName();
    // node-local: Enginel's own machinery, which no other cluster member may reach
    bindLocal(CacheApi.RESPONSE_LOOKUP, this::lookup);
    bindLocal(CacheApi.RESPONSE_FILL, this::fill);
    bindLocal(CacheApi.RESPONSE_LOOKUP + "@" + loop, this::lookup);
    bindLocal(CacheApi.RESPONSE_FILL + "@" + loop, this::fill);
    bindLocal(CacheApi.RESPONSE_LEASE, this::lease);
    bindLocal(CacheApi.INVALIDATE_TAGS, m -> invalidateTags(tier(m), strings(m.getJsonArray("tags")), false));
    bindLocal(CacheApi.INVALIDATE_ALL, this::invalidateAll);
    bindLocal(CacheApi.OWN_GET, m -> get(m, Namespace.ENGINEL));
    bindLocal(CacheApi.OWN_SET, m -> set(m, Namespace.ENGINEL));
    bindLocal(CacheApi.OWN_DELETE, m -> delete(m, Namespace.ENGINEL));
    bindLocal(CacheApi.OWN_DELETE_PATTERN, m -> deletePattern(tier(m), Namespace.ENGINEL.pattern(keys.prefix(),
        m.getString("pattern"))));
    bindLocal(CacheApi.STATS, m -> new CacheStatistics(tiers, stats, keys, shared.near).collect());
    bindLocal(CacheApi.HEALTH, m -> health());
    // the public interface: other services' own keys, under <prefix>:app: only
    bindPublic(CacheApi.GET, m -> get(m, Namespace.APP));
    bindPublic(CacheApi.SET, m -> set(m, Namespace.APP));
    bindPublic(CacheApi.DELETE, m -> delete(m, Namespace.APP));
    bindPublic(CacheApi.DELETE_PATTERN, m -> deletePattern(tier(m), Namespace.APP.pattern(keys.prefix(),
        m.getString("pattern"))));
    bindPublic(CacheApi.GET_OR_COMPUTE, this::getOrCompute);
    bindPublic(CacheApi.TTL, m -> {
      String key = Namespace.APP.readable(keys.prefix(), m.getString("key"));
      TierClient t = client(tier(m));
      return t.read(Request.cmd(Command.TTL).arg(t.key(key)))
          .map(r -> new JsonObject().put("key", key).put("ttl", r.toLong()));
    });
    // signed messages of the other Enginel nodes; answered even with the near cache off here: an invalidation
    // another member could not carry out in Redis fences this member's tier too, until it has carried it out itself
    MessageConsumer<Object> evictions = shared.cluster.listen(CacheApi.NEAR_EVICT, m -> {
      NearEvictions.evictHere(shared.near, m);
      keepIfPending(m);
    });
    if (evictions != null) {
      consumers.add(evictions);
    }
    drainTimer = vertx.setPeriodic(DRAIN_PERIOD_MS, id -> {
      drainPending();
      tiers.values().forEach(this::verifySuspect);
    });
    if (shared.memoryLease.required()) {
      leaseTimer = vertx.setPeriodic(MemoryLease.POLL_MS, id -> pollMemoryEpoch());
      bindLocal(CacheApi.MEMORY_EPOCH_ADVANCE, m -> advanceMemoryEpoch().map(new JsonObject()));
    }

    List<Future<Void>> registrations = new ArrayList<>();
    consumers.forEach(c -> registrations.add(c.completion()));
    return Future.all(registrations).onSuccess(v -> {
      shared.register(loop, tiers, this);
      tiers.values().forEach(this::announce);
    });
  }

  @Override
  public Future<?> stop() {
    shared.unregister(loop, tiers, this);
    vertx.cancelTimer(drainTimer);
    vertx.cancelTimer(leaseTimer);
    List<Future<Void>> closes = new ArrayList<>();
    tiers.values().forEach(t -> closes.add(t.close()));
    return Future.join(closes);
  }

  /**
   * A tier whose Redis failed to answer is not read from until the server answering now is known to be the
   * one that answered before (its run id). When it is another — a replica promoted by Sentinel or the cluster
   * without the last writes, a restart from an old snapshot — what it holds may predate invalidations Enginel
   * made: a response tier starts a new incarnation (everything cached before is dropped) and the sessions
   * tier drops its sessions (each is checked against Postgres again; nobody is logged out).
   */
  private void verifySuspect(TierClient t) {
    if (!t.suspect() || !t.available() || !verifying.add(t.tier)) {
      return;
    }
    t.verifyServer().compose(changed -> {
      if (!changed) {
        return Future.succeededFuture();
      }
      return t.tier == Tier.SESSIONS ? t.unlinkMatching(keys.prefix() + ":session:*", SCAN_COUNT).mapEmpty()
          : invalidateTags(t.tier, List.of(), true).mapEmpty();
    }).onComplete(ar -> {
      verifying.remove(t.tier);
      if (ar.succeeded()) {
        t.trusted();
      }
    });
  }

  /** Logs whether each tier answers at start-up, and notes its server's run id; a tier that does not answer is served around. */
  private void announce(TierClient t) {
    t.verifyServer().onComplete(ar -> {
      if (ar.succeeded()) {
        t.trusted();
        LOG.info("redis tier {} at {}", t.tier.id(), redact(t.endpoint));
      } else {
        LOG.warn("redis tier {} at {} does not answer ({}); serving from Postgres until it does", t.tier.id(),
            redact(t.endpoint), ar.cause().getMessage());
      }
    });
  }

  // ------------------------------------------------------------------ response caching

  /** MGET of the entry and the tier's clock: a hit when the entry exists and belongs to the clock's incarnation. */
  private Future<Object> lookup(JsonObject m) {
    // a second look by a request that already counted its miss (after waiting for a compute lease) counts nothing
    return lookup(tier(m), m.getString("key"), m.getBoolean("recheck", false) ? null : m.getString("resource", "other"))
        .map(found -> found instanceof ResponseEntry e ? e.stored() : found);
  }

  /**
   * The lookup itself, also called directly by a {@link CacheClient} running on this instance's event loop
   * (no event-bus message, no copy of the entry): the {@link ResponseEntry} on a hit — from the near cache
   * when it holds a copy, else from Redis (and then copied into the near cache) — or the stored entry as a
   * {@link Buffer} when it is not one the near cache may keep, else the miss as
   * {@code {"miss", "ticket", "fillable"}}. {@code resource} null counts nothing.
   */
  Future<Object> lookup(Tier tier, String key, String resource) {
    if (key == null) {
      return Future.failedFuture(ApiError.badRequest("key", "'key' is required."));
    }
    // the near cache is served even while Redis is away: every invalidation reaches it, carried out in Redis or not
    NearCache near = shared.memoryLease.valid() ? shared.near.get(tier) : null;
    if (near != null && config.cache().enabled()) {
      ResponseEntry copy = near.get(key);
      if (copy != null) {
        count(tier, resource, CacheStats.Result.HIT);
        if (resource != null) {
          stats.nearHit(tier.id());
        }
        LOG.debug("cache hit {} (near)", key);
        return Future.succeededFuture(copy);
      }
    }
    TierClient t = tiers.get(tier);
    if (!config.cache().enabled() || !servable(t)) {
      count(tier, resource, CacheStats.Result.SKIPPED);
      return Future.succeededFuture(miss(null, false));
    }
    long start = System.nanoTime();
    return t.read(Request.cmd(Command.MGET).arg(t.key(key)).arg(t.clockKey)).transform(ar -> {
      stats.latency(tier.id(), "lookup", System.nanoTime() - start);
      if (ar.failed()) {
        count(tier, resource, CacheStats.Result.ERROR);
        LOG.debug("cache error {} {}", key, ar.cause().getMessage());
        return Future.succeededFuture(miss(null, false));
      }
      Response r = ar.result();
      Buffer entry = r.get(0) == null ? null : r.get(0).toBuffer();
      String clock = r.get(1) == null ? "" : r.get(1).toString();
      if (entry != null && incarnation(clock).equals(ResponseEntry.incarnationOf(entry))) {
        count(tier, resource, CacheStats.Result.HIT);
        LOG.debug("cache hit {}", key);
        ResponseEntry parsed = near == null || shared.anySuspect(tier) ? null : ResponseEntry.parse(entry);
        if (parsed == null) {
          return Future.succeededFuture(entry);
        }
        ResponseEntry kept = near.put(key, parsed, start, resourceTtl(resource));
        return Future.succeededFuture(kept != null ? kept : parsed);
      }
      count(tier, resource, CacheStats.Result.MISS);
      LOG.debug("cache miss {}", key);
      return Future.succeededFuture(miss(clock, true));
    });
  }

  /** The TTL configured for a resource's answers (0 when unknown: a recheck, or another service's lookup). */
  private long resourceTtl(String resource) {
    EnginelConfig.ResourceCache rc = resource == null ? null : config.cache().resources().get(resource);
    return rc == null ? 0 : rc.ttlSeconds();
  }

  private void count(Tier tier, String resource, CacheStats.Result result) {
    if (resource != null) {
      stats.request(tier.id(), resource, result);
    }
  }

  private static JsonObject miss(String ticket, boolean fillable) {
    return new JsonObject().put("miss", true).put("ticket", ticket).put("fillable", fillable);
  }

  private Future<Object> fill(JsonObject m) {
    Tier tier = tier(m);
    return fill(tier, m.getString("key"), m.getString("ticket"), m.getBuffer("entry"),
        strings(m.getJsonArray("tags", new JsonArray())), m.getLong("ttl", (long) config.cache().tierTtlSeconds().get(tier)));
  }

  /** The fill itself, also called directly by a {@link CacheClient} on this instance's event loop. */
  Future<Object> fill(Tier tier, String key, String ticket, Buffer entry, List<String> tags, long ttl) {
    TierClient t = tiers.get(tier);
    if (ticket == null || !config.cache().enabled()) {
      return Future.succeededFuture(new JsonObject().put("stored", false).put("reason", "not_fillable"));
    }
    if (entry.length() > config.cache().maxValueBytes()) {
      stats.fill(tier.id(), "too_large");
      return Future.succeededFuture(new JsonObject().put("stored", false).put("reason", "too_large"));
    }
    if (!servable(t)) {
      stats.fill(tier.id(), "unavailable");
      return Future.succeededFuture(new JsonObject().put("stored", false).put("reason", "unavailable"));
    }
    List<String> scriptKeys = new ArrayList<>(2 + 2 * tags.size());
    scriptKeys.add(key);
    scriptKeys.add(keys.clock());
    tags.forEach(tag -> scriptKeys.add(keys.tagVersion(tag)));
    tags.forEach(tag -> scriptKeys.add(keys.tagSet(tag)));
    List<Object> args = List.of(ticket, ttl, entry, tags.size(), tagSetTtl(tier));
    long start = System.nanoTime();
    return t.eval(Scripts.FILL, Scripts.FILL_SHA, t.keys(scriptKeys), args).transform(ar -> {
      stats.latency(tier.id(), "fill", System.nanoTime() - start);
      if (ar.failed()) {
        stats.fill(tier.id(), "error");
        return Future.succeededFuture(new JsonObject().put("stored", false).put("reason", "error"));
      }
      boolean stored = ar.result().toLong() == 1L;
      stats.fill(tier.id(), stored ? "stored" : "refused_stale");
      return Future.succeededFuture(new JsonObject().put("stored", stored).put("reason", stored ? null : "stale"));
    });
  }

  private Future<Object> lease(JsonObject m) {
    Tier tier = tier(m);
    TierClient t = tiers.get(tier);
    String lease = t.key(m.getString("key") + ":lease");
    String owner = m.getString("owner");
    String op = m.getString("op", "acquire");
    if (!t.available()) {
      return Future.succeededFuture(new JsonObject().put("acquired", true).put("held", false).put("released", 0));
    }
    Future<Response> result = switch (op) {
      case "acquire" -> t.send(Request.cmd(Command.SET).arg(lease).arg(owner).arg("NX").arg("PX")
          .arg(m.getLong("ms", config.cache().computeLeaseMs())));
      case "release" -> t.eval(Scripts.RELEASE, Scripts.RELEASE_SHA, List.of(lease), List.of(owner));
      case "held" -> t.send(Request.cmd(Command.EXISTS).arg(lease));
      default -> throw ApiError.badRequest("op", "'op' must be acquire, release or held.");
    };
    return result.transform(ar -> Future.succeededFuture(switch (op) {
      case "acquire" -> new JsonObject().put("acquired", ar.failed() || ar.result() != null);
      case "release" -> new JsonObject().put("released", ar.succeeded() ? ar.result().toLong() : 0L);
      default -> new JsonObject().put("held", ar.succeeded() && ar.result().toLong() == 1L);
    }));
  }

  /** Tag sets must outlive every entry they name: the longest TTL configured for the tier. */
  private long tagSetTtl(Tier tier) {
    long max = config.cache().tierTtlSeconds().get(tier);
    for (EnginelConfig.ResourceCache rc : config.cache().resources().values()) {
      max = Math.max(max, rc.ttlSeconds());
    }
    return max;
  }

  /** Versions must outlive any fill still in flight. */
  private long versionTtl() {
    return Math.max(60, config.cache().maxFillAgeMs() * 2 / 1000);
  }

  // ------------------------------------------------------------------ invalidation

  /**
   * Advances the clock, stamps the tags, then deletes every key filled under them (SPOP in batches +
   * UNLINK): only the keys concerned are touched, never the keyspace. When Redis cannot be reached the
   * tags are kept and the tier fenced; the reply says {@code deferred}. Then the copies filled under the tags
   * are dropped from the near cache of every cluster member, and only then is the invalidation answered.
   */
  Future<Object> invalidateTags(Tier tier, List<String> tags, boolean newIncarnation) {
    if (tags.isEmpty() && !newIncarnation) {
      return Future.succeededFuture(new JsonObject().put("deleted", 0));
    }
    return invalidateInRedis(tier, tags, newIncarnation).compose(done -> {
      JsonObject what = NearEvictions.of(tier, tags, newIncarnation);
      if (((JsonObject) done).getBoolean("deferred", false)) {
        what.put("pending", true);
      }
      return NearEvictions.everywhere(shared.cluster, shared.near, what, this::advanceMemoryEpoch).map(done);
    });
  }

  /** Another member's invalidation that it could not carry out in Redis: kept here as well (the tier fenced). */
  private void keepIfPending(JsonObject m) {
    if (!m.getBoolean("pending", false)) {
      return;
    }
    keep(pending.get(Tier.parse(m.getString("tier"))), strings(m.getJsonArray("tags")), m.getBoolean("all", false));
  }

  /**
   * A member did not confirm an eviction: the epoch advances, so that it drops what it keeps in memory at its
   * next read of the epoch, or stops using it when its lease runs out; the caller waits for either to happen.
   */
  private Future<Void> advanceMemoryEpoch() {
    TierClient t = tiers.get(Tier.DEFAULT);
    Future<Void> advanced = t.available()
        ? t.send(Request.cmd(Command.INCR).arg(t.key(keys.memoryEpoch()))).<Void>mapEmpty()
            .onFailure(e -> LOG.warn("could not advance the memory epoch: {}", e.getMessage())).otherwiseEmpty()
        : Future.succeededFuture();
    return advanced.compose(v -> vertx.timer(MemoryLease.WRITER_WAIT_MS)).mapEmpty();
  }

  /** Renews this process's lease, and drops what it keeps in memory when another member advanced the epoch. */
  private void pollMemoryEpoch() {
    MemoryLease lease = shared.memoryLease;
    TierClient t = tiers.get(Tier.DEFAULT);
    if (!t.available() || t.suspect() || !lease.startPoll()) {
      return;
    }
    long sent = System.nanoTime();
    t.read(Request.cmd(Command.GET).arg(t.key(keys.memoryEpoch()))).onComplete(ar -> {
      try {
        if (ar.succeeded()) {
          if (lease.observed(ar.result() == null ? null : ar.result().toString(), sent)) {
            LOG.info("memory epoch advanced by another member: near-cache copies and principals dropped");
          }
        }
      } finally {
        lease.endPoll();
      }
    });
  }

  /**
   * The Redis side of an invalidation: carried out now, or kept (and the tier fenced) while Redis is away — or
   * when it takes longer than one command timeout, so that an invalidation always answers in bounded time.
   */
  private Future<Object> invalidateInRedis(Tier tier, List<String> tags, boolean newIncarnation) {
    TierClient t = tiers.get(tier);
    PendingInvalidations p = pending.get(tier);
    JsonObject deferred = new JsonObject().put("deferred", true).put("tier", tier.id());
    if (!t.available() || p.any()) {
      keep(p, tags, newIncarnation);
      return Future.succeededFuture(deferred);
    }
    return apply(t, new LinkedHashSet<>(tags), newIncarnation)
        .timeout(config.redis().commandTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .<Object>map(r -> r)
        .recover(err -> {
          keep(p, tags, newIncarnation);
          LOG.warn("invalidation on tier {} deferred until Redis answers: {}", tier.id(), err.getMessage());
          return Future.succeededFuture(deferred);
        });
  }

  private static void keep(PendingInvalidations p, List<String> tags, boolean newIncarnation) {
    if (newIncarnation) {
      p.addEverything();
    } else {
      p.add(tags);
    }
  }

  private Future<JsonObject> apply(TierClient t, Set<String> tags, boolean newIncarnation) {
    List<String> scriptKeys = new ArrayList<>(tags.size() + 1);
    scriptKeys.add(keys.clock());
    tags.forEach(tag -> scriptKeys.add(keys.tagVersion(tag)));
    long start = System.nanoTime();
    return t.eval(Scripts.INVALIDATE, Scripts.INVALIDATE_SHA, t.keys(scriptKeys),
            List.of(newIncarnation(), versionTtl(), newIncarnation ? "1" : "0"))
        .compose(clock -> drainTagSets(t, new ArrayList<>(tags), 0).map(deleted -> {
          stats.latency(t.tier.id(), "invalidate", System.nanoTime() - start);
          return new JsonObject().put("deleted", deleted).put("tags", tags.size()).put("clock", clock.toString())
              .put("tier", t.tier.id());
        }));
  }

  /** Pops each tag set in batches and unlinks what it named, until every set is empty. */
  private Future<Long> drainTagSets(TierClient t, List<String> tags, long deletedSoFar) {
    if (tags.isEmpty()) {
      return Future.succeededFuture(deletedSoFar);
    }
    List<Request> pops = new ArrayList<>(tags.size());
    tags.forEach(tag -> pops.add(Request.cmd(Command.SPOP).arg(t.key(keys.tagSet(tag))).arg(SPOP_BATCH)));
    return t.batch(pops).recover(err -> lostTrack(t, err)).compose(replies -> {
      List<String> members = new ArrayList<>();
      List<String> again = new ArrayList<>();
      for (int i = 0; i < replies.size(); i++) {
        Response r = replies.get(i);
        if (r != null) {
          r.forEach(member -> members.add(member.toString()));
          if (r.size() == SPOP_BATCH) {
            again.add(tags.get(i));
          }
        }
      }
      if (members.isEmpty()) {
        return drainTagSets(t, again, deletedSoFar);
      }
      Request unlink = Request.cmd(Command.UNLINK); // the members are stored keys (tagged in cluster mode) already
      members.forEach(unlink::arg);
      return t.send(unlink).recover(err -> lostTrack(t, err))
          .compose(n -> drainTagSets(t, again, deletedSoFar + n.toLong()));
    });
  }

  /**
   * Popped keys may not have been unlinked (the pop or the unlink failed, or its reply was lost): they are no
   * longer named by any tag set, so only a new incarnation of the tier is sure to invalidate them.
   */
  private <T> Future<T> lostTrack(TierClient t, Throwable err) {
    pending.get(t.tier).addEverything();
    return Future.failedFuture(err);
  }

  private Future<Object> invalidateAll(JsonObject m) {
    JsonArray names = m.getJsonArray("tiers", new JsonArray().add(Tier.DEFAULT.id()).add(Tier.LONGTERM.id()));
    List<Future<Object>> all = new ArrayList<>();
    for (Object n : names) {
      all.add(invalidateTags(Tier.parse(n.toString()), List.of(), true));
    }
    return Future.all(all).map(cf -> {
      JsonArray results = new JsonArray();
      all.forEach(f -> results.add(f.result()));
      return new JsonObject().put("tiers", results);
    });
  }

  /** Carries out kept invalidations as soon as a fenced tier's Redis answers (one instance at a time). */
  private void drainPending() {
    if (!shared.draining.compareAndSet(false, true)) {
      return;
    }
    List<Future<?>> work = new ArrayList<>();
    pending.forEach((tier, p) -> {
      TierClient t = tiers.get(tier);
      if (!p.any() || !t.available()) {
        return;
      }
      Set<String> deletions = p.snapshotKeys();
      Set<String> tags = p.snapshot();
      boolean everything = p.everythingPending();
      Future<Void> keysGone = deletions.isEmpty() ? Future.succeededFuture()
          : t.send(unlinkOf(t.keys(deletions))).onSuccess(r -> p.keysDone(deletions)).mapEmpty();
      work.add(keysGone.compose(v -> tags.isEmpty() && !everything ? Future.succeededFuture() : apply(t, tags, everything)
          .onSuccess(r -> {
            p.done(tags, everything);
            // a copy read from Redis before this (by a member that had not kept the invalidation) goes too
            NearEvictions.evictHere(shared.near, NearEvictions.of(tier, tags, everything));
          })).onSuccess(r ->
          LOG.info("carried out kept invalidations on tier {}: {} key(s), {} tag(s)", tier.id(), deletions.size(),
              everything ? "all" : tags.size())));
    });
    Future.join(work).onComplete(v -> shared.draining.set(false));
  }

  private static String newIncarnation() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static String incarnation(String clock) {
    int sep = clock.indexOf(':');
    return sep < 0 ? "" : clock.substring(0, sep);
  }

  // ------------------------------------------------------------------ the public key/value API

  private Future<Object> get(JsonObject m, Namespace namespace) {
    String key = namespace.readable(keys.prefix(), m.getString("key"));
    if (fenced(tiers.get(tier(m)))) {
      return Future.succeededFuture(new JsonObject().put("key", key).put("hit", false).putNull("value"));
    }
    TierClient t = client(tier(m));
    return t.read(Request.cmd(Command.GET).arg(t.key(key))).map(r -> decodeForClient(key, r == null ? null : r.toBuffer()));
  }

  private JsonObject decodeForClient(String key, Buffer stored) {
    JsonObject reply = new JsonObject().put("key", key).put("hit", stored != null).putNull("value");
    if (stored == null) {
      return reply;
    }
    ResponseEntry entry = ResponseEntry.parse(stored);
    try {
      if (entry != null) {
        return reply.put("value", Json.decodeValue(entry.body())).put("etag", entry.etag())
            .put("owners", new JsonArray(entry.owners()));
      }
      return reply.put("value", Json.decodeValue(Buffer.buffer(ValueCodec.decode(stored, 0))));
    } catch (DecodeException | IllegalArgumentException e) {
      throw new ApiError(409, "not_json", "The value at " + key + " is not a JSON value written by Enginel.");
    }
  }

  private Future<Object> set(JsonObject m, Namespace namespace) {
    Tier tier = tier(m);
    String key = namespace.writable(keys.prefix(), m.getString("key"));
    if (!m.containsKey("value")) {
      throw ApiError.badRequest("value", "'value' is required.");
    }
    byte[] raw = Json.encodeToBuffer(m.getValue("value")).getBytes();
    Buffer stored = codec.encode(raw);
    boolean compressed = stored.getByte(0) == ValueCodec.ZLIB;
    if (compressed) {
      stats.compressed(raw.length, stored.length());
    }
    if (stored.length() > config.cache().maxValueBytes()) {
      stats.fill(tier.id(), "too_large");
      return Future.succeededFuture(new JsonObject().put("stored", false).put("reason", "too_large").put("bytes", stored.length()));
    }
    long ttl = m.getLong("ttl", (long) config.cache().tierTtlSeconds().get(tier));
    if (ttl < 1) {
      throw ApiError.badRequest("ttl", "'ttl' must be at least 1 second.");
    }
    boolean ifAbsent = m.getBoolean("if_absent", false);
    return thenNear(() -> {
      TierClient t = client(tier);
      Request setting = Request.cmd(Command.SET).arg(t.key(key)).arg(stored).arg("EX").arg(ttl);
      if (ifAbsent) {
        setting.arg("NX"); // never over a value someone else wrote meanwhile (a logout's mark)
      }
      return t.send(setting).map(r -> new JsonObject().put("stored", r != null).put("bytes", stored.length())
          .put("compressed", compressed));
    }, NearEvictions.keys(tier, List.of(key)));
  }

  /**
   * UNLINK of keys. With {@code "guaranteed": true} a deletion that cannot reach Redis is kept and the tier
   * fenced until it is carried out (how a logout is never undone by a Redis outage); otherwise it fails.
   */
  private Future<Object> delete(JsonObject m, Namespace namespace) {
    Tier tier = tier(m);
    List<String> list = new ArrayList<>();
    for (Object k : m.getJsonArray("keys", new JsonArray())) {
      list.add(namespace.readable(keys.prefix(), k instanceof String s ? s : null));
    }
    if (list.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("deleted", 0));
    }
    boolean guaranteed = m.getBoolean("guaranteed", false);
    return thenNear(() -> deleteInRedis(tier, list, guaranteed), NearEvictions.keys(tier, list));
  }

  private Future<JsonObject> deleteInRedis(Tier tier, List<String> list, boolean guaranteed) {
    TierClient t = tiers.get(tier);
    PendingInvalidations p = pending.get(tier);
    JsonObject deferred = new JsonObject().put("deleted", 0).put("deferred", true);
    if (guaranteed && (!t.available() || p.any())) {
      p.addKeys(list);
      return Future.succeededFuture(deferred);
    }
    return client(tier).send(unlinkOf(t.keys(list))).map(r -> new JsonObject().put("deleted", r.toLong()))
        .recover(err -> {
          if (!guaranteed) {
            return Future.failedFuture(err);
          }
          p.addKeys(list);
          return Future.succeededFuture(deferred);
        });
  }

  /** SCAN with MATCH and UNLINK in batches of a pattern validated by its namespace (never a flush by accident). */
  Future<Object> deletePattern(Tier tier, String valid) {
    return thenNear(() -> client(tier).unlinkMatching(valid, SCAN_COUNT)
        .map(n -> new JsonObject().put("deleted", n).put("pattern", valid)), NearEvictions.pattern(tier, valid));
  }

  /**
   * A change of keys by hand (set, delete, delete by pattern): the Redis side, then — whether it succeeded or
   * not — the near caches of every member drop what it names; the answer is the Redis side's.
   */
  private Future<Object> thenNear(java.util.function.Supplier<Future<JsonObject>> redisSide, JsonObject near) {
    Future<JsonObject> done;
    try {
      done = redisSide.get();
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.<Object>map(r -> r).eventually(() -> NearEvictions.everywhere(shared.cluster, shared.near, near,
        this::advanceMemoryEpoch));
  }

  private static Request unlinkOf(List<String> keys) {
    Request r = Request.cmd(Command.UNLINK);
    keys.forEach(r::arg);
    return r;
  }

  private Future<Object> getOrCompute(JsonObject m) {
    Tier tier = tier(m);
    String key = Namespace.APP.writable(keys.prefix(), m.getString("key"));
    JsonObject loader = m.getJsonObject("loader");
    if (loader == null || loader.getString("address") == null) {
      throw ApiError.badRequest("loader", "'loader' needs an 'address'.");
    }
    if (loader.getString("address").startsWith("enginel.")) {
      // a loader is another service's address: never one of Enginel's, which this node would answer itself
      throw ApiError.badRequest("loader", "'loader.address' must be an address of your own service, not under 'enginel.'.");
    }
    TierClient t = tiers.get(tier);
    Future<JsonObject> cached = servable(t)
        ? t.send(Request.cmd(Command.GET).arg(t.key(key))).map(r -> decodeForClient(key, r == null ? null : r.toBuffer()))
        .otherwise(new JsonObject().put("hit", false))
        : Future.succeededFuture(new JsonObject().put("hit", false));
    return cached.<JsonObject>compose(c -> {
      if (c.getBoolean("hit", false)) {
        stats.request(tier.id(), "compute", CacheStats.Result.HIT);
        return Future.succeededFuture(c);
      }
      stats.request(tier.id(), "compute", CacheStats.Result.MISS);
      return computeFlight.run(tier.id() + "|" + key, () -> vertx.eventBus()
          .<Object>request(loader.getString("address"), loader.getValue("body"),
              new DeliveryOptions().setSendTimeout(loader.getLong("timeout_ms", 30_000L)))
          .compose(reply -> {
            JsonObject setMsg = new JsonObject().put("tier", tier.id()).put("key", key).put("value", reply.body());
            if (m.containsKey("ttl")) {
              setMsg.put("ttl", m.getLong("ttl"));
            }
            Future<Object> stored = t.available() ? set(setMsg, Namespace.APP) : Future.succeededFuture();
            return stored.otherwiseEmpty()
                .map(x -> new JsonObject().put("key", key).put("hit", false).put("value", reply.body()));
          }));
    }).map(r -> (Object) r);
  }

  private Future<Object> health() {
    JsonObject out = new JsonObject();
    List<Future<Void>> checks = new ArrayList<>();
    boolean[] allUp = {true};
    tiers.forEach((tier, t) -> {
      long start = System.nanoTime();
      JsonObject h = new JsonObject().put("circuit", t.state().name().toLowerCase())
          .put("pending_invalidations", pending.get(tier).size());
      out.put(tier.id(), h);
      checks.add(t.send(Request.cmd(Command.PING)).transform(ar -> {
        h.put("latency_ms", Math.round((System.nanoTime() - start) / 1e4) / 100.0);
        boolean up = ar.succeeded() && !pending.get(tier).any();
        h.put("status", ar.succeeded() ? (up ? "up" : "degraded") : "down");
        if (ar.failed()) {
          h.put("error", ar.cause().getMessage() == null ? ar.cause().getClass().getSimpleName() : ar.cause().getMessage());
        }
        allUp[0] &= up;
        return Future.succeededFuture();
      }));
    });
    return Future.join(checks).map(v -> new JsonObject().put("status", allUp[0] ? "up" : "degraded").put("tiers", out));
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * Whether what the tier holds may be read or filled now: its Redis answers (circuit not open), no kept
   * invalidation is waiting for it, and its server is not suspect of being another than before.
   */
  private boolean servable(TierClient t) {
    return t.available() && !fenced(t);
  }

  /** A kept invalidation waits for the tier, or its server may be another than before: nothing it holds is used. */
  private boolean fenced(TierClient t) {
    return pending.get(t.tier).any() || t.suspect();
  }

  private TierClient client(Tier tier) {
    TierClient t = tiers.get(tier);
    if (!t.available()) {
      throw ApiError.unavailable("Redis tier " + tier.id() + " is unavailable.");
    }
    return t;
  }

  private static Tier tier(JsonObject m) {
    try {
      return Tier.parse(m.getString("tier"));
    } catch (IllegalArgumentException | ClassCastException e) {
      throw ApiError.badRequest("tier", "'tier' must be default, sessions or longterm.");
    }
  }

  static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }

  private void bindLocal(String address, Function<JsonObject, Future<Object>> op) {
    consumers.add(Bus.local(vertx, address, (body, headers) -> op.apply(body), CacheVerticle::failure));
  }

  private void bindPublic(String address, Function<JsonObject, Future<Object>> op) {
    consumers.add(Bus.cluster(vertx, address, (body, headers) -> op.apply(body), CacheVerticle::failure));
  }

  private static ApiError failure(Throwable failure) {
    return failure instanceof ApiError a ? a
        : failure instanceof TierClient.RedisReplyException r ? new ApiError(400, "redis_error", r.getMessage())
        : failure instanceof io.vertx.core.eventbus.ReplyException ? ApiError.from(failure) // a loader's own failure
        : ApiError.unavailable("Redis is unavailable: " + failure.getMessage());
  }

  static String redact(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }

}
