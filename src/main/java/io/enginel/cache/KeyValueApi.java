package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The seed's {@code CacheManager} on one event loop: get, set, delete, delete by pattern, TTL and get-or-compute of
 * JSON values. For other services (the public interface) on their own keys under {@code <prefix>:app:} only; for
 * Enginel's own code (manual invalidation) on its keys, where a deletion also drops the copies of every node's near
 * cache and, with {@code "guaranteed"}, is kept and carried out later when Redis is away.
 */
final class KeyValueApi {
  /** The longest a public get-or-compute waits for its loader. */
  static final long MAX_LOADER_TIMEOUT_MS = 60_000;
  private static final int SCAN_COUNT = 1000;

  private final Vertx vertx;
  private final EnginelConfig.Cache config;
  private final Map<Tier, TierClient> clients;
  private final Map<Tier, TierGuard> guards;
  private final CacheStats stats;
  private final CacheKeys keys;
  private final ValueCodec codec;
  private final SingleFlight<JsonObject> computeFlight;
  private final ClusterFanOut cluster;
  private final Supplier<Future<Void>> outwaitUnconfirmed;

  KeyValueApi(Vertx vertx, EnginelConfig.Cache config, Map<Tier, TierClient> clients, Map<Tier, TierGuard> guards,
              CacheStats stats, CacheKeys keys, SingleFlight<JsonObject> computeFlight, ClusterFanOut cluster,
              Supplier<Future<Void>> outwaitUnconfirmed) {
    this.vertx = vertx;
    this.config = config;
    this.clients = clients;
    this.guards = guards;
    this.stats = stats;
    this.keys = keys;
    this.codec = new ValueCodec(config.compressThresholdBytes(), config.compressionLevel());
    this.computeFlight = computeFlight;
    this.cluster = cluster;
    this.outwaitUnconfirmed = outwaitUnconfirmed;
  }

  /** {@code {"key"}} → {@code {"key", "hit", "value"}} (a cached API answer: its JSON body, ETag and owners). */
  Future<JsonObject> get(JsonObject m, Namespace namespace) {
    String key = namespace.readable(keys.prefix(), m.getString("key"));
    Tier tier = tier(m);
    if (guards.get(tier).fenced()) {
      return Future.succeededFuture(new JsonObject().put("key", key).put("hit", false).putNull("value"));
    }
    TierClient t = available(tier);
    return t.read(Request.cmd(Command.GET).arg(t.key(key))).map(r -> decoded(key, r == null ? null : r.toBuffer()));
  }

  private JsonObject decoded(String key, Buffer stored) {
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

  /** {@code {"key", "value", "ttl"?, "if_absent"?}} → {@code {"stored", "bytes", "compressed"}}, in {@code <prefix>:app:}. */
  Future<JsonObject> set(JsonObject m) {
    Tier tier = tier(m);
    String key = Namespace.APP.writable(keys.prefix(), m.getString("key"));
    if (!m.containsKey("value")) {
      throw ApiError.badRequest("value", "'value' is required.");
    }
    byte[] raw = Json.encodeToBuffer(m.getValue("value")).getBytes();
    Buffer stored = codec.encode(raw);
    boolean compressed = stored.getByte(0) == ValueCodec.ZLIB;
    if (compressed) {
      stats.compressed(raw.length, stored.length());
    }
    if (stored.length() > config.maxValueBytes()) {
      stats.fill(tier.id(), "too_large");
      return Future.succeededFuture(new JsonObject().put("stored", false).put("reason", "too_large")
          .put("bytes", stored.length()));
    }
    long ttl = m.getLong("ttl", (long) config.tierTtlSeconds().get(tier));
    if (ttl < 1) {
      throw ApiError.badRequest("ttl", "'ttl' must be at least 1 second.");
    }
    TierClient t = available(tier);
    Request setting = Request.cmd(Command.SET).arg(t.key(key)).arg(stored).arg("EX").arg(ttl);
    if (m.getBoolean("if_absent", false)) {
      setting.arg("NX");
    }
    return t.send(setting).map(r -> new JsonObject().put("stored", r != null).put("bytes", stored.length())
        .put("compressed", compressed));
  }

  /**
   * {@code {"keys": [...], "guaranteed"?}} → {@code {"deleted"}}. Enginel's own keys are also dropped from every
   * node's near cache, whether the Redis side succeeded or not; with {@code guaranteed}, a deletion Redis cannot
   * take is kept and the tier fenced until it is carried out ({@code "deferred": true}).
   */
  Future<JsonObject> delete(JsonObject m, Namespace namespace) {
    Tier tier = tier(m);
    List<String> list = new ArrayList<>();
    for (Object k : m.getJsonArray("keys", new JsonArray())) {
      list.add(namespace.writable(keys.prefix(), k instanceof String s ? s : null));
    }
    if (list.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("deleted", 0));
    }
    Future<JsonObject> redis = deleteInRedis(tier, list, m.getBoolean("guaranteed", false));
    return namespace == Namespace.APP ? redis : thenEverywhere(redis, NearEvictions.keys(tier, list));
  }

