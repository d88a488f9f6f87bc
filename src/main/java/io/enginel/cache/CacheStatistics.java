package io.enginel.cache;

import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seed's {@code get_cache_stats()}: per tier what Redis says (INFO, DBSIZE) beside this server's own
 * counts. Redis' INFO counters are server-wide: tiers that share one Redis show the same numbers, which
 * the answer says in {@code "scope"}; the key count and this server's counts are per tier.
 */
final class CacheStatistics {
  private final Map<Tier, TierClient> tiers;
  private final CacheStats stats;
  private final CacheKeys keys;
  private final Map<Tier, TierGuard> guards;
  private final long singleFlightJoins;

  CacheStatistics(Map<Tier, TierClient> tiers, CacheStats stats, CacheKeys keys, Map<Tier, TierGuard> guards,
                  long singleFlightJoins) {
    this.tiers = tiers;
    this.stats = stats;
    this.keys = keys;
    this.guards = guards;
    this.singleFlightJoins = singleFlightJoins;
  }

  Future<JsonObject> collect() {
    JsonObject own = stats.toJson();
    JsonObject out = new JsonObject();
    List<Future<Void>> all = new ArrayList<>();
    tiers.forEach((tier, t) -> {
      JsonObject server = own.getJsonObject("tiers").getJsonObject(tier.id(), new JsonObject()
          .put("hits", 0L).put("misses", 0L).put("errors", 0L).put("skipped", 0L).put("hit_rate", 0.0)
          .put("resources", new JsonObject()));
      JsonObject entry = new JsonObject().put("endpoint", CacheVerticle.redact(t.endpoint))
          .put("circuit", t.state().name().toLowerCase()).put("server", server);
      out.put(tier.id(), entry);
      NearCache copies = guards.get(tier).near;
      if (copies != null) {
        entry.put("near", new JsonObject().put("entries", copies.size()).put("bytes", copies.bytes())
            .put("max_bytes", copies.maxBytes()).put("hits", server.getLong("near_hits", 0L)));
      }
      all.add(t.batch(List.of(Request.cmd(Command.INFO), Request.cmd(Command.DBSIZE))).transform(ar -> {
        entry.put("connected", ar.succeeded());
        if (ar.succeeded()) {
          entry.put("redis", redis(ar.result().get(0), ar.result().get(1)));
        } else {
          entry.put("error", String.valueOf(ar.cause().getMessage()));
        }
        return Future.succeededFuture();
      }));
    });
    return Future.join(all).map(v -> new JsonObject().put("tiers", out)
        .put("scope", "redis.* counters come from INFO and are server-wide (shared by tiers on one Redis); "
            + "key_count is per tier; server.* counts are this Enginel process's own, per tier and resource")
        .put("key_prefix", keys.prefix())
        .put("fills", own.getJsonObject("fills")).put("invalidations", own.getJsonObject("invalidations"))
        .put("compression", own.getJsonObject("compression"))
        .put("single_flight_joins", singleFlightJoins)
        .put("consistency", own.getJsonObject("consistency")));
  }

  private static JsonObject redis(Response info, Response dbsize) {
    JsonObject all = new JsonObject();
    for (String line : info.toString().split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        all.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    long hits = number(all, "keyspace_hits");
    long misses = number(all, "keyspace_misses");
    return new JsonObject()
        .put("keyspace_hits", hits)
        .put("keyspace_misses", misses)
        .put("hit_rate", hits + misses == 0 ? 0.0 : Math.round(hits * 1000.0 / (hits + misses)) / 10.0)
        .put("total_commands_processed", number(all, "total_commands_processed"))
        .put("used_memory_human", all.getString("used_memory_human"))
        .put("evicted_keys", number(all, "evicted_keys"))
        .put("expired_keys", number(all, "expired_keys"))
        .put("connected_clients", number(all, "connected_clients"))
        .put("instantaneous_ops_per_sec", number(all, "instantaneous_ops_per_sec"))
        .put("maxmemory_policy", all.getString("maxmemory_policy"))
        .put("redis_version", all.getString("redis_version"))
        .put("key_count", dbsize.toLong());
  }

  private static long number(JsonObject all, String key) {
    try {
      return Long.parseLong(all.getString(key, "0").trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
