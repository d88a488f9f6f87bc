package io.enginel.example;

import io.enginel.Clustering;
import io.enginel.cache.CacheApi;
import io.enginel.config.ConfigLoader;
import io.enginel.config.EnginelConfig;
import io.enginel.domain.Entity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Another service in Enginel's cluster: it joins the clustered event bus (no HTTP, no database of its own),
 * listens to Enginel's domain events and reads and writes through the public cache interface
 * ({@code enginel.cache.*}), which any Enginel node of the cluster answers.
 *
 * <pre>
 *   java -cp target/enginel.jar io.enginel.example.ClusterClient 127.0.0.1:5799 127.0.0.1:5701,127.0.0.1:5702 [enginel]
 * </pre>
 * The first argument is this member's own address, the second the members to join (the Enginel nodes), the
 * third the cluster's name ({@code cluster.name} of the nodes, "enginel" by default). It
 * stores and reads back one value, then prints every domain event until stopped.
 */
public final class ClusterClient implements AutoCloseable {
  private final Vertx vertx;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  private ClusterClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Joins the cluster {@code name} as {@code host:port}, finding it through {@code members} ("h:p,h:p"). */
  public static Future<ClusterClient> join(String name, String self, String members) {
    String[] hostPort = self.split(":");
    EnginelConfig config = EnginelConfig.from(ConfigLoader.defaults())
        .with("cluster.enabled", true)
        .with("cluster.name", name)
        .with("cluster.host", hostPort[0])
        .with("cluster.port", Integer.parseInt(hostPort[1]))
        .with("cluster.members", members);
    return Clustering.vertx(config, new VertxOptions().setEventLoopPoolSize(1), Vertx.builder()).map(ClusterClient::new);
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

  /** {@code enginel.cache.set}: stores any JSON value under a key of Enginel's prefix, for {@code ttl} seconds. */
  public Future<JsonObject> set(String key, Object value, long ttlSeconds) {
    return request(CacheApi.SET, new JsonObject().put("key", key).put("value", value).put("ttl", ttlSeconds));
  }

  /** {@code enginel.cache.get}: {@code {"key", "hit", "value"}}. */
  public Future<JsonObject> get(String key) {
    return request(CacheApi.GET, new JsonObject().put("key", key));
  }

  /** Any request to an address of Enginel's public event-bus interface. */
  public Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body());
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
    ClusterClient client = join(args.length == 3 ? args[2] : "enginel", args[0], args[1]).await(60, TimeUnit.SECONDS);
    String key = "enginel:example:" + ProcessHandle.current().pid();
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