  private Future<JsonObject> deleteInRedis(Tier tier, List<String> list, boolean guaranteed) {
    TierClient t = clients.get(tier);
    PendingInvalidations p = guards.get(tier).pending;
    JsonObject deferred = new JsonObject().put("deleted", 0).put("deferred", true);
    if (guaranteed && (!t.available() || p.any())) {
      p.addKeys(list);
      return Future.succeededFuture(deferred);
    }
    return available(tier).send(TagInvalidator.unlinkOf(t.keys(list))).map(r -> new JsonObject().put("deleted", r.toLong()))
        .recover(err -> {
          if (!guaranteed) {
            return Future.failedFuture(err);
          }
          p.addKeys(list);
          return Future.succeededFuture(deferred);
        });
  }

  /** {@code {"pattern"}} → {@code {"deleted", "pattern"}}: SCAN with MATCH and UNLINK in batches, never KEYS. */
  Future<JsonObject> deletePattern(JsonObject m, Namespace namespace) {
    Tier tier = tier(m);
    String valid = namespace.pattern(keys.prefix(), m.getString("pattern"));
    Future<JsonObject> redis = available(tier).unlinkMatching(valid, SCAN_COUNT)
        .map(n -> new JsonObject().put("deleted", n).put("pattern", valid));
    return namespace == Namespace.APP ? redis : thenEverywhere(redis, NearEvictions.pattern(tier, valid));
  }

  /** {@code {"key"}} → {@code {"key", "ttl"}}: seconds left, -1 without expiry, -2 absent; in {@code <prefix>:app:}. */
  Future<JsonObject> ttl(JsonObject m) {
    String key = Namespace.APP.readable(keys.prefix(), m.getString("key"));
    TierClient t = available(tier(m));
    return t.read(Request.cmd(Command.TTL).arg(t.key(key))).map(r -> new JsonObject().put("key", key).put("ttl", r.toLong()));
  }

  /**
   * {@code {"key", "ttl"?, "loader": {"address", "body", "timeout_ms"?}}} → {@code {"key", "hit", "value"}}, in
   * {@code <prefix>:app:}: on a miss the loader (another service's address, never one of Enginel's) is asked once
   * however many ask for the same key and loader at once, for at most a minute.
   */
  Future<JsonObject> getOrCompute(JsonObject m) {
    Tier tier = tier(m);
    String key = Namespace.APP.writable(keys.prefix(), m.getString("key"));
    JsonObject loader = m.getJsonObject("loader");
    if (loader == null || loader.getString("address") == null) {
      throw ApiError.badRequest("loader", "'loader' needs an 'address'.");
    }
    String address = loader.getString("address");
    if (address.startsWith("enginel.")) {
      // a loader is another service's address: never one of Enginel's, which this node would answer itself
      throw ApiError.badRequest("loader", "'loader.address' must be an address of your own service, not under 'enginel.'.");
    }
    long timeout = Math.min(MAX_LOADER_TIMEOUT_MS, Math.max(1, loader.getLong("timeout_ms", 30_000L)));
    Future<JsonObject> cached = guards.get(tier).fenced() ? Future.succeededFuture(new JsonObject().put("hit", false))
        : get(new JsonObject().put("tier", tier.id()).put("key", key), Namespace.APP).otherwise(new JsonObject().put("hit", false));
    return cached.compose(c -> {
      if (c.getBoolean("hit", false)) {
        stats.request(tier.id(), "compute", CacheStats.Result.HIT);
        return Future.succeededFuture(c);
      }
      stats.request(tier.id(), "compute", CacheStats.Result.MISS);
      return computeFlight.run(tier.id() + "|" + key + "|" + address, () -> vertx.eventBus()
          .<Object>request(address, loader.getValue("body"), new DeliveryOptions().setSendTimeout(timeout))
          .compose(reply -> {
            JsonObject setting = new JsonObject().put("tier", tier.id()).put("key", key).put("value", reply.body());
            if (m.containsKey("ttl")) {
              setting.put("ttl", m.getLong("ttl"));
            }
            Future<JsonObject> stored = clients.get(tier).available() ? set(setting) : Future.succeededFuture();
            return stored.otherwiseEmpty()
                .map(x -> new JsonObject().put("key", key).put("hit", false).put("value", reply.body()));
          }));
    });
  }

  /**
   * A change of Enginel's own keys by hand: the Redis side, then — whether it succeeded or not — the near caches
   * of every member drop what it names; the answer is the Redis side's.
   */
  private Future<JsonObject> thenEverywhere(Future<JsonObject> redisSide, JsonObject what) {
    return redisSide.eventually(() -> NearEvictions.everywhere(cluster, guards, what, outwaitUnconfirmed));
  }

  private TierClient available(Tier tier) {
    TierClient t = clients.get(tier);
    if (!t.available()) {
      throw ApiError.unavailable("Redis tier " + tier.id() + " is unavailable.");
    }
    return t;
  }

  static Tier tier(JsonObject m) {
    try {
      return Tier.parse(m.getString("tier"));
    } catch (IllegalArgumentException | ClassCastException e) {
      throw ApiError.badRequest("tier", "'tier' must be default, sessions or longterm.");
    }
  }
}
