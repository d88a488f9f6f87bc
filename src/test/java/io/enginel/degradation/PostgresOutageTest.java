package io.enginel.degradation;

import io.enginel.config.EnginelConfig;
import io.enginel.support.CapturedLogs;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TcpProxy;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.enginel.support.Waits;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Postgres goes away under a running node (a proxy in front of it is cut: open connections reset, new ones
 * refused) and comes back on the same address. While it is away, what is cached keeps being served, and
 * every miss and every write answers 503 JSON with {@code Retry-After}, quickly; nothing is half-written.
 * When it is back the node serves misses and writes again without a restart.
 */
class PostgresOutageTest {
  static TcpProxy proxy;
  static TestServer s;
  static UUID org;
  static UUID series;
  static UUID cached;
  static UUID notCached;
  static String alice;

  @BeforeAll
  static void start() {
    TestDatabase db = TestDatabase.create();
    PgConnectOptions real = PgConnectOptions.fromUri(db.uri());
    proxy = TcpProxy.start(real.getHost(), real.getPort());
    String viaProxy = db.uri().replace(real.getHost() + ":" + real.getPort(), "127.0.0.1:" + proxy.port());
    EnginelConfig config = TestServer.baseConfig(viaProxy, TestServices.redisUri())
        .with("pg.connectTimeoutMs", 1000)
        .with("pg.queryTimeoutMs", 2000);
    s = SeededServer.start(db, config, f -> {
      org = f.organization("PgOutage");
      f.member(org, f.user("alice"), "ADMIN");
      series = f.series(org, "PN-PGO");
      cached = f.design(series, "cached.stl", "before");
      notCached = f.design(series, "cold.stl", "cold");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void cachedAnswersAreServedMissesAndWritesAnswer503QuicklyAndTheNodeRecoversByItself() {
    String detail = "/api/designs/" + cached;
    String list = "/api/designs/?ordering=-created_at";
    String cold = "/api/designs/" + notCached;
    untilHit(detail, 5);
    untilHit(list, 5);
    assertThat(s.get("/ready", null).status()).isEqualTo(200);

    proxy.cut();
    long outageStart = System.nanoTime();

    // cached answers: served, from Redis, as they were
    long slowestHit = 0;
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      HttpResult r = s.get(i % 2 == 0 ? detail : list, alice);
      slowestHit = Math.max(slowestHit, ms(t0));
      assertThat(r.status()).as("a cached answer while Postgres is away").isEqualTo(200);
      assertThat(r.xCache()).isEqualTo("HIT");
    }
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("before");

    // a miss and a write: 503 JSON with Retry-After, quickly, never a hang
    long slowestRefusal = 0;
    List<HttpResult> refused = new ArrayList<>();
    List<String> logged;
    try (CapturedLogs logs = CapturedLogs.start()) {
      for (int i = 0; i < 6; i++) {
        long t0 = System.nanoTime();
        refused.add(s.get(cold, alice));
        refused.add(s.post("/api/designs", alice, new JsonObject().put("series", series.toString())
            .put("filename", "during-outage-" + i + ".stl").put("file_format", "stl").put("description", "never written")));
        refused.add(s.patch(detail, alice, new JsonObject().put("description", "never written")));
        slowestRefusal = Math.max(slowestRefusal, ms(t0) / 3);
      }
      logged = logs.lines();
    }
    // each refusal is in the log under the request id its answer carries, so an operator can find it
    for (HttpResult r : refused) {
      String id = r.json().getString("request_id");
      assertThat(logged).as("a log line naming request " + id).anyMatch(l -> l.contains(id));
    }
    assertThat(refused).allSatisfy(r -> {
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isNotBlank();
      assertThat(r.header("Content-Type")).startsWith("application/json");
      assertThat(r.json().getString("error")).isEqualTo("unavailable");
      assertThat(r.json().getString("request_id")).isNotBlank();
      assertThat(r.body().toString()).doesNotContainIgnoringCase("select").doesNotContain("Exception").doesNotContain("at io.");
    });
    assertThat(slowestRefusal).as("the slowest 503 (ms)").isLessThan(3_000);

    // a concurrent burst of mixed requests: every one answers, 200 (cached) or 503, none hangs
    List<Future<HttpResult>> burst = new ArrayList<>();
    long burstStart = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      String path = switch (i % 3) {
        case 0 -> detail;
        case 1 -> list;
        default -> cold;
      };
      burst.add(s.sendAsync(HttpMethod.GET, path, alice, null, java.util.Map.of()));
    }
    int ok = 0;
    int unavailable = 0;
    for (Future<HttpResult> f : burst) {
      HttpResult r = TestServer.await(f);
      assertThat(r.status()).isIn(200, 503);
      if (r.status() == 200) {
        ok++;
      } else {
        unavailable++;
      }
    }
    long burstMs = ms(burstStart);
    assertThat(ok).as("cached answers in the burst").isGreaterThanOrEqualTo(133);

    HttpResult ready = s.get("/ready", null);
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.json().getString("status")).isEqualTo("unready");

    proxy.restore();
    long recoveredAfter = untilStatus(cold, 200, 15);
    long outageMs = ms(outageStart);
    assertThat(s.get("/ready", null).status()).isEqualTo(200);

    // nothing of the refused writes exists, the cached answer is still the truth, and writes work again
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE filename LIKE 'during-outage-%'")).isZero();
    assertThat(s.fixtures.queryString("SELECT description FROM design_assets WHERE id = ?", cached)).isEqualTo("before");
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("before");
    HttpResult write = s.patch(detail, alice, new JsonObject().put("description", "after"));
    assertThat(write.status()).isEqualTo(200);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("after");

    System.out.printf("PG-OUTAGE outage-ms=%d slowest-hit-ms=%d slowest-503-ms=%d burst=200 ok=%d 503=%d burst-ms=%d "
        + "recovered-after-restore-ms=%d%n", outageMs, slowestHit, slowestRefusal, ok, unavailable, burstMs, recoveredAfter);
  }

