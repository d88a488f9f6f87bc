package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.RedisClusterProcess;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Enginel on a Redis Cluster of three masters started from redis-server ({@code redis.mode=cluster}): database
 * 0 only, each tier under a hash tag of its own so that the no-stale-fill scripts (entry, clock and tags in one
 * call) run within one slot. Caching, invalidation, sessions, pattern deletes (on every master) and statistics
 * work as on one Redis; a master that dies leaves every request answered from Postgres.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterModeTest {
  static RedisClusterProcess cluster;
  static TestServer s;
  static UUID org;
  static UUID series;
  static UUID design;
  static String alice;
  static String staff;

  @BeforeAll
  static void start() {
    cluster = RedisClusterProcess.start(3);
    Map<String, Object> overrides = new java.util.LinkedHashMap<>(); // the nodes before the mode that needs them
    overrides.put("redis.nodes", cluster.nodes());
    overrides.put("redis.mode", "cluster");
    overrides.put("redis.commandTimeoutMs", 1000);
    overrides.put("redis.connectTimeoutMs", 1000);
    s = SeededServer.start(overrides, f -> {
      org = f.organization("Clustered");
      f.member(org, f.user("alice"), "ADMIN");
      f.member(org, f.user("bob"), "VIEWER");
      f.user("staff", true);
      series = f.series(org, "PN-RC");
      design = f.design(series, "cluster.stl", "before");
      for (int i = 0; i < 20; i++) {
        f.design(series, "many-" + i + ".stl", "many");
      }
      return null;
    }).server();
    alice = s.login("alice");
    staff = s.login("staff");
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void answersAreCachedInTheClusterUnderTheirTiersHashTag() {
    String detail = "/api/designs/" + design;
    assertThat(s.get(detail, alice).xCache()).isEqualTo("MISS");
    HttpResult hit = s.get(detail, alice);
    assertThat(hit.xCache()).isEqualTo("HIT");
    assertThat(hit.json().getString("description")).isEqualTo("before");

    String entry = s.storedKey(Tier.DEFAULT, s.prefix() + ":design:" + design + ":detail");
    assertThat(entry).startsWith("{" + s.prefix() + ".default}");
    assertThat(s.redis(Tier.DEFAULT, "EXISTS", entry).toInteger()).isEqualTo(1);
    String clock = s.storedKey(Tier.DEFAULT, s.prefix() + ":_inv");
    assertThat(slot(entry)).as("the entry and its tier's invalidation state share a slot").isEqualTo(slot(clock));

    // the three tiers, each in a slot of its own; where they live is the cluster's choice
    int defaultMaster = cluster.masterOf(entry);
    int sessionsMaster = cluster.masterOf(s.storedKey(Tier.SESSIONS, "x"));
    int longtermMaster = cluster.masterOf(s.storedKey(Tier.LONGTERM, "x"));
    System.out.printf("REDIS-CLUSTER masters=%s default-on=%d sessions-on=%d longterm-on=%d keys-per-master=%s%n",
        cluster.ports, defaultMaster, sessionsMaster, longtermMaster,
        cluster.ports.stream().map(cluster::keysOn).toList());
    assertThat(cluster.keysOn(defaultMaster)).isPositive();
  }

  @Test
  @Order(2)
  void aWriteIsNeverReadStaleAndListsAreCachedAndInvalidated() {
    String detail = "/api/designs/" + design;
    String list = "/api/designs/?search=cluster.stl";
    s.get(list, alice);
    s.get(list, alice); // a search page is stored from its second ask
    assertThat(s.get(list, alice).xCache()).isEqualTo("HIT");
    s.get(detail, alice);
    assertThat(s.get(detail, alice).xCache()).isEqualTo("HIT");

    for (int i = 0; i < 10; i++) {
      String text = "written " + i;
      assertThat(s.patch(detail, alice, new JsonObject().put("description", text)).status()).isEqualTo(200);
      HttpResult read = s.get(detail, alice);
      assertThat(read.json().getString("description")).isEqualTo(text);
      assertThat(s.get(list, alice).results().getJsonObject(0).getString("description")).isEqualTo(text);
    }
    assertThat(s.get(detail, alice).xCache()).isEqualTo("HIT");

    // concurrent first requests of one page: all the same body, one query (single flight and the fill script)
    String page = "/api/designs/?search=many&ordering=filename";
    long before = s.queryCount("list:designs");
    List<Future<HttpResult>> all = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      all.add(s.sendAsync(HttpMethod.GET, page, alice, null, Map.of()));
    }
    String first = TestServer.await(all.get(0)).body().toString();
    for (Future<HttpResult> f : all) {
      assertThat(TestServer.await(f).body().toString()).isEqualTo(first);
    }
    assertThat(s.queryCount("list:designs") - before).isEqualTo(1);
  }

  @Test
  @Order(3)
  void sessionsLiveInTheClusterAndALogoutEndsThemAtOnce() {
    String bob = s.login("bob");
    assertThat(s.get("/api/users/me", bob).status()).isEqualTo(200);
    assertThat(s.redisKeys(Tier.SESSIONS, "session:*")).isNotEmpty();
    assertThat(s.post("/api/auth/logout", bob, null).status()).isEqualTo(204);
    assertThat(s.get("/api/users/me", bob).status()).isEqualTo(401);
  }

  @Test
  @Order(4)
  void aPatternDeleteRunsOnEveryMasterAndTouchesNothingElse() {
    s.get("/api/series/" + series, alice);
    for (int i = 0; i < 3; i++) {
      s.get("/api/designs/?page=" + (i + 1) + "&page_size=5", alice);
    }
    s.get("/api/designs/" + design, alice);
    int designKeys = s.redisKeys(Tier.DEFAULT, "design:*").size();
    assertThat(designKeys).isGreaterThanOrEqualTo(2);
    assertThat(s.get("/api/series/" + series, alice).xCache()).isEqualTo("HIT");

    HttpResult r = s.post("/api/cache/invalidate", staff, new JsonObject().put("pattern", s.prefix() + ":design:*"));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().getLong("deleted")).isEqualTo(designKeys);
    assertThat(s.redisKeys(Tier.DEFAULT, "design:*")).isEmpty();
    assertThat(s.get("/api/designs/" + design, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/series/" + series, alice).xCache()).as("not matched: kept").isEqualTo("HIT");
  }

  @Test
  @Order(5)
  void statisticsAndHealthReportTheClusterTiers() {
    JsonObject health = s.get("/api/cache/health", staff).json();
    assertThat(health.getString("status")).isEqualTo("up");
    JsonObject stats = s.get("/api/cache/stats", staff).json();
    JsonObject tier = stats.getJsonObject("tiers").getJsonObject("default");
    assertThat(tier.getBoolean("connected")).isTrue();
    assertThat(tier.getString("endpoint")).startsWith("cluster:");
    assertThat(tier.getJsonObject("server").getLong("hits")).isPositive();
  }

  @Test
  @Order(6)
  void aMasterThatDiesLeavesEveryRequestAnsweredFromPostgres() {
    String detail = "/api/designs/" + design;
    s.get(detail, alice);
    int master = cluster.masterOf(s.storedKey(Tier.DEFAULT, s.prefix() + ":design:" + design + ":detail"));
    cluster.kill(master);
    long slowest = 0;
    for (int i = 0; i < 30; i++) {
      long t0 = System.nanoTime();
      HttpResult r = s.get(i % 2 == 0 ? detail : "/api/designs/?ordering=filename", alice);
      slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
    assertThat(s.patch(detail, alice, new JsonObject().put("description", "after the master died")).status()).isEqualTo(200);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("after the master died");
    System.out.printf("REDIS-CLUSTER master-killed=%d slowest-request-ms=%d%n", master, slowest);
    assertThat(slowest).isLessThan(5_000);
  }

  private long slot(String key) {
    return Long.parseLong(cluster.cli(cluster.ports.get(0), "CLUSTER", "KEYSLOT", key).trim());
  }
}
