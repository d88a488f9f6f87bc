package io.enginel.cluster;

import io.enginel.Clustering;
import io.enginel.cache.CacheApi;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.invalidation.InvalidationApi;
import io.enginel.repository.PgSetup;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.Stranger;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member of the cluster that is not Enginel — it joined the Hazelcast membership, which asks for no credentials,
 * but holds no {@code cluster.secret} — gets the public interface and nothing else: every internal address of
 * every node leaves it unanswered and unchanged, a node-to-node message it forges is dropped, and what it may use
 * (its own cache keys, manual invalidation with a staff token) works. Probed against one node, then two.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForeignMemberTest {
  static TestDatabase db;
  static EnginelConfig base;
  static String clusterName = "enginel-foreign-" + UUID.randomUUID();
  static String members;
  static int hz2;
  static TestServer node1;
  static TestServer node2;
  static Stranger stranger;
  static UUID org;
  static UUID design;
  static long staffId;
  static String alice;
  static String staff;

  @BeforeAll
  static void startOneNodeAndAStranger() {
    db = TestDatabase.create();
    int hz1 = TestServer.reservedPort();
    hz2 = TestServer.reservedPort();
    members = "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2;
    base = TestServer.baseConfig(db.uri(), TestServices.redisUri()).with("cluster.enabled", true)
        .with("cluster.members", members).with("cluster.name", clusterName);
    PgSetup.migrate(base.pg());
    Fixtures f = new Fixtures(db);
    org = f.organization("Guarded");
    long aliceId = f.user("alice");
    f.member(org, aliceId, "EDITOR");
    staffId = f.user("staff", true);
    design = f.design(f.series(org, "PN-GUARD"), "guarded.stl", "guarded");
    node1 = TestServer.startWith(db, base.with("cluster.port", hz1));
    node1.awaitNotificationsSettled();
    alice = node1.login("alice");
    staff = node1.login("staff");
    stranger = Stranger.join(clusterName, members, new EnginelConfig.ClusterTls(false, "", "", "", ""));
  }

  @AfterAll
  static void stop() {
    if (stranger != null) {
      stranger.close();
    }
    if (node2 != null) {
      node2.close();
    }
    if (node1 != null) {
      node1.close();
    }
  }

  @Test
  @Order(1)
  void aStrangerReachesNoInternalAddressOfOneNode() {
    assertNothingInternalAnswers(List.of(node1));
  }

  @Test
  @Order(2)
  void nodeToNodeMessagesAStrangerForgesAreDroppedUnansweredOnOneNode() {
    assertForgedNodeToNodeMessagesAreDropped(List.of(node1));
  }

  @Test
  @Order(3)
  void aStrangerUsesThePublicInterfaceWithinItsOwnNamespace() {
    String key = node1.prefix() + ":app:stranger:note";
    JsonObject set = (JsonObject) stranger.probe(CacheApi.SET, new JsonObject().put("key", key).put("value", "mine"));
    assertThat(set.getBoolean("stored")).isTrue();
    JsonObject got = (JsonObject) stranger.probe(CacheApi.GET, new JsonObject().put("key", key));
    assertThat(got.getString("value")).isEqualTo("mine");

    String detail = new io.enginel.cache.CacheKeys(node1.prefix()).designDetail(design.toString());
    node1.get("/api/designs/" + design, alice);
    Object refused = stranger.probe(CacheApi.GET, new JsonObject().put("key", detail));
    assertThat(refused).isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(403));
    Object forged = stranger.probe(CacheApi.SET, new JsonObject().put("key", detail).put("value", "forged"));
    assertThat(forged).isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(403));
  }

  @Test
  @Order(4)
  void manualInvalidationAndWarmingActOnlyForARequestSignedWithAStaffSession() {
    JsonObject what = new JsonObject().put("model", "DesignAsset").put("id", design.toString());
    node1.get("/api/designs/" + design, alice);
    assertThat(node1.get("/api/designs/" + design, alice).xCache()).isEqualTo("HIT");

    JsonObject warm = new JsonObject().put("organization", org.toString());
    for (String authorization : new String[] {null, "Bearer " + staff, TestServer.signature(alice, InvalidationApi.MANUAL, what),
        TestServer.signature("forged-token-that-is-no-session-at-all-0123", InvalidationApi.MANUAL, what)}) {
      DeliveryOptions as = authorization == null ? new DeliveryOptions() : new DeliveryOptions().addHeader("Authorization", authorization);
      assertThat(stranger.probe(InvalidationApi.MANUAL, what, as)).as(String.valueOf(authorization)).isInstanceOfSatisfying(
          ReplyException.class, e -> assertThat(e.failureCode()).isIn(401, 403));
      assertThat(stranger.probe(CacheApi.WARM, warm, as))
          .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isIn(401, 403));
    }
    assertThat(node1.get("/api/designs/" + design, alice).xCache()).as("nothing was invalidated").isEqualTo("HIT");

    Object done = stranger.probe(InvalidationApi.MANUAL, what, new DeliveryOptions().addHeader("Authorization",
        TestServer.signature(staff, InvalidationApi.MANUAL, what)));

    assertThat(done).isInstanceOf(JsonObject.class);
    assertThat(node1.get("/api/designs/" + design, alice).xCache()).isEqualTo("MISS");
  }

  @Test
  @Order(5)
  void withASecondNodeAStrangerStillReachesNothingInternalOfEither() {
    node2 = TestServer.startAlongside(node1, base.with("cluster.port", hz2).with("http.port", TestServer.freePort()));
    node2.awaitNotificationsSettled();

    assertNothingInternalAnswers(List.of(node1, node2));
    assertForgedNodeToNodeMessagesAreDropped(List.of(node1, node2));
  }

  @Test
  @Order(6)
  void theTwoNodesStillTrustEachOther() {
    String path = "/api/designs/" + design;
    String token2 = node2.login("alice");
    node2.get(path, token2);
    assertThat(node2.get(path, token2).xCache()).isEqualTo("HIT");

    HttpResult write = node1.patch(path, alice, new JsonObject().put("description", "seen by both"));

    assertThat(write.status()).isEqualTo(200);
    assertThat(node2.get(path, token2).json().getString("description")).isEqualTo("seen by both");
    String token = node1.login("alice");
    assertThat(node2.get("/api/users/me", token).status()).isEqualTo(200);
    assertThat(node1.post("/api/auth/logout", token, null).status()).isEqualTo(204);
    assertThat(node2.get("/api/users/me", token).status()).as("a logout through node 1 reached node 2").isEqualTo(401);
  }

  @Test
  @Order(7)
  void loginAttemptsAreLimitedForTheWholeClusterNotPerNode() {
    node1.fixtures.user("guessed");
    int limit = base.auth().loginAttemptsPerMinute();
    JsonObject wrong = new JsonObject().put("username", "guessed").put("password", "not-the-password");
    for (int i = 0; i < limit; i++) {
      TestServer node = i % 2 == 0 ? node1 : node2;
      assertThat(node.post("/api/auth/login", null, wrong).status()).as("attempt %d through either node", i + 1)
          .isEqualTo(401);
    }

    for (TestServer node : List.of(node1, node2)) {
      HttpResult refused = node.post("/api/auth/login", null, new JsonObject().put("username", "guessed")
          .put("password", Fixtures.passwordOf("guessed")));
      assertThat(refused.status()).as("over the limit, counted across both nodes").isEqualTo(429);
      assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
    }
    assertThat(node1.fixtures.queryLong("SELECT attempts FROM login_attempts WHERE key = 'u:guessed'"))
        .isEqualTo(limit + 2L);
  }

  @Test
  @Order(8)
  void aStrangerThatRegistersEnginelsOwnAddressesReceivesNothingTheNodesSendThemselves() {
    java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
    List<io.vertx.core.eventbus.MessageConsumer<Object>> traps = new java.util.ArrayList<>();
    for (String address : List.of(io.enginel.repository.RepositoryApi.ROW, io.enginel.repository.RepositoryApi.GET,
        io.enginel.repository.RepositoryApi.LIST, io.enginel.repository.RepositoryApi.UPDATE,
        io.enginel.repository.RepositoryApi.SESSION_GET, io.enginel.repository.RepositoryApi.PRINCIPAL,
        CacheApi.READ, CacheApi.OWN_DELETE, CacheApi.INVALIDATE_TAGS, InvalidationApi.APPLY,
        InvalidationApi.APPLY_MANUAL)) {
      traps.add(stranger.vertx.eventBus().consumer(address, m -> {
        received.incrementAndGet();
        m.reply(new JsonObject()); // what a thief would answer: "nothing to invalidate", an empty row
      }));
    }
    traps.forEach(t -> TestServer.await(t.completion()));
    try {
      String token2 = node2.login("alice");
      for (int i = 0; i < 5; i++) {
        assertThat(node1.get("/api/designs/" + design, alice).status()).isEqualTo(200);
        assertThat(node2.patch("/api/designs/" + design, token2, new JsonObject().put("description", "round " + i))
            .status()).isEqualTo(200);
        assertThat(node1.get("/api/designs/" + design, alice).json().getString("description")).isEqualTo("round " + i);
      }
      HttpResult manual = node1.post("/api/cache/invalidate", staff, new JsonObject().put("model", "DesignAsset")
          .put("id", design.toString()));
      assertThat(manual.status()).isEqualTo(200);
      assertThat(manual.json().getLong("tags")).as("the row was read from this node's own repository").isPositive();

      assertThat(received).as("messages of the nodes delivered to the stranger's registrations").hasValue(0);
    } finally {
      traps.forEach(t -> TestServer.await(t.unregister()));
    }
  }

  @Test
  @Order(9)
  void aStrangersOwnKeysAreNotEvictedFromTheNodesMemoryNorWaitedFor() {
    String own = Clustering.manager(stranger.vertx).getNodeId();
    // a member that takes the nodes' evictions and never answers: every invalidation would wait for it
    io.vertx.core.eventbus.MessageConsumer<Object> silent = stranger.vertx.eventBus().consumer(CacheApi.NEAR_EVICT + own, m -> { });
    TestServer.await(silent.completion());
    try {
      String epochKey = node1.storedKey(Tier.DEFAULT, node1.prefix() + ":_memory:epoch");
      String epochBefore = String.valueOf(node1.redis(Tier.DEFAULT, "GET", epochKey));
      String key = node1.prefix() + ":app:stranger:quick";
      long t0 = System.nanoTime();
      assertThat(stranger.probe(CacheApi.SET, new JsonObject().put("key", key).put("value", 1))).isInstanceOf(JsonObject.class);
      assertThat(stranger.probe(CacheApi.DELETE, new JsonObject().put("keys", new JsonArray().add(key))))
          .isInstanceOf(JsonObject.class);
      long ms = (System.nanoTime() - t0) / 1_000_000;

      assertThat(ms).as("its own keys are no near-cache copies: nobody is asked, nobody waited for (ms)").isLessThan(1_500);
      assertThat(String.valueOf(node1.redis(Tier.DEFAULT, "GET", epochKey))).isEqualTo(epochBefore);
    } finally {
      TestServer.await(silent.unregister());
    }
  }

  // ------------------------------------------------------------------ the probes

  private static void assertNothingInternalAnswers(List<TestServer> nodes) {
    String forgedToken = "forged-" + UUID.randomUUID();
    String forgedHash = sha256(forgedToken);
    long sessionsBefore = node1.fixtures.queryLong("SELECT count(*) FROM sessions");
    String path = "/api/designs/" + design;
    node1.get(path, alice);
    assertThat(node1.get(path, alice).xCache()).isEqualTo("HIT");
    String clockBefore = clock(node1);

    Map<String, JsonObject> probes = Stranger.internalAddressesWithHarmfulBodies(node1.prefix(), staffId, forgedHash,
        org.toString());
    Map<String, Object> reached = stranger.answered(probes);

    assertThat(probes).hasSizeGreaterThan(30);
    assertThat(reached).as("internal addresses that answered a stranger").isEmpty();
    assertThat(node1.fixtures.queryLong("SELECT count(*) FROM sessions")).as("no session minted").isEqualTo(sessionsBefore);
    assertThat(node1.fixtures.queryLong("SELECT count(*) FROM sessions WHERE token_hash = ?", forgedHash)).isZero();
    for (TestServer node : nodes) {
      assertThat(node.get("/api/users/me", forgedToken).status()).as("the forged token").isEqualTo(401);
      assertThat(node.get(path, node == node1 ? alice : node.login("alice")).status()).isEqualTo(200);
    }
    assertThat(node1.get(path, alice).xCache()).as("no entry dropped, no new incarnation").isEqualTo("HIT");
    assertThat(clock(node1)).as("the invalidation clock did not move").isEqualTo(clockBefore);
  }

  private static void assertForgedNodeToNodeMessagesAreDropped(List<TestServer> nodes) {
    for (TestServer node : nodes) {
      String token = node.login("alice");
      String path = "/api/designs/" + design;
      node.get(path, token);
      assertThat(node.get(path, token).xCache()).isEqualTo("HIT");
      long nearBefore = nearEntries(node);
      int principalsBefore = node.server.principals().size();
      String id = Clustering.manager(node.vertx).getNodeId();
      JsonObject everything = new JsonObject().put("tier", "default").put("all", true).put("pending", true);
      JsonObject forgedEnvelope = new JsonObject().put("payload", everything.encode()).put("from", "someone")
          .put("ts", System.currentTimeMillis()).put("sig", "bm90IGEgc2lnbmF0dXJl");
      JsonObject principals = new JsonObject().put("sessions", new JsonArray().add(sha256(token)))
          .put("users", new JsonArray().add(1L));

      for (Object body : List.of(everything, forgedEnvelope)) {
        assertThat(stranger.probe(CacheApi.NEAR_EVICT + id, body, new DeliveryOptions()))
            .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureType())
                .as("dropped, never answered").isEqualTo(io.vertx.core.eventbus.ReplyFailure.TIMEOUT));
      }
      assertThat(stranger.probe(InvalidationApi.PRINCIPALS + id, principals, new DeliveryOptions()))
          .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureType())
              .isEqualTo(io.vertx.core.eventbus.ReplyFailure.TIMEOUT));

      assertThat(nearEntries(node)).as("the near cache kept its copies").isEqualTo(nearBefore);
      assertThat(node.server.principals().size()).as("no principal evicted").isGreaterThanOrEqualTo(principalsBefore);
      assertThat(node.request(CacheApi.HEALTH, new JsonObject()).getJsonObject("tiers").getJsonObject("default")
          .getInteger("pending_invalidations")).as("the tier was not fenced").isZero();
      assertThat(node.get(path, token).xCache()).isEqualTo("HIT");
    }
  }

  private static String clock(TestServer node) {
    io.vertx.redis.client.Response r = node.redis(Tier.DEFAULT, "HMGET",
        node.storedKey(Tier.DEFAULT, node.prefix() + ":_inv"), "i", "s");
    return r == null ? null : r.toString();
  }

  private static long nearEntries(TestServer node) {
    return node.request(CacheApi.STATS, new JsonObject()).getJsonObject("tiers").getJsonObject("default")
        .getJsonObject("near").getLong("entries");
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
