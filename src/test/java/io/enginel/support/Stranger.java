package io.enginel.support;

import io.enginel.Clustering;
import io.enginel.PublicInterface;
import io.enginel.cache.CacheApi;
import io.enginel.config.EnginelConfig;
import io.enginel.invalidation.InvalidationApi;
import io.enginel.jobs.JobsApi;
import io.enginel.repository.RepositoryApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A member of Enginel's cluster that is not Enginel: it joined the Hazelcast membership (which asks for no
 * credentials) but holds no {@code cluster.secret}, and, in a TLS cluster, no certificate the nodes trust.
 * Used to show what such a member can and cannot reach.
 */
public final class Stranger implements AutoCloseable {
  private static final long PROBE_TIMEOUT_MS = 1_500;

  public final Vertx vertx;

  private Stranger(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Joins the cluster {@code name} through {@code members}, on a port of its own, with {@code tls} (or none). */
  public static Stranger join(String name, String members, EnginelConfig.ClusterTls tls) {
    int own = TestServer.freePort();
    EnginelConfig.Cluster cluster = new EnginelConfig.Cluster(true, name, "127.0.0.1", own,
        List.of((members + ",127.0.0.1:" + own).split(",")), "", tls);
    return new Stranger(TestServer.await(Clustering.vertx(cluster, new VertxOptions().setEventLoopPoolSize(1),
        Vertx.builder())));
  }

  /**
   * Every address of Enginel that is not on its public interface, each with a body that would do harm if it
   * were answered: read a password hash, mint a session for a staff user, read and forge cached answers, start a
   * new incarnation, fence a tier, run a manual invalidation or a warming without a token.
   */
  public static Map<String, JsonObject> internalAddressesWithHarmfulBodies(String prefix, long staffUser,
                                                                         String forgedTokenHash, String org) {
    Map<String, JsonObject> out = new TreeMap<>();
    for (Class<?> api : List.of(RepositoryApi.class, CacheApi.class, InvalidationApi.class, JobsApi.class)) {
      for (Field f : api.getFields()) {
        if (!Modifier.isStatic(f.getModifiers()) || f.getType() != String.class) {
          continue;
        }
        String address;
        try {
          address = (String) f.get(null);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
        if (PublicInterface.isPublicRequest(address) || address.endsWith(".")) {
          continue; // the public interface, and per-node prefixes (probed with the node's id)
        }
        out.put(address, new JsonObject());
      }
    }
    JsonObject anyKey = new JsonObject().put("tier", "default").put("key", prefix + ":design:x:detail");
    out.put(RepositoryApi.CREDENTIALS, new JsonObject().put("username", "staff"));
    out.put(RepositoryApi.SESSION_CREATE, new JsonObject().put("token_hash", forgedTokenHash).put("user_id", staffUser)
        .put("ttl_seconds", 3600).put("ip", "10.6.6.6"));
    out.put(RepositoryApi.PRINCIPAL, new JsonObject().put("user", staffUser));
    out.put(RepositoryApi.ROW, new JsonObject().put("entity", "User").put("id", Long.toString(staffUser)));
    out.put(CacheApi.OWN_GET, anyKey);
    out.put(CacheApi.OWN_DELETE, new JsonObject().put("keys", new io.vertx.core.json.JsonArray().add(anyKey.getString("key"))));
    out.put(CacheApi.OWN_DELETE_PATTERN, new JsonObject().put("pattern", prefix + ":design:*"));
    out.put(CacheApi.INVALIDATE_ALL, new JsonObject());
    out.put(CacheApi.INVALIDATE_TAGS, new JsonObject().put("tier", "default").put("tags", new io.vertx.core.json.JsonArray().add("org:" + org)));
    out.put(CacheApi.READ, anyKey.copy().put("resource", "designs"));
    out.put(CacheApi.APPLY_WARM, new JsonObject().put("organization", org));
    out.put(InvalidationApi.APPLY_MANUAL, new JsonObject().put("model", "DesignAsset"));
    out.put(InvalidationApi.APPLY, new JsonObject().put("entity", "Organization").put("op", "delete").put("id", org)
        .put("refs", new JsonObject().put("organization", new io.vertx.core.json.JsonArray().add(org))));
    return out;
  }

  /** Sends {@code body} to {@code address} and answers what came back: the reply body, or the failure. */
  public Object probe(String address, JsonObject body) {
    return probe(address, body, new DeliveryOptions());
  }

  public Object probe(String address, Object body, DeliveryOptions options) {
    return TestServer.await(vertx.eventBus().request(address, body, options.setSendTimeout(PROBE_TIMEOUT_MS))
        .map(Message::body).<Object>map(b -> b).otherwise(t -> t));
  }

  /** Each address the stranger reached (an answer, or a failure sent by a consumer), with what came back. */
  public Map<String, Object> answered(Map<String, JsonObject> probes) {
    List<Future<Object>> all = new ArrayList<>();
    List<String> order = new ArrayList<>(probes.keySet());
    for (String address : order) {
      all.add(vertx.eventBus().request(address, probes.get(address), new DeliveryOptions().setSendTimeout(PROBE_TIMEOUT_MS))
          .map(Message::body).<Object>map(b -> b).otherwise(t -> t));
    }
    TestServer.await(Future.join(all));
    Map<String, Object> reached = new TreeMap<>();
    for (int i = 0; i < order.size(); i++) {
      Object result = all.get(i).result();
      if (!(result instanceof io.vertx.core.eventbus.ReplyException e)
          || e.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
        reached.put(order.get(i), result);
      }
    }
    return reached;
  }

  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // leaving anyway
    }
  }
}
