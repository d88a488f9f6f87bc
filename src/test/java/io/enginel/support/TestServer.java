package io.enginel.support;

import io.enginel.Clustering;
import io.enginel.EnginelServer;
import io.enginel.config.ConfigLoader;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.repository.RepositoryApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Enginel node for a test class: its own database, the shared Redis under a key prefix of its
 * own, a free port. Blocking helpers for HTTP, the event bus and Redis keep the tests readable as
 * specifications; they must be called from the test thread, never from an event loop.
 */
public final class TestServer implements AutoCloseable {
  private static final long TIMEOUT_S = 30;
  private static final Duration SETTLED = Duration.ofMillis(300);
  /** The secret of the test clusters' Enginel nodes (a member without it is a stranger). */
  public static final String CLUSTER_SECRET = "test-cluster-secret-" + UUID.randomUUID();

  public final Vertx vertx;
  public final EnginelServer server;
  public final TestDatabase db;
  public final Fixtures fixtures;
  public final EnginelConfig config;
  private final WebClient http;
  private final Redis redis;
  private final boolean ownsDatabase;
  private final SharedPrefix sharedPrefix;
  private boolean closed;

  private TestServer(Vertx vertx, EnginelServer server, TestDatabase db, EnginelConfig config, boolean ownsDatabase,
                     SharedPrefix sharedPrefix) {
    this.ownsDatabase = ownsDatabase;
    this.sharedPrefix = sharedPrefix;
    this.vertx = vertx;
    this.server = server;
    this.db = db;
    this.config = config;
    this.fixtures = new Fixtures(db);
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(config.http().port()).setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(128));
    this.redis = clusterMode() // the node's own Redis
        ? Redis.createClient(vertx, new io.vertx.redis.client.RedisOptions().setType(io.vertx.redis.client.RedisClientType.CLUSTER)
            .setEndpoints(config.redis().nodes()))
        : Redis.createClient(vertx, config.redis().uri());
  }

  public static TestServer start() {
    return start(Map.of());
  }

  /** Starts with configuration overrides ({@code "cache.enabled" → false}, …). */
  public static TestServer start(Map<String, Object> overrides) {
    TestDatabase db = TestDatabase.create();
    EnginelConfig config = baseConfig(db.uri(), TestServices.redisUri());
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      config = config.with(e.getKey(), e.getValue());
    }
    return startWith(db, config);
  }

  /**
   * Test defaults: the database, a Redis, a free port, a unique key prefix, a cheap bcrypt cost, files in a
   * temporary folder, no job workers (tests that process jobs turn them on).
   */
  public static EnginelConfig baseConfig(String pgUri, String redisUri) {
    return EnginelConfig.from(ConfigLoader.defaults())
        .with("pg.uri", pgUri)
        .with("redis.uri", redisUri)
        .with("http.port", freePort())
        .with("http.host", "127.0.0.1")
        .with("cache.keyPrefix", "et" + UUID.randomUUID().toString().substring(0, 8))
        .with("auth.bcryptCost", 4)
        .with("storage.dir", System.getProperty("java.io.tmpdir") + "/enginel-test-files")
        .with("jobs.workers", 0) // no background job processing unless a test asks for it
        .with("cache.consistency.sampleRate", 0) // its re-derivations would count as queries; its own tests turn it on
        .with("cluster.secret", CLUSTER_SECRET); // used only by the tests that cluster their nodes
  }

  /** A node on {@code db}, which it drops on close, and on the key prefix of {@code config}, whose keys it deletes then. */
  public static TestServer startWith(TestDatabase db, EnginelConfig config) {
    return start(db, config, true, new SharedPrefix());
  }

  /**
   * Another node beside {@code first}: the same database (which it does not drop on close), the Redis and
   * any other settings of {@code config}. On the same key prefix (one shared cache) it deletes none of the
   * prefix's keys when it closes while {@code first} runs: the last of them to close does. On a prefix of its own
   * it deletes that prefix's keys on close.
   */
  public static TestServer startAlongside(TestServer first, EnginelConfig config) {
    boolean samePrefix = config.cache().keyPrefix().equals(first.prefix());
    return start(first.db, config, false, samePrefix ? first.sharedPrefix.join() : new SharedPrefix());
  }

  private static TestServer start(TestDatabase db, EnginelConfig config, boolean ownsDatabase, SharedPrefix prefix) {
    Vertx vertx;
    try {
      // standalone, or a member of a clustered event bus when the configuration says so
      vertx = Clustering.vertx(config, new io.vertx.core.VertxOptions(), Vertx.builder()).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      prefix.leave();
      if (ownsDatabase) {
        db.close();
      }
      throw new IllegalStateException("the test node's Vert.x did not start: " + e.getMessage(), e);
    }
    try {
      EnginelServer server = EnginelServer.start(vertx, config,
          new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT)).await(TIMEOUT_S, TimeUnit.SECONDS);
      return new TestServer(vertx, server, db, config, ownsDatabase, prefix);
    } catch (Exception e) {
      if (prefix.leave()) {
        PrefixedKeys.delete(vertx, config); // what the failed start wrote
      }
      vertx.close();
      if (ownsDatabase) {
        db.close();
      }
      throw new IllegalStateException("the test server did not start: " + e.getMessage(), e);
    }
  }

  /**
   * The running nodes on one key prefix: a node started with it, and those started alongside on the same prefix.
   * The last of them to close deletes the prefix's keys, so that a node leaving early removes nothing the others
   * still use.
   */
  private static final class SharedPrefix {
    private int nodes = 1;

    synchronized SharedPrefix join() {
      nodes++;
      return this;
    }

    /** True for the last node to leave. */
    synchronized boolean leave() {
      return --nodes == 0;
    }
  }

  /**
   * A free port below the kernel's ephemeral range, for a port a test names long before something binds it (a
   * cluster member listed up front): a port from {@link #freePort} is an ephemeral one, which any outgoing
   * connection of the test may be given meanwhile — then the member cannot bind it.
   */
  public static int reservedPort() {
    int low = ephemeralPortsFrom();
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200 && low > 10_001; attempt++) {
      int port = random.nextInt(10_000, low);
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // another
      }
    }
    return freePort();
  }

  /** The first port of the kernel's ephemeral range (given to outgoing connections): 32768 where it cannot be read. */
  public static int ephemeralPortsFrom() {
    try {
      return Integer.parseInt(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
          .trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException notLinux) {
      return 32768; // the usual Linux default
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String prefix() {
    return config.cache().keyPrefix();
  }

  // ------------------------------------------------------------------ HTTP

  public HttpResult get(String path, String token) {
    return send(HttpMethod.GET, path, token, null, Map.of());
  }

  public HttpResult get(String path, String token, Map<String, String> headers) {
    return send(HttpMethod.GET, path, token, null, headers);
  }

  public HttpResult post(String path, String token, JsonObject body) {
    return send(HttpMethod.POST, path, token, body == null ? null : body.toBuffer(), Map.of());
  }

  public HttpResult patch(String path, String token, JsonObject body) {
    return send(HttpMethod.PATCH, path, token, body.toBuffer(), Map.of());
  }

  public HttpResult put(String path, String token, JsonObject body) {
    return send(HttpMethod.PUT, path, token, body.toBuffer(), Map.of());
  }

  public HttpResult delete(String path, String token) {
    return send(HttpMethod.DELETE, path, token, null, Map.of());
  }

  /** Any request; a JSON content type is set when there is a body and none is given. */
  public HttpResult send(HttpMethod method, String path, String token, Buffer body, Map<String, String> headers) {
    return await(sendAsync(method, path, token, body, headers));
  }

  public Future<HttpResult> sendAsync(HttpMethod method, String path, String token, Buffer body, Map<String, String> headers) {
    HttpRequest<Buffer> req = http.request(method, path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    headers.forEach(req::putHeader);
    if (body != null && !headers.containsKey("Content-Type")) {
      req.putHeader("Content-Type", "application/json");
    }
    Future<io.vertx.ext.web.client.HttpResponse<Buffer>> f = body == null ? req.send() : req.sendBuffer(body);
    return f.map(r -> new HttpResult(r.statusCode(), r.headers(), r.body()));
  }

  /** Logs in a fixture user (password {@link Fixtures#passwordOf}) and answers the token. */
  public String login(String username) {
    HttpResult r = post("/api/auth/login", null,
        new JsonObject().put("username", username).put("password", Fixtures.passwordOf(username)));
    if (r.status() != 200) {
      throw new IllegalStateException("login of " + username + " failed: " + r);
    }
    return r.json().getString("token");
  }

  // ------------------------------------------------------------------ event bus, Redis

  public JsonObject request(String address, JsonObject body) {
    return await(vertx.eventBus().<JsonObject>request(address, body).map(m -> m.body()));
  }

  /**
   * A request acting for the user whose token this is, signed with their session's key as another service signs it
   * ({@link io.enginel.domain.BusSignatures}).
   */
  public JsonObject requestAs(String address, JsonObject body, String token) {
    return await(vertx.eventBus().<JsonObject>request(address, body, signedBy(token, address, body)).map(m -> m.body()));
  }

  /** The reply failure of a request that must fail, with this {@code Authorization} header (none when null). */
  public io.vertx.core.eventbus.ReplyException requestFailure(String address, JsonObject body, String authorization) {
    io.vertx.core.eventbus.DeliveryOptions options = new io.vertx.core.eventbus.DeliveryOptions();
    if (authorization != null) {
      options.addHeader("Authorization", authorization);
    }
    Throwable cause = await(vertx.eventBus().request(address, body, options)
        .transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)));
    if (!(cause instanceof io.vertx.core.eventbus.ReplyException e)) {
      throw new AssertionError("the request to " + address + " did not fail with a reply failure: " + cause);
    }
    return e;
  }

  /** The header with which the user whose token this is asks for {@code body} at {@code address}, signed now. */
  public static String signature(String token, String address, JsonObject body) {
    return io.enginel.domain.BusSignatures.header(token, address, body, System.currentTimeMillis());
  }

  private static io.vertx.core.eventbus.DeliveryOptions signedBy(String token, String address, JsonObject body) {
    return new io.vertx.core.eventbus.DeliveryOptions().addHeader("Authorization", signature(token, address, body));
  }

  /** A request answered by this node's own consumer, never another cluster member's. */
  public JsonObject requestHere(String address, JsonObject body) {
    return await(vertx.eventBus().<JsonObject>request(address, body,
        new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true)).map(m -> m.body()));
  }

  /** How many statements of an operation ({@code list:designs}, {@code get:designs}, …) this node has run. */
  public long queryCount(String operation) {
    return request(RepositoryApi.STATS, new JsonObject()).getJsonObject("queries").getLong(operation, 0L);
  }

  /**
   * Waits until this node has received every change notification of the fixtures written so far (their
   * count stops growing for 300 ms), so that their invalidations cannot land in the middle of a test.
   */
  public void awaitNotificationsSettled() {
    long[] seen = {-1};
    long[] unchangedSince = {System.nanoTime()};
    Waits.until(() -> {
      long now = request(io.enginel.invalidation.InvalidationApi.STATUS, new JsonObject()).getLong("notifications");
      if (now != seen[0]) {
        seen[0] = now;
        unchangedSince[0] = System.nanoTime();
        return false;
      }
      return System.nanoTime() - unchangedSince[0] >= SETTLED.toNanos();
    }, Duration.ofSeconds(10), Duration.ofMillis(25), "the fixtures' change notifications settled (none new for "
        + SETTLED.toMillis() + " ms)");
  }

  private boolean clusterMode() {
    return config.redis().mode() == EnginelConfig.RedisMode.CLUSTER;
  }

  /** The key Redis holds for one of Enginel's keys: in cluster mode under the tier's hash tag. */
  public String storedKey(Tier tier, String key) {
    return clusterMode() ? "{" + prefix() + "." + tier.id() + "}" + key : key;
  }

  /**
   * A command on the tier's database (standalone, sentinel) or on the cluster; keys in {@code args} as stored. A
   * {@link Buffer} argument is sent as its bytes, anything else as its string.
   */
  public Response redis(Tier tier, Object... args) {
    Request cmd = Request.cmd(Command.create(args[0].toString()));
    for (int i = 1; i < args.length; i++) {
      if (args[i] instanceof Buffer bytes) {
        cmd.arg(bytes);
      } else {
        cmd.arg(args[i].toString());
      }
    }
    if (clusterMode()) {
      return await(redis.send(cmd));
    }
    Request select = Request.cmd(Command.SELECT).arg(config.redis().tierDbs().get(tier));
    return await(redis.connect().compose(conn -> conn.send(select).compose(v -> conn.send(cmd))
        .eventually(conn::close)));
  }

  /** Keys of a tier under this server's prefix that match a pattern after the prefix ({@code design:*}), as Enginel names them. */
  public List<String> redisKeys(Tier tier, String pattern) {
    List<String> keys = new ArrayList<>();
    String tag = storedKey(tier, "");
    Response r = redis(tier, "KEYS", tag + prefix() + ":" + pattern);
    r.forEach(k -> keys.add(k.toString().substring(tag.length())));
    return keys;
  }

  public boolean redisExists(Tier tier, String key) {
    return redis(tier, "EXISTS", storedKey(tier, key)).toInteger() == 1;
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.await(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Stops the node; the last node on its key prefix deletes the prefix's keys; the owner of the database drops it. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      await(server.stop());
    } catch (RuntimeException ignored) {
      // closing anyway
    }
    if (sharedPrefix.leave()) {
      PrefixedKeys.delete(vertx, config);
    }
    try {
      vertx.close().await(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
    if (ownsDatabase) {
      db.close();
    }
  }
}
