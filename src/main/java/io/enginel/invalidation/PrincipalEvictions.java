package io.enginel.invalidation;

import io.enginel.cache.PrincipalCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Ends sessions and forgets users in the memory of every node before a logout or a change of a user's
 * rights is answered. Each node keeps the principals it authenticated in memory (no Redis round trip per
 * request); a change notification would reach the other nodes a few milliseconds later, and in that window
 * a logged-out token or a revoked role would still be accepted there. So the node that ends a session asks
 * every member of the cluster, at its own address, to evict it, and waits for the answers (a member that does
 * not answer within {@link #TIMEOUT_MS} is dead or leaving and serves nobody).
 */
public final class PrincipalEvictions {
  private static final Logger LOG = LoggerFactory.getLogger(PrincipalEvictions.class);
  static final long TIMEOUT_MS = 2_000;

  private PrincipalEvictions() {}

  /** This member's consumer (clustered nodes only; null otherwise). */
  static MessageConsumer<JsonObject> listen(Vertx vertx, PrincipalCache principals) {
    ClusterManager cm = clusterManager(vertx);
    if (cm == null) {
      return null;
    }
    return vertx.eventBus().consumer(InvalidationApi.PRINCIPALS + cm.getNodeId(), msg -> {
      evictHere(principals, msg.body());
      msg.reply(new JsonObject());
    });
  }

  /** Evicts here, and on every other member of the cluster; completes when all have answered (never fails). */
  public static Future<Void> everywhere(Vertx vertx, PrincipalCache principals, Collection<String> sessions,
                                        Collection<Long> users) {
    JsonObject what = new JsonObject().put("sessions", new JsonArray(List.copyOf(sessions)))
        .put("users", new JsonArray(List.copyOf(users)));
    evictHere(principals, what);
    ClusterManager cm = clusterManager(vertx);
    if (cm == null) {
      return Future.succeededFuture();
    }
    List<Future<Void>> answers = new ArrayList<>();
    for (String node : cm.getNodes()) {
      if (node.equals(cm.getNodeId())) {
        continue;
      }
      answers.add(vertx.eventBus().request(InvalidationApi.PRINCIPALS + node, what,
              new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
          .<Void>mapEmpty()
          .onFailure(t -> LOG.warn("cluster member {} did not confirm a principal eviction: {}", node, t.getMessage())));
    }
    return Future.join(answers).<Void>mapEmpty().otherwiseEmpty();
  }

  static void evictHere(PrincipalCache principals, JsonObject what) {
    what.getJsonArray("sessions", new JsonArray()).forEach(h -> principals.evictSession(String.valueOf(h)));
    what.getJsonArray("users", new JsonArray()).forEach(u -> principals.evictUser(((Number) u).longValue()));
  }

  private static ClusterManager clusterManager(Vertx vertx) {
    return vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
  }
}
