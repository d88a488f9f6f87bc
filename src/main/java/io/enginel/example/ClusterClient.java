package io.enginel.example;

import io.enginel.Clustering;
import io.enginel.cache.CacheApi;
import io.enginel.config.EnginelConfig;
import io.enginel.domain.BusSignatures;
import io.enginel.domain.Entity;
import io.enginel.invalidation.InvalidationApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Another service in Enginel's cluster: it joins the clustered event bus (no HTTP, no database of its own),
 * listens to Enginel's domain events and uses Enginel's public event-bus interface ({@code io.enginel.PublicInterface}):
 * its own keys in the cache under {@code <prefix>:app:}, and, acting for a staff user (requests signed with the key
 * of their session), manual invalidation and warming. It holds no {@code cluster.secret}: that is for Enginel's own
 * nodes.
 *
 * <pre>
 *   java -cp target/enginel.jar io.enginel.example.ClusterClient 127.0.0.1:5799 127.0.0.1:5701,127.0.0.1:5702 [enginel]
 * </pre>
 * The first argument is this member's own address, the second the members to join (the Enginel nodes), the
 * third the cluster's name ({@code cluster.name} of the nodes, "enginel" by default). When the nodes run TLS on
 * the event bus, the variables {@code ENGINEL_CLUSTER_TLS_KEY_STORE}, {@code …_KEY_STORE_PASSWORD},
 * {@code …_TRUST_STORE} and {@code …_TRUST_STORE_PASSWORD} give this member its own key pair and the trust store.
 * It stores and reads back one value, then prints every domain event until stopped.
 */
public final class ClusterClient implements AutoCloseable {
  private final Vertx vertx;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  private ClusterClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Joins the cluster {@code name} as {@code host:port}, finding it through {@code members} ("h:p,h:p"), without TLS. */
  public static Future<ClusterClient> join(String name, String self, String members) {
    return join(name, self, members, new EnginelConfig.ClusterTls(false, "", "", "", ""));
  }

  /** As {@link #join(String, String, String)}, with this member's TLS key pair and trust store. */
  public static Future<ClusterClient> join(String name, String self, String members, EnginelConfig.ClusterTls tls) {
    String[] hostPort = self.split(":");
    EnginelConfig.Cluster cluster = new EnginelConfig.Cluster(true, name, hostPort[0], Integer.parseInt(hostPort[1]),
        List.of(members.split(",")), "", tls);
    return Clustering.vertx(cluster, new VertxOptions().setEventLoopPoolSize(1), Vertx.builder()).map(ClusterClient::new);
  }

  /** Calls {@code onEvent} with every domain event of every entity, published by any node. */
  public Future<Void> onDomainEvents(Consumer<JsonObject> onEvent) {
    List<Future<Void>> registered = new ArrayList<>();
    for (Entity entity : Entity.values()) {
      MessageConsumer<JsonObject> c = vertx.eventBus().consumer(entity.address(), m -> onEvent.accept(m.body()));
      consumers.add(c);
      registered.add(c.completion());
    }
    return Future.all(registered).mapEmpty();
  }

  /** {@code enginel.cache.set}: stores any JSON value under a key of {@code <prefix>:app:}, for {@code ttl} seconds. */
  public Future<JsonObject> set(String key, Object value, long ttlSeconds) {
    return request(CacheApi.SET, new JsonObject().put("key", key).put("value", value).put("ttl", ttlSeconds));
  }

  /** {@code enginel.cache.get}: {@code {"key", "hit", "value"}} of a key under {@code <prefix>:app:}. */
  public Future<JsonObject> get(String key) {
    return request(CacheApi.GET, new JsonObject().put("key", key));
  }

  /**
   * {@code enginel.invalidation.manual}, acting for the staff user whose bearer token this is: the request is signed
   * with the key of their session, the token itself never goes over the bus ({@link BusSignatures}).
   */
  public Future<JsonObject> invalidate(String staffToken, JsonObject what) {
    return request(InvalidationApi.MANUAL, what, staffToken);
  }

  /** {@code enginel.cache.warm} of one organization, acting for the staff user whose bearer token this is (signed). */
  public Future<JsonObject> warm(String staffToken, String organization) {
    return request(CacheApi.WARM, new JsonObject().put("organization", organization), staffToken);
  }

  /** Any request to an address of Enginel's public event-bus interface. */
  public Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body());
  }

  /** A request acting for the user whose token this is, signed with their session's key ({@link BusSignatures}). */
  public Future<JsonObject> request(String address, JsonObject body, String token) {
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().addHeader("Authorization",
        BusSignatures.header(token, address, body, System.currentTimeMillis()))).map(m -> m.body());
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: ClusterClient <own host:port> <members host:port,host:port> [cluster name]");
      System.exit(2);
    }
    String store = System.getenv().getOrDefault("ENGINEL_CLUSTER_TLS_KEY_STORE", "");
    EnginelConfig.ClusterTls tls = new EnginelConfig.ClusterTls(!store.isBlank(), store,
        System.getenv().getOrDefault("ENGINEL_CLUSTER_TLS_KEY_STORE_PASSWORD", ""),
        System.getenv().getOrDefault("ENGINEL_CLUSTER_TLS_TRUST_STORE", ""),
        System.getenv().getOrDefault("ENGINEL_CLUSTER_TLS_TRUST_STORE_PASSWORD", ""));
    ClusterClient client = join(args.length == 3 ? args[2] : "enginel", args[0], args[1], tls).await(60, TimeUnit.SECONDS);
    String key = "enginel:app:example:" + ProcessHandle.current().pid();
    System.out.println("set " + client.set(key, new JsonObject().put("hello", "cluster"), 60).await(10, TimeUnit.SECONDS));
    System.out.println("get " + client.get(key).await(10, TimeUnit.SECONDS));
    client.onDomainEvents(e -> System.out.println("event " + e.encode())).await(10, TimeUnit.SECONDS);
    System.out.println("listening to enginel.events.* (Ctrl-C to stop)");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        client.close();
      } catch (Exception ignored) {
        // leaving anyway
      }
    }));
    Thread.currentThread().join();
  }
}
