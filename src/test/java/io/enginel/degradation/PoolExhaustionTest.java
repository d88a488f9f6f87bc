package io.enginel.degradation;

import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * More concurrent misses than the node has Postgres connections (2 connections, a wait queue of 4), while
 * an outside transaction holds a lock every miss needs. Requests queue within a bound and succeed when the
 * lock goes soon enough; when it does not, each answers 503 JSON with Retry-After within the reply timeout:
 * none hangs, the node stays up and serves normally afterwards.
 */
class PoolExhaustionTest {
  static final int DESIGNS = 40;
  static TestServer s;
  static final List<UUID> designs = new ArrayList<>();
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("pg.maxPoolSize", 2, "pg.maxWaitQueueSize", 4, "pg.connectTimeoutMs", 2000,
        "pg.queryTimeoutMs", 1500), f -> {
      UUID org = f.organization("Pool");
      f.member(org, f.user("alice"), "ADMIN");
      UUID series = f.series(org, "PN-POOL");
      for (int i = 0; i < DESIGNS; i++) {
        designs.add(f.design(series, "pool-" + i + ".stl", "design " + i));
      }
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
  }

  @Test
  void missesBeyondThePoolQueueAndSucceedWhenTheLockIsSoonReleased() throws Exception {
    try (Connection outside = s.db.jdbc(); Statement st = outside.createStatement()) {
      outside.setAutoCommit(false);
      st.execute("LOCK TABLE design_assets IN ACCESS EXCLUSIVE MODE");
      List<Future<HttpResult>> misses = fire(0, 6); // 2 on connections, 4 in the wait queue
      long t0 = System.nanoTime();
      // released once both pooled connections wait on the lock (within the 1.5 s query timeout)
      Waits.until(() -> s.fixtures.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
          + "AND wait_event_type = 'Lock'") == 2, Duration.ofSeconds(1), "both pooled connections waiting on the lock");
      outside.rollback();
      for (int i = 0; i < misses.size(); i++) {
        HttpResult r = TestServer.await(misses.get(i));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().getString("description")).isEqualTo("design " + i);
      }
      System.out.printf("POOL-QUEUE misses=6 connections=2 queue=4 all-200-after-ms=%d%n", (System.nanoTime() - t0) / 1_000_000);
    }
  }

  @Test
  void missesBeyondThePoolAnswer503WithinABoundWhenTheLockIsHeldAndTheNodeStaysUp() throws Exception {
    long bound = s.config.pg().replyTimeoutMs();
    int ok = 0;
    int unavailable = 0;
    long slowest = 0;
    try (Connection outside = s.db.jdbc(); Statement st = outside.createStatement()) {
      outside.setAutoCommit(false);
      st.execute("LOCK TABLE design_assets IN ACCESS EXCLUSIVE MODE");
      long t0 = System.nanoTime();
      List<Future<HttpResult>> misses = fire(6, DESIGNS);
      for (Future<HttpResult> f : misses) {
        HttpResult r = TestServer.await(f);
        slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
        assertThat(r.status()).as(r.toString()).isIn(200, 503);
        if (r.status() == 503) {
          unavailable++;
          assertThat(r.header("Retry-After")).isNotBlank();
          assertThat(r.json().getString("error")).isEqualTo("unavailable");
          assertThat(r.body().toString()).doesNotContain("Exception").doesNotContainIgnoringCase("select ");
        } else {
          ok++;
        }
      }
      outside.rollback();
    }
    assertThat(unavailable).as("misses refused while the lock was held").isGreaterThan(0);
    assertThat(slowest).as("the slowest answer (ms), bound %d", bound).isLessThan(bound + 2_000);

    // the node is up and serves every one of them now
    for (int i = 6; i < DESIGNS; i++) {
      HttpResult r = s.get("/api/designs/" + designs.get(i), alice);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getString("description")).isEqualTo("design " + i);
    }
    assertThat(s.get("/ready", null).status()).isEqualTo(200);
    System.out.printf("POOL-EXHAUSTED misses=%d ok=%d 503=%d slowest-ms=%d bound-ms=%d%n", DESIGNS - 6, ok, unavailable,
        slowest, bound);
  }

  private static List<Future<HttpResult>> fire(int from, int to) {
    List<Future<HttpResult>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(s.sendAsync(HttpMethod.GET, "/api/designs/" + designs.get(i), alice, null, Map.of()));
    }
    return out;
  }
}
