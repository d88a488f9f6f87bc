package io.enginel.invalidation;

import io.enginel.cache.ClusterFanOut;
import io.enginel.cache.PrincipalCache;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * Ends sessions and forgets users in the memory of every node before a logout or a change of a user's
 * rights is answered. Each node keeps the principals it authenticated in memory (no Redis round trip per
 * request); a change notification would reach the other nodes a few milliseconds later, and in that window
 * a logged-out token or a revoked role would still be accepted there. So the node that ends a session asks
 * every member of the cluster, at its own address, to evict it, and waits for the answers (a member that does
 * not answer within {@link ClusterFanOut#TIMEOUT_MS} is outwaited: see {@link io.enginel.cache.MemoryLease}).
 */
public final class PrincipalEvictions {

  private PrincipalEvictions() {}

  /** The sessions and users whose principals an event changes. */
  record Affected(List<String> sessions, List<Long> users) {
    boolean none() {
      return sessions.isEmpty() && users.isEmpty();
    }
  }

  static Affected affectedBy(DomainEvent event) {
    List<Long> users = new ArrayList<>();
    return switch (event.entity()) {
      case USER, MEMBERSHIP, ORGANIZATION, SESSION -> {
        event.refs("user").forEach(u -> users.add(Long.parseLong(u)));
        yield new Affected(event.entity() == Entity.SESSION ? event.refs("session") : List.of(), users);
      }
      default -> new Affected(List.of(), List.of());
    };
  }

  /** This member's consumer of the other nodes' signed evictions (clustered nodes only; null otherwise). */
  static MessageConsumer<Object> listen(ClusterFanOut cluster, PrincipalCache principals) {
    return cluster.listen(InvalidationApi.PRINCIPALS, what -> evictHere(principals, what));
  }

  /**
   * Evicts here, and on every other member of the cluster; completes when all have answered, or — when one did
   * not — once {@code whenUnconfirmed} has made sure it no longer uses its principals (never fails).
   */
  public static Future<Void> everywhere(ClusterFanOut cluster, PrincipalCache principals, Collection<String> sessions,
                                        Collection<Long> users, Supplier<Future<Void>> whenUnconfirmed) {
    JsonObject what = new JsonObject().put("sessions", new JsonArray(List.copyOf(sessions)))
        .put("users", new JsonArray(List.copyOf(users)));
    evictHere(principals, what);
    return cluster.askOthers(InvalidationApi.PRINCIPALS, what, "a principal eviction", whenUnconfirmed);
  }

  static void evictHere(PrincipalCache principals, JsonObject what) {
    what.getJsonArray("sessions", new JsonArray()).forEach(h -> principals.evictSession(String.valueOf(h)));
    what.getJsonArray("users", new JsonArray()).forEach(u -> principals.evictUser(((Number) u).longValue()));
  }
}
