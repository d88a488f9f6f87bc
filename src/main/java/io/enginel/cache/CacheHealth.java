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
 * Each tier up, degraded (a kept invalidation fences it) or down, with its latency and circuit; and what an
 * operator running Redis near its memory limit needs to know: the tier's {@code maxmemory-policy}, its memory and
 * limit, how many keys Redis has evicted, and whether Enginel's answers stay correct under that policy — they do
 * under every policy, at a cost the answer names.
 */
final class CacheHealth {
  private final Map<Tier, TierClient> clients;
  private final Map<Tier, TierGuard> guards;

  CacheHealth(Map<Tier, TierClient> clients, Map<Tier, TierGuard> guards) {
    this.clients = clients;
    this.guards = guards;
  }

  Future<JsonObject> check() {
    JsonObject out = new JsonObject();
    List<Future<Boolean>> checks = new ArrayList<>();
    clients.forEach((tier, t) -> {
      PendingInvalidations pending = guards.get(tier).pending;
      JsonObject h = new JsonObject().put("circuit", t.state().name().toLowerCase())
          .put("pending_invalidations", pending.size());
      out.put(tier.id(), h);
      long start = System.nanoTime();
      checks.add(t.batch(List.of(Request.cmd(Command.PING), Request.cmd(Command.INFO).arg("memory"),
          Request.cmd(Command.INFO).arg("stats"))).transform(ar -> {
            h.put("latency_ms", Math.round((System.nanoTime() - start) / 1e4) / 100.0);
            boolean up = ar.succeeded() && !pending.any();
            h.put("status", ar.succeeded() ? (up ? "up" : "degraded") : "down");
            if (ar.failed()) {
              h.put("error", ar.cause().getMessage() == null ? ar.cause().getClass().getSimpleName() : ar.cause().getMessage());
            } else {
              h.put("eviction", eviction(ar.result().get(1), ar.result().get(2)));
            }
            return Future.succeededFuture(up);
          }));
    });
    return Future.join(checks).map(v -> {
      boolean allUp = checks.stream().allMatch(f -> f.succeeded() && f.result());
      return new JsonObject().put("status", allUp ? "up" : "degraded").put("tiers", out);
    });
  }

  /** {@code {"policy", "maxmemory", "used_memory", "evicted_keys", "safe", "why"}} from INFO memory and stats. */
  static JsonObject eviction(Response memory, Response stats) {
    String policy = field(memory, "maxmemory_policy");
    long max = number(memory, "maxmemory");
    return new JsonObject().put("policy", policy).put("maxmemory", max).put("used_memory", number(memory, "used_memory"))
        .put("evicted_keys", number(stats, "evicted_keys")).put("safe", true).put("why", why(policy, max));
  }

  /** Why Enginel stays correct under the policy, and what it costs. */
  static String why(String policy, long maxmemory) {
    if (maxmemory == 0) {
      return "no memory limit: Redis evicts nothing (keys still expire, and may be deleted or flushed: each loss "
          + "costs a miss, never a stale answer)";
    }
    if ("noeviction".equals(policy)) {
      return "at the limit new answers are not cached (fills are refused) while invalidations still run "
          + "(allow-oom scripts): answers come from PostgreSQL, never stale";
    }
    if (policy != null && policy.startsWith("volatile")) {
      return "only keys with a TTL are evicted; the invalidation state has none and stays; an evicted entry or tag "
          + "set costs a miss or an orphan entry that its own stamps refuse";
    }
    return "any key may be evicted: an entry costs a miss; a tag set leaves entries its own stamps refuse; the "
        + "invalidation state (one hash, hot) costs a new incarnation — every key of the tier one miss";
  }

  private static String field(Response info, String name) {
    String text = info == null ? "" : info.toString();
    int at = text.indexOf(name + ":");
    if (at < 0) {
      return null;
    }
    int end = text.indexOf('\n', at);
    return text.substring(at + name.length() + 1, end < 0 ? text.length() : end).trim();
  }

  private static long number(Response info, String name) {
    String v = field(info, name);
    try {
      return v == null ? 0 : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
