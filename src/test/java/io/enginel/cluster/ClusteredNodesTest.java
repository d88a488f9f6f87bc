package io.enginel.cluster;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.Entity;
import io.enginel.example.ClusterClient;
import io.enginel.repository.PgSetup;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Enginel nodes in one Hazelcast cluster (TCP/IP members on loopback), on one PostgreSQL database and
 * one Redis: what one node writes is never read stale through the other — from Redis or from node 2's near
 * cache (node 1 runs without one) — domain events reach every member (another service's included), and a node
 * that leaves leaves the other serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusteredNodesTest {
  static final int WRITERS = 6;

  static TestDatabase db;
  static TestServer node1;
  static TestServer node2;
  static String members;
  static String clusterName = "enginel-test-" + UUID.randomUUID();
  static final List<UUID> designs = new ArrayList<>();
  static UUID design;
  static String alice;
  static String alice2;
  /** Node 1 reaches Redis through this proxy, node 2 directly: a test cuts Redis away from node 1 alone. */
  static io.enginel.support.TcpProxy node1Redis;

  @BeforeAll
  static void startTwoClusteredNodes() {
    db = TestDatabase.create();
    int hz1 = TestServer.reservedPort();
    int hz2 = TestServer.reservedPort();
    members = "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2;
    EnginelConfig base = TestServer.baseConfig(db.uri(), TestServices.redisUri())
        .with("cluster.enabled", true).with("cluster.members", members)
        .with("cluster.name", clusterName).with("auth.loginAttemptsPerMinute", 1000);
    PgSetup.migrate(base.pg());
    Fixtures f = new Fixtures(db);
    UUID org = f.organization("Clustered");
    long aliceId = f.user("alice");
    f.member(org, aliceId, "EDITOR");
    UUID series = f.series(org, "PN-CLUSTER");
    for (int i = 0; i < WRITERS; i++) {
      designs.add(f.design(series, "part-" + i + ".stl", "initial"));
    }
    design = designs.get(0);
    // node 1 keeps no near cache, node 2 does: a write through node 1 must still drop node 2's copies
    java.net.URI redis = java.net.URI.create(TestServices.redisUri());
    node1Redis = io.enginel.support.TcpProxy.start(redis.getHost(), redis.getPort());
    node1 = TestServer.startWith(db, base.with("cluster.port", hz1).with("cache.near.enabled", false)
        .with("redis.uri", "redis://" + redis.getHost() + ":" + node1Redis.port())
        .with("redis.commandTimeoutMs", 1000).with("redis.connectTimeoutMs", 1000));
    node2 = TestServer.startAlongside(node1, base.with("cluster.port", hz2).with("http.port", TestServer.freePort()));
    node1.awaitNotificationsSettled();
    node2.awaitNotificationsSettled();
    alice = node1.login("alice");
    alice2 = node2.login("alice");
  }

  @AfterAll
  static void stop() {
    if (node1Redis != null) {
      node1Redis.restore();
    }
    if (node2 != null) {
      node2.close();
    }
    if (node1 != null) {
      node1.close();
    }
    if (node1Redis != null) {
      node1Redis.close();
    }
  }

  @Test
  @Order(1)
  void bothNodesAreMembersOfOneClusterAndSayItWhenReady() {
    for (TestServer node : List.of(node1, node2)) {
      HttpResult ready = node.get("/ready", null);
      assertThat(ready.status()).isEqualTo(200);
      JsonObject cluster = ready.json().getJsonObject("cluster");
      assertThat(cluster.getBoolean("enabled")).isTrue();
      assertThat(cluster.getInteger("members")).isEqualTo(2);
    }
    assertThat(node1.get("/ready", null).json().getJsonObject("cluster").getString("node"))
        .isNotEqualTo(node2.get("/ready", null).json().getJsonObject("cluster").getString("node"));
  }

  @Test
  @Order(2)
  void aSessionOpenedOnOneNodeIsValidOnTheOther() {
    assertThat(node2.get("/api/users/me", alice).status()).isEqualTo(200);
    assertThat(node1.get("/api/users/me", alice2).status()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void aWriteThroughOneNodeIsNeverReadStaleThroughTheOtherUnderConcurrentLoad() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    List<Future<Integer>> checked = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      UUID mine = designs.get(w);
      int writer = w;
      checked.add(pool.submit(() -> {
        int reads = 0;
        for (int i = 0; i < 25; i++) {
          TestServer writeNode = i % 2 == 0 ? node1 : node2;
          TestServer readNode = i % 2 == 0 ? node2 : node1;
          String token = i % 2 == 0 ? alice : alice2;
          String value = "writer " + writer + " write " + i;
          HttpResult written = writeNode.patch("/api/designs/" + mine, token, new JsonObject().put("description", value));
          assertThat(written.status()).as(written.toString()).isEqualTo(200);
          for (int r = 0; r < 2; r++) { // the first read may fill the entry, the second may be its hit
            HttpResult read = readNode.get("/api/designs/" + mine, token);
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.json().getString("description")).as("read %d after write %d of design %s", r, i, mine)
                .isEqualTo(value);
            if ("HIT".equals(read.header("X-Cache"))) {
              hits.incrementAndGet();
            }
            reads++;
          }
          // and the list, through the other node
          HttpResult list = readNode.get("/api/designs/?search=part-" + writer + ".stl", token);
          assertThat(list.json().getJsonArray("results").getJsonObject(0).getString("description")).isEqualTo(value);
        }
        return reads;
      }));
    }
    int reads = 0;
    for (Future<Integer> f : checked) {
      reads += f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(reads).isEqualTo(WRITERS * 25 * 2);
    assertThat(hits.get()).as("cached answers were served between the writes").isPositive();
  }

  @Test
  @Order(4)
  void anotherServiceInTheClusterHearsTheDomainEventsAndUsesTheCacheInterface() throws Exception {
    int own = TestServer.freePort();
    try (ClusterClient client = ClusterClient.join(clusterName, "127.0.0.1:" + own, members + ",127.0.0.1:" + own)
        .await(60, TimeUnit.SECONDS)) {
      LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
      client.onDomainEvents(events::add).await(10, TimeUnit.SECONDS);

      assertThat(node2.patch("/api/designs/" + design, alice2, new JsonObject().put("description", "heard")).status())
          .isEqualTo(200);
      JsonObject event = null;
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline) {
        JsonObject e = events.poll(500, TimeUnit.MILLISECONDS);
        if (e != null && Entity.DESIGN_ASSET.model().equals(e.getString("entity")) && design.toString().equals(e.getString("id"))) {
          event = e;
          break;
        }
      }
      assertThat(event).as("the DesignAsset event of the write, received by the other service").isNotNull();
      assertThat(event.getString("op")).isEqualTo("update");

      String key = node1.prefix() + ":app:example:" + UUID.randomUUID();
      assertThat(client.set(key, new JsonObject().put("hello", "cluster"), 60).await(10, TimeUnit.SECONDS)
          .getBoolean("stored")).isTrue();
      assertThat(node1.redisExists(Tier.DEFAULT, key)).isTrue();
      JsonObject got = client.get(key).await(10, TimeUnit.SECONDS);
      assertThat(got.getBoolean("hit")).isTrue();
      assertThat(got.getJsonObject("value")).isEqualTo(new JsonObject().put("hello", "cluster"));
    }
  }

  @Test
  @Order(4)
  void aLogoutThroughOneNodeIsRefusedByTheOtherAtOnce() {
    for (int round = 0; round < 10; round++) {
      String token = node1.login("alice");
      // both nodes know the session now (each has the principal in its own memory)
      assertThat(node1.get("/api/users/me", token).status()).isEqualTo(200);
      assertThat(node2.get("/api/users/me", token).status()).isEqualTo(200);
      TestServer through = round % 2 == 0 ? node1 : node2;
      TestServer other = round % 2 == 0 ? node2 : node1;
      assertThat(through.post("/api/auth/logout", token, null).status()).isEqualTo(204);
      assertThat(other.get("/api/users/me", token).status()).as("round %d: the other node, right after", round)
          .isEqualTo(401);
    }
  }

  @Test
  @Order(4)
  void aCopyInOneNodesMemoryIsDroppedBeforeTheOtherNodeAnswersAWriteOrADeletion() {
    UUID hot = designs.get(1);
    String path = "/api/designs/" + hot;
    for (int round = 0; round < 4; round++) {
      holdOnlyInNode2sMemory(hot);
      String value = "near round " + round;
      if (round == 3) {
        // an invalidation carried out by node 1, which keeps no near cache itself, and which no NOTIFY follows
        node1.requestHere(io.enginel.cache.CacheApi.INVALIDATE_TAGS, new JsonObject().put("tier", "default")
            .put("tags", new io.vertx.core.json.JsonArray().add("design:" + hot)));
        assertThat(node2.get(path, alice2).xCache()).as("after node 1 invalidated the tag").isEqualTo("MISS");
      } else if (round < 2) {
        TestServer writer = round == 0 ? node1 : node2;
        assertThat(writer.patch(path, round == 0 ? alice : alice2, new JsonObject().put("description", value)).status())
            .isEqualTo(200);
        HttpResult read = node2.get(path, alice2);
        assertThat(read.xCache()).as("round %d", round).isEqualTo("MISS");
        assertThat(read.json().getString("description")).isEqualTo(value);
      } else if (round == 2) {
        // a deletion by hand on node 1 (manual invalidation by key)
        node1.requestHere(io.enginel.cache.CacheApi.OWN_DELETE, new JsonObject().put("tier", "default")
            .put("keys", new io.vertx.core.json.JsonArray().add(detailKey(hot))));
        assertThat(node2.get(path, alice2).xCache()).isEqualTo("MISS");
      }
    }
  }

  @Test
  @Order(4)
  void anInvalidationNode1CouldNotCarryOutInRedisFencesNode2UntilNode2HasCarriedItOut() {
    UUID d = designs.get(2);
    String path = "/api/designs/" + d;
    for (int i = 0; i < 3; i++) {
      node2.get(path, alice2); // cached in Redis (and in node 2's memory)
    }
    assertThat(node2.get(path, alice2).xCache()).isEqualTo("HIT");
    node1Redis.cut();
    try {
      // an invalidation no NOTIFY follows: node 1 keeps it (Redis is away from it), node 2 must keep it too
      JsonObject kept = node1.requestHere(io.enginel.cache.CacheApi.INVALIDATE_TAGS, new JsonObject()
          .put("tier", "default").put("tags", new io.vertx.core.json.JsonArray().add("design:" + d)));
      assertThat(kept.getBoolean("deferred")).isTrue();
      assertThat(node2.get(path, alice2).xCache()).as("node 2, right after node 1 kept the invalidation")
          .isEqualTo("MISS");

      HttpResult written = node1.patch(path, alice, new JsonObject().put("description", "while node 1 had no Redis"));
      assertThat(written.status()).isEqualTo(200);
      // Redis still holds the old answer: node 1 could not delete it; node 2 kept the invalidation and carries it out
      for (int i = 0; i < 10; i++) {
        HttpResult read = node2.get(path, alice2);
        assertThat(read.json().getString("description")).as("read %d through node 2", i)
            .isEqualTo("while node 1 had no Redis");
        sleep(100);
      }
      assertThat(node2.get(path, alice2).xCache()).as("node 2 caches again once it carried the invalidation out")
          .isEqualTo("HIT");
    } finally {
      node1Redis.restore();
    }
    Waits.until(() -> "HIT".equals(node1.get(path, alice).xCache()), Duration.ofSeconds(15), Duration.ofMillis(100),
        "node 1 caching again once its Redis is back");
    assertThat(node1.get(path, alice).json().getString("description")).isEqualTo("while node 1 had no Redis");
  }

  @Test
  @Order(4)
  void anAdvancedEpochMakesNode2DropEveryCopyWithoutAnyMessage() {
    String path = holdOnlyInNode2sMemory(designs.get(3));

    node2.redis(Tier.DEFAULT, "SET", node2.storedKey(Tier.DEFAULT, node2.prefix() + ":_memory:epoch"), "changed-by-hand");
    // node 2 reads the epoch every 200 ms: its copy goes at the next read
    Waits.until(() -> "MISS".equals(node2.get(path, alice2).xCache()), Duration.ofSeconds(5), Duration.ofMillis(100),
        "node 2 dropping its copy at the changed epoch");
  }

  @Test
  @Order(4)
  void aMemberThatNeverConfirmsMakesTheWriterAdvanceTheEpochAndOutwaitTheLease() throws Exception {
    int own = TestServer.freePort();
    try (ClusterClient silent = ClusterClient.join(clusterName, "127.0.0.1:" + own, members + ",127.0.0.1:" + own)
        .await(60, TimeUnit.SECONDS)) {
      String node = io.enginel.Clustering.manager(silent.vertx()).getNodeId();
      for (String address : List.of(io.enginel.cache.CacheApi.NEAR_EVICT, io.enginel.invalidation.InvalidationApi.PRINCIPALS)) {
        silent.vertx().eventBus().<JsonObject>consumer(address + node, m -> {
          // a member that takes the eviction and never answers (a blocked event loop)
        }).completion().await(10, TimeUnit.SECONDS);
      }
      String epochKey = node2.storedKey(Tier.DEFAULT, node2.prefix() + ":_memory:epoch");
      String epochBefore = String.valueOf(node2.redis(Tier.DEFAULT, "GET", epochKey));

      long t0 = System.nanoTime();
      HttpResult written = node2.patch("/api/designs/" + design, alice2, new JsonObject().put("description", "outwaited"));
      long tookMs = (System.nanoTime() - t0) / 1_000_000;

      assertThat(written.status()).isEqualTo(200);
      assertThat(String.valueOf(node2.redis(Tier.DEFAULT, "GET", epochKey))).as("the epoch changed").isNotEqualTo(epochBefore);
      assertThat(tookMs).as("the write waited for the silent member, then for the lease (ms)")
          .isGreaterThanOrEqualTo(io.enginel.cache.ClusterFanOut.TIMEOUT_MS + 1_000)
          .isLessThan(io.enginel.cache.ClusterFanOut.TIMEOUT_MS + 6_000);
      assertThat(node1.get("/api/designs/" + design, alice).json().getString("description")).isEqualTo("outwaited");

      // a logout is outwaited the same way: the silent member might still hold the principal in memory
      String token = node1.login("alice");
      assertThat(node2.get("/api/users/me", token).status()).isEqualTo(200);
      String epochBeforeLogout = String.valueOf(node2.redis(Tier.DEFAULT, "GET", epochKey));
      long l0 = System.nanoTime();
      assertThat(node2.post("/api/auth/logout", token, null).status()).isEqualTo(204);
      long logoutMs = (System.nanoTime() - l0) / 1_000_000;
      assertThat(String.valueOf(node2.redis(Tier.DEFAULT, "GET", epochKey))).isNotEqualTo(epochBeforeLogout);
      assertThat(logoutMs).as("the logout waited for the silent member, then for the lease (ms)")
          .isGreaterThanOrEqualTo(io.enginel.cache.ClusterFanOut.TIMEOUT_MS + 1_000);
      assertThat(node1.get("/api/users/me", token).status()).isEqualTo(401);
    }
  }

  static void sleep(long ms) {
    Waits.sleep(ms);
  }

  /** Reads a design's detail through node 2 until cached, then removes its Redis entry behind Enginel's back: a HIT after that is node 2's copy in memory. Answers the path. */
  private static String holdOnlyInNode2sMemory(UUID design) {
    String path = "/api/designs/" + design;
    String key = detailKey(design);
    for (int i = 0; i < 3; i++) {
      node2.get(path, alice2);
    }
    node2.redis(Tier.DEFAULT, "DEL", node2.storedKey(Tier.DEFAULT, key));
    assertThat(node2.redisExists(Tier.DEFAULT, key)).isFalse();
    assertThat(node2.get(path, alice2).xCache()).as("served from node 2's memory").isEqualTo("HIT");
    return path;
  }

  private static String detailKey(UUID design) {
    return new io.enginel.cache.CacheKeys(node2.prefix()).designDetail(design.toString());
  }

  @Test
  @Order(5)
  void aNodeThatLeavesLeavesTheOtherServing() {
    node2.close();
    node2 = null;

    HttpResult read = node1.get("/api/designs/" + design, alice);
    assertThat(read.status()).isEqualTo(200);
    HttpResult write = node1.patch("/api/designs/" + design, alice, new JsonObject().put("description", "alone"));
    assertThat(write.status()).isEqualTo(200);
    assertThat(node1.get("/api/designs/" + design, alice).json().getString("description")).isEqualTo("alone");
    Waits.until(() -> node1.get("/ready", null).json().getJsonObject("cluster").getInteger("members") == 1,
        Duration.ofSeconds(15), Duration.ofMillis(200), "node 1 the only member of the cluster");
  }
}
