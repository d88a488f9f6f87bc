package io.enginel.degradation;

import io.enginel.support.HttpResult;
import io.enginel.support.RedisProcess;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection the Redis lookups are pipelined on is lost under load — Redis drops every client connection of the
 * node — and nobody notices: no request fails, none is answered stale, a write right after is seen by the next read,
 * and hits resume by themselves. With a redis-server of the test's own, near cache off (every hit is a lookup).
 */
class LostLookupConnectionTest {
  static RedisProcess redis;
  static TestServer s;
  static UUID design;
  static String alice;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start();
    s = SeededServer.start(redis.serverSettings("cache.near.enabled", false), f -> {
      UUID org = f.organization("Lost lookups");
      f.member(org, f.user("alice"), "ADMIN");
      design = f.design(f.series(org, "PN-LOST"), "lost.stl", "before");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
    redis.close();
  }

  @Test
  void connectionsKilledUnderConcurrentHitsCostNoErrorAndNoStaleRead() {
    String detail = "/api/designs/" + design + "/";
    Waits.until(() -> "HIT".equals(s.get(detail, alice).xCache()), Duration.ofSeconds(5), "the detail cached");

    List<Future<HttpResult>> during = new ArrayList<>();
    long killed = 0;
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 100; i++) {
        during.add(s.sendAsync(HttpMethod.GET, detail, alice, null, Map.of()));
      }
      TestServer.await(during.get(during.size() - 50));
      killed += Long.parseLong(RedisProcess.cli(redis.port, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").trim());
    }
    assertThat(killed).as("connections Redis dropped").isGreaterThanOrEqualTo(5);
    for (Future<HttpResult> f : during) {
      HttpResult r = TestServer.await(f);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getString("description")).isEqualTo("before");
    }

    assertThat(s.patch(detail, alice, new JsonObject().put("description", "after")).status()).isEqualTo(200);
    HttpResult read = s.get(detail, alice);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().getString("description")).as("the write, right after the connections were lost")
        .isEqualTo("after");

    List<HttpResult> after = new ArrayList<>();
    Waits.until(() -> {
      HttpResult r = s.get(detail, alice);
      after.add(r);
      return "HIT".equals(r.xCache());
    }, Duration.ofSeconds(10), Duration.ofMillis(50), "hits from Redis again");
    assertThat(after).allSatisfy(r -> assertThat(r.json().getString("description")).isEqualTo("after"));
    assertThat(after.get(after.size() - 1).header("Cache-Status")).startsWith("enginel; hit;")
        .endsWith("detail=redis-default");
  }
}