  @Test
  void whenPostgresHangsMissesAnswer503WithinTheReplyTimeoutAndHitsAreUnaffected() {
    String detail = "/api/designs/" + cached;
    UUID other = s.fixtures.design(series, "hung.stl", "hung");
    String cold = "/api/designs/" + other;
    // the change listener is connected (after the other case it reconnects and drops everything once), and
    // the insert's own invalidations have landed, before the cached answer is taken
    Waits.until(() -> s.request(io.enginel.invalidation.InvalidationApi.STATUS, new JsonObject()).getBoolean("listening"),
        Duration.ofSeconds(15), Duration.ofMillis(50), "the change listener reconnects");
    s.awaitNotificationsSettled();
    untilSteadyHit(detail, Duration.ofMillis(300));
    long bound = s.config.pg().replyTimeoutMs(); // 1 s connect + 2 s query + 2 s margin

    proxy.freeze();
    try {
      List<Future<HttpResult>> misses = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        misses.add(s.sendAsync(HttpMethod.GET, cold, alice, null, java.util.Map.of()));
      }
      // while the misses wait on a Postgres that does not answer, cached answers are served at once
      long slowestHit = 0;
      for (int i = 0; i < 10; i++) {
        long h0 = System.nanoTime();
        HttpResult hit = s.get(detail, alice);
        slowestHit = Math.max(slowestHit, ms(h0));
        assertThat(hit.status()).isEqualTo(200);
        assertThat(hit.xCache()).isEqualTo("HIT");
      }
      for (Future<HttpResult> f : misses) {
        HttpResult r = TestServer.await(f);
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isNotBlank();
        assertThat(r.json().getString("error")).isEqualTo("unavailable");
      }
      long allAnswered = ms(t0);
      assertThat(allAnswered).as("every miss answered (ms)").isLessThan(bound + 2_000);
      System.out.printf("PG-HUNG misses=20 all-503-within-ms=%d bound-ms=%d slowest-hit-ms=%d%n", allAnswered, bound, slowestHit);
    } finally {
      proxy.thaw();
    }
    untilStatus(cold, 200, 15);
    assertThat(s.get(cold, alice).json().getString("description")).isEqualTo("hung");
  }

  static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static void untilHit(String path, int seconds) {
    Waits.until(() -> "HIT".equals(s.get(path, alice).xCache()), Duration.ofSeconds(seconds), Duration.ofMillis(50),
        path + " a HIT");
  }

  /** Polls until {@code path} has answered nothing but HITs for {@code steady}: no late invalidation removes it. */
  static void untilSteadyHit(String path, Duration steady) {
    long[] hitsSince = {-1};
    Waits.until(() -> {
      if (!"HIT".equals(s.get(path, alice).xCache())) {
        hitsSince[0] = -1;
        return false;
      }
      if (hitsSince[0] < 0) {
        hitsSince[0] = System.nanoTime();
      }
      return System.nanoTime() - hitsSince[0] >= steady.toNanos();
    }, Duration.ofSeconds(10), Duration.ofMillis(50), path + " a HIT for " + steady.toMillis() + " ms on end");
  }

  /** Polls until {@code path} answers {@code status}; answers how long that took (ms). */
  static long untilStatus(String path, int status, int seconds) {
    return Waits.until(() -> s.get(path, alice).status() == status, Duration.ofSeconds(seconds), Duration.ofMillis(50),
        path + " answering " + status);
  }
}
