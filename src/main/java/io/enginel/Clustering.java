package io.enginel;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.enginel.config.EnginelConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

/**
 * Builds the Vert.x instance of a node: standalone, or, with {@code cluster.enabled}, a member of a clustered
 * event bus managed by Hazelcast (vertx-hazelcast), discovering its peers by TCP/IP from
 * {@code cluster.members} — no multicast, so it works on loopback and in networks that forbid it. The event
 * bus of a clustered node listens on {@code cluster.host}, on a port of its own choosing that the cluster
 * manager tells the other members.
 */
public final class Clustering {
  private Clustering() {}

  /** A standalone or clustered Vert.x, as the configuration says, from {@code options} and {@code builder}. */
  public static Future<Vertx> vertx(EnginelConfig config, VertxOptions options, VertxBuilder builder) {
    if (!config.cluster().enabled()) {
      return Future.succeededFuture(builder.with(options).build());
    }
    EnginelConfig.Cluster c = config.cluster();
    options.setEventBusOptions(new EventBusOptions().setHost(c.host()).setPort(0)
        .setClusterPublicHost(c.host()));
    return builder.with(options).withClusterManager(new HazelcastClusterManager(hazelcast(c))).buildClustered();
  }

  /** Vert.x's own Hazelcast configuration (its maps and locks), joined by TCP/IP to the configured members. */
  static Config hazelcast(EnginelConfig.Cluster c) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(c.name());
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false"); // Enginel's own shutdown hook leaves the cluster
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(c.port()).setPortAutoIncrement(false);
    network.setPublicAddress(c.host() + ":" + c.port());
    network.getInterfaces().setEnabled(false);
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getAutoDetectionConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(c.members()));
    hz.setProperty("hazelcast.local.localAddress", c.host());
    return hz;
  }

  /** {@code {"enabled", "members": n, "node"}} for {@code /ready}. */
  public static JsonObject status(Vertx vertx) {
    if (!vertx.isClustered()) {
      return new JsonObject().put("enabled", false);
    }
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    return new JsonObject().put("enabled", true).put("members", cm.getNodes().size()).put("node", cm.getNodeId());
  }
}
