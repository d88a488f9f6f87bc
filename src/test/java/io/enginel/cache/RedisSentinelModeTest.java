package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.RedisProcess;
import io.enginel.support.SeededServer;
import io.enginel.support.TcpProxy;
import io.enginel.support.TestServer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Enginel behind Redis Sentinel ({@code redis.mode=sentinel}): a master, a replica and a sentinel from
 * redis-server. Enginel finds the master through the sentinel, keeps the tiers as databases, and when the
 * master dies and the sentinel promotes the replica, every request keeps answering (from Postgres while
 * there is no master) and caching resumes on the new master by itself — never serving what the promoted
 * replica still holds from before a write whose invalidation it did not receive.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelModeTest {
  static final String MASTER_NAME = "enginel-master";
  static RedisProcess master;
  static RedisProcess replica;
  static RedisProcess sentinel;
  /** Between the replica and its master: frozen, it holds back what the master sends, as a slow network would. */
  static TcpProxy replication;
  static TestServer s;
  static UUID design;
  static String alice;

  @BeforeAll
  static void start() {
    master = RedisProcess.start(List.of("--repl-diskless-sync-delay", "0"));
    replication = TcpProxy.start("127.0.0.1", master.port);
    replica = RedisProcess.start(List.of("--replicaof", "127.0.0.1", Integer.toString(replication.port())));
    sentinel = RedisProcess.sentinel(MASTER_NAME, master.port);
    awaitOutput(replica.port, "INFO replication", "master_link_status:up", 20);
    awaitOutput(sentinel.port, "SENTINEL REPLICAS " + MASTER_NAME, "port," + replica.port, 20);

    Map<String, Object> overrides = new LinkedHashMap<>(); // the sentinels and the master's name before the mode
    overrides.put("redis.uri", master.uri()); // only the test's own Redis helper uses it
    overrides.put("redis.nodes", "127.0.0.1:" + sentinel.port);
    overrides.put("redis.masterName", MASTER_NAME);
    overrides.put("redis.mode", "sentinel");
    overrides.put("redis.commandTimeoutMs", 1000);
    overrides.put("redis.connectTimeoutMs", 1000);
    s = SeededServer.start(overrides, f -> {
      UUID org = f.organization("Sentinel");
      f.member(org, f.user("alice"), "ADMIN");
      design = f.design(f.series(org, "PN-SEN"), "sentinel.stl", "before");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
    if (replication != null) {
      replication.close();
    }
    for (RedisProcess r : new RedisProcess[] {sentinel, replica, master}) {
      if (r != null) {
        r.close();
      }
    }
  }

  @Test
  @Order(1)
  void theMasterIsFoundThroughTheSentinelAndTheTiersAreItsDatabases() {
    String detail = "/api/designs/" + design;
    assertThat(s.get(detail, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get(detail, alice).xCache()).isEqualTo("HIT");
    String key = s.prefix() + ":design:" + design + ":detail";
    assertThat(s.redisExists(Tier.DEFAULT, key)).as("in the master's database 1").isTrue();
    assertThat(cli(master.port, "-n", "1", "EXISTS", key).trim()).isEqualTo("1");
    assertThat(cli(master.port, "-n", "0", "EXISTS", key).trim()).isEqualTo("0");
    JsonObject stats = s.get("/api/cache/stats", s.login("alice")).json();
    assertThat(stats.toString()).doesNotContain("\"connected\":false");
  }

  @Test
  @Order(2)
  void whenTheMasterDiesEveryRequestAnswersAndCachingResumesOnThePromotedReplica() {
    String detail = "/api/designs/" + design;
    s.get(detail, alice);
    assertThat(s.get(detail, alice).xCache()).isEqualTo("HIT");

    // the replica falls behind: the invalidation of this write and the fill after it reach the master only
    String key = s.prefix() + ":design:" + design + ":detail";
    awaitOutput(replica.port, "-n 1 GET " + key, "before", 10); // the replica holds the entry
    replication.freeze();
    assertThat(s.patch(detail, alice, new JsonObject().put("description", "not replicated")).status()).isEqualTo(200);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("not replicated");
    assertThat(s.get(detail, alice).xCache()).isEqualTo("HIT");
    master.kill(); // the replica, promoted, will still hold "before" under a clock that never saw the write
    replication.cut();
    assertThat(cli(replica.port, "-n", "1", "GET", key)).as("what the replica still holds").contains("before");
    long t0 = System.currentTimeMillis();
    List<Integer> statuses = new ArrayList<>();
    long[] slowest = {0};
    long[] promotedAfter = {-1};
    // a request every 100 ms through the failover, until one is a HIT once the sentinel has promoted the replica
    long hitAfter = Waits.until(() -> {
      long r0 = System.nanoTime();
      HttpResult r = s.get(detail, alice);
      slowest[0] = Math.max(slowest[0], (System.nanoTime() - r0) / 1_000_000);
      statuses.add(r.status());
      assertThat(r.json().getString("description")).as("never the value the promoted replica still holds")
          .isEqualTo("not replicated");
      if (promotedAfter[0] < 0 && cli(sentinel.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
          .contains(Integer.toString(replica.port))) {
        promotedAfter[0] = System.currentTimeMillis() - t0;
      }
      return promotedAfter[0] >= 0 && "HIT".equals(r.xCache());
    }, Duration.ofSeconds(30), Duration.ofMillis(100), "the replica promoted and caching resumed on it");
    assertThat(statuses).as("every request during the failover").allMatch(st -> st == 200);
    assertThat(cli(replica.port, "-n", "1", "EXISTS", key).trim()).as("the entry, now on the promoted replica").isEqualTo("1");
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("not replicated");

    assertThat(s.patch(detail, alice, new JsonObject().put("description", "after failover")).status()).isEqualTo(200);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("after failover");
    System.out.printf("REDIS-SENTINEL requests=%d all-200 slowest-ms=%d promoted-after-ms=%d hits-resumed-after-ms=%d%n",
        statuses.size(), slowest[0], promotedAfter[0], hitAfter);
  }

  static void awaitOutput(int port, String command, String expected, int seconds) {
    RedisProcess.awaitCli(port, expected, seconds, command.split(" "));
  }

  static String cli(int port, String... args) {
    return RedisProcess.cli(port, args);
  }
}
