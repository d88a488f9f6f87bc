package io.enginel;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.enginel.config.EnginelConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Builds the Vert.x instance of a node: standalone, or, with {@code cluster.enabled}, a member of a clustered
 * event bus managed by Hazelcast (vertx-hazelcast), discovering its peers by TCP/IP from
 * {@code cluster.members} — no multicast, so it works on loopback and in networks that forbid it. The event
 * bus of a clustered node listens on {@code cluster.host}, on a port of its own choosing that the cluster
 * manager tells the other members; with {@code cluster.tls.enabled} it speaks TLS and requires a client
 * certificate its trust store trusts, so that a member without one can neither send to it nor receive from it.
 *
 * <p>Hazelcast's open-source edition authenticates no member (member authentication and TLS are in its
 * Enterprise edition): anyone who reaches {@code cluster.port} may join the membership. Keep that port on a
 * private network; what a member that joined that way can and cannot do is in docs/clustering.md.
 */
public final class Clustering {
  /** The cluster manager of each clustered Vert.x built here: the members and this node's id, without internal APIs. */
  private static final Map<Vertx, ClusterManager> MANAGERS = new WeakHashMap<>();

  private Clustering() {}

  /** A standalone or clustered Vert.x, as the configuration says, from {@code options} and {@code builder}. */
  public static Future<Vertx> vertx(EnginelConfig config, VertxOptions options, VertxBuilder builder) {
    return vertx(config.cluster(), options, builder);
  }

  /**
   * A standalone Vert.x, or a member of the cluster {@code c} describes; another service joins this way too (it
   * needs no {@code cluster.secret}, which only Enginel's nodes hold).
   */
  public static Future<Vertx> vertx(EnginelConfig.Cluster c, VertxOptions options, VertxBuilder builder) {
    if (!c.enabled()) {
      return Future.succeededFuture(builder.with(options).build());
    }
    options.setEventBusOptions(eventBus(c));
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(c));
    return builder.with(options).withClusterManager(manager).buildClustered().onSuccess(vertx -> {
      synchronized (MANAGERS) {
        MANAGERS.put(vertx, manager);
      }
    });
  }

  /** The event bus of a member: its host, a port of its choosing, and TLS with client certificates when asked. */
  static EventBusOptions eventBus(EnginelConfig.Cluster c) {
    EventBusOptions bus = new EventBusOptions().setHost(c.host()).setPort(0).setClusterPublicHost(c.host());
    EnginelConfig.ClusterTls tls = c.tls();
    if (tls.enabled()) {
      bus.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PfxOptions().setPath(tls.keyStore()).setPassword(tls.keyStorePassword()))
          .setTrustOptions(new PfxOptions().setPath(tls.trustStore()).setPassword(tls.trustStorePassword()));
    }
    return bus;
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

  /** The members of the cluster a Vert.x built here belongs to; null when it is not clustered. */
  public static ClusterManager manager(Vertx vertx) {
    synchronized (MANAGERS) {
      return MANAGERS.get(vertx);
    }
  }

  /** {@code {"enabled", "members": n, "node"}} for {@code /ready}. */
  public static JsonObject status(Vertx vertx) {
    ClusterManager cm = manager(vertx);
    if (cm == null) {
      return new JsonObject().put("enabled", false);
    }
    return new JsonObject().put("enabled", true).put("members", cm.getNodes().size()).put("node", cm.getNodeId());
  }
}
