package io.enginel.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Asks every other member of the Vert.x cluster, each at its own address ({@code <prefix><node id>}), and waits
 * for the answers: how a node makes sure no member still holds, in memory, what a write just changed, before
 * the write is answered. A member that does not answer within the timeout is dead or leaving and serves nobody;
 * one without a consumer at the address (the feature switched off there) holds nothing to drop.
 */
public final class ClusterFanOut {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterFanOut.class);
  public static final long TIMEOUT_MS = 2_000;
  private static final long MEMBERSHIP_POLL_MS = 20;

  private ClusterFanOut() {}

  /** This member's node id, or null when the process is not clustered. */
  public static String nodeId(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    return cm == null ? null : cm.getNodeId();
  }

  /**
   * Sends {@code body} to every other member; completes when each has answered, has left the cluster (a member
   * killed without a goodbye stops being waited for as soon as the cluster manager drops it), or has not answered
   * within {@link #TIMEOUT_MS}; when a member still in the cluster did not confirm, {@code whenUnconfirmed} runs
   * before this completes (it makes sure the laggard no longer uses what it keeps, see {@link MemoryLease}).
   * Never fails.
   */
  public static Future<Void> askOthers(Vertx vertx, String addressPrefix, JsonObject body, String what,
                                       Supplier<Future<Void>> whenUnconfirmed) {
    ClusterManager cm = clusterManager(vertx);
    if (cm == null) {
      return Future.succeededFuture();
    }
    List<Future<Boolean>> answers = new ArrayList<>();
    for (String node : cm.getNodes()) {
      if (node.equals(cm.getNodeId())) {
        continue;
      }
      Promise<Boolean> answered = Promise.promise();
      vertx.eventBus().request(addressPrefix + node, body, new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
          .onComplete(ar -> {
            boolean unconfirmed = ar.failed() && cm.getNodes().contains(node) && !noHandler(ar.cause());
            if (unconfirmed) {
              LOG.warn("cluster member {} did not confirm {}: {}", node, what, ar.cause().getMessage());
            }
            answered.tryComplete(!unconfirmed);
          });
      long poll = vertx.setPeriodic(MEMBERSHIP_POLL_MS, id -> {
        if (!cm.getNodes().contains(node)) {
          answered.tryComplete(true);
        }
      });
      answers.add(answered.future().onComplete(v -> vertx.cancelTimer(poll)));
    }
    return Future.join(answers).map(all -> answers.stream().allMatch(Future::result)).otherwise(false)
        .compose(allConfirmed -> allConfirmed ? Future.succeededFuture() : whenUnconfirmed.get());
  }

  /** The member keeps nothing of the kind (no consumer at its address): nothing to wait for. */
  private static boolean noHandler(Throwable t) {
    return t instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
  }

  private static ClusterManager clusterManager(Vertx vertx) {
    return vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
  }
}
