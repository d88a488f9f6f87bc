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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis fails under a running node — stopped, hung (SIGSTOP), killed and restarted empty — with a
 * redis-server of the test's own: every request still answers from PostgreSQL, quickly once the circuit is
 * open; caching resumes by itself; nothing written or logged out during the outage is served stale after it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisOutageTest {
  static RedisProcess redis;
  static TestServer s;
  static UUID org;
  static UUID design;
  static UUID writtenDuringOutage;
  static String alice;
  static String staff;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start();
    // the Redis tiers' own degradation, without the near cache in front of them (NearCacheApiTest covers
    // what the near cache serves while Redis is away)
    s = SeededServer.start(redis.serverSettings("cache.near.enabled", false), f -> {
      org = f.organization("Outage");
      f.member(org, f.user("alice"), "ADMIN");
      f.member(org, f.user("carol"), "VIEWER");
      f.member(org, f.user("dan"), "VIEWER");
      f.user("staff", true);
      UUID series = f.series(org, "PN-OUT");
      design = f.design(series, "outage.stl", "before");
      writtenDuringOutage = f.design(series, "written.stl", "before");
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
    redis.close();
  }

  static long millis(Supplier<HttpResult> request, List<HttpResult> into) {
    long t0 = System.nanoTime();
    into.add(request.get());
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** Polls (at most {@code seconds}) until {@code path} answers a HIT; answers how long that took. */
  static long untilHit(String path, String token, int seconds) {
    return Waits.until(() -> "HIT".equals(s.get(path, token).xCache()), Duration.ofSeconds(seconds), Duration.ofMillis(100),
        path + " a HIT");
  }

  static void sleep(long ms) {
    io.enginel.support.Waits.sleep(ms);
  }

  @org.junit.jupiter.api.AfterEach
  void redisRunsAgainForTheNextCase() {
    redis.ensureRunning();
  }

  @Test
  @Order(1)
  void withRedisStoppedEveryRequestAnswersFromPostgresQuicklyAndCachingResumesByItself() {
    String detail = "/api/designs/" + design;
    String list = "/api/designs/?ordering=-created_at";
    untilHit(detail, alice, 5);
    untilHit(list, alice, 5);

    redis.stop();

    // the first few pay for discovering the outage (bounded by the command timeout), then the circuit is open
    List<HttpResult> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      assertThat(millis(() -> s.get(detail, alice), answers)).isLessThan(5_000);
    }
    long slowest = 0;
    for (int i = 0; i < 40; i++) {
      String path = i % 2 == 0 ? detail : list;
      slowest = Math.max(slowest, millis(() -> s.get(path, alice), answers));
    }
    assertThat(slowest).as("slowest request once the circuit is open (ms)").isLessThan(1_000);
    assertThat(answers).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).isEqualTo("MISS");
      assertThat(r.header("Cache-Status")).as("not stored, and why").isEqualTo("enginel; fwd=miss; detail=unavailable");
    });
    assertThat(answers.get(answers.size() - 2).json().getString("description")).isEqualTo("before");

    // a burst of concurrent requests: no 5xx
    List<Future<HttpResult>> burst = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      burst.add(s.sendAsync(HttpMethod.GET, i % 2 == 0 ? detail : list, alice, null, Map.of()));
    }
    for (Future<HttpResult> f : burst) {
      assertThat(TestServer.await(f).status()).isEqualTo(200);
    }

    HttpResult ready = s.get("/ready", null);
    assertThat(ready.status()).as("Redis away makes the node degraded, not unready").isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("degraded");
    JsonObject health = s.get("/api/cache/health", staff).json();
    assertThat(health.getJsonObject("tiers").getJsonObject("default").getString("status")).isNotEqualTo("up");

    redis.restart();
    long resumedAfter = untilHit(detail, alice, 10);
    // each tier's circuit closes on its own next call: the detail's tier may be back before the other two
    long readyAfter = Waits.until(() -> "ready".equals(s.get("/ready", null).json().getString("status")),
        Duration.ofSeconds(10), Duration.ofMillis(100), "/ready back to ready");
    System.out.printf("REDIS-OUTAGE slowest-open-circuit-ms=%d hits-resumed-after-ms=%d ready-after-ms=%d%n", slowest,
        resumedAfter, resumedAfter + readyAfter);
  }

  @Test
  @Order(2)
  void aWriteWhileRedisHangsIsNeverServedStaleWhenItAnswersAgain() {
    String detail = "/api/designs/" + writtenDuringOutage;
    String list = "/api/designs/?search=written.stl";
    untilHit(detail, alice, 10);
    untilHit(list, alice, 10);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("before");

    redis.freeze(); // the cached "before" is still in Redis' memory
    try {
      long t0 = System.nanoTime();
      HttpResult write = s.patch(detail, alice, new JsonObject().put("description", "during"));
      long took = (System.nanoTime() - t0) / 1_000_000;
      assertThat(write.status()).isEqualTo(200);
      assertThat(took).as("the write answers within a bound while Redis hangs (ms)").isLessThan(5_000);
      assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("during");
    } finally {
      redis.thaw();
    }
    // from the first request after Redis answers again: never "before"
    for (int i = 0; i < 30; i++) {
      assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("during");
      assertThat(s.get(list, alice).json().getJsonArray("results").getJsonObject(0).getString("description"))
          .isEqualTo("during");
      sleep(100);
    }
    untilHit(detail, alice, 10);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("during");
  }

  @Test
  @Order(3)
  void aLogoutWhileRedisHangsIsNotUndoneWhenItAnswersAgain() {
    String carol = s.login("carol");
    assertThat(s.get("/api/users/me", carol).status()).isEqualTo(200);

    redis.freeze();
    try {
      assertThat(s.post("/api/auth/logout", carol, null).status()).isEqualTo(204);
      assertThat(s.get("/api/users/me", carol).status()).isEqualTo(401);
    } finally {
      redis.thaw();
    }
    for (int i = 0; i < 30; i++) {
      assertThat(s.get("/api/users/me", carol).status()).as("the logged-out token, after Redis is back").isEqualTo(401);
      sleep(100);
    }
  }

  @Test
  @Order(4)
  void nobodyIsLoggedOutWhenRedisRestartsEmptyAndNothingStaleIsServed() {
    String dan = s.login("dan");
    assertThat(s.get("/api/users/me", dan).status()).isEqualTo(200);
    untilHit("/api/designs/" + design, dan, 10);

    redis.kill();
    redis.restart(); // empty: sessions and entries are gone from Redis

    assertThat(s.get("/api/users/me", dan).status()).as("the session is also in PostgreSQL").isEqualTo(200);
    assertThat(s.patch("/api/designs/" + design, alice, new JsonObject().put("description", "after restart")).status())
        .isEqualTo(200);
    untilHit("/api/designs/" + design, dan, 10);
    assertThat(s.get("/api/designs/" + design, dan).json().getString("description")).isEqualTo("after restart");
    assertThat(s.get("/api/users/me", dan).status()).isEqualTo(200);
  }

  @Test
  @Order(5)
  void redisKilledUnderLoadCostsNoErrorAndNoRequestWaitsOnceTheCircuitIsOpen() throws Exception {
    String detail = "/api/designs/" + design;
    String list = "/api/designs/?ordering=-created_at";
    untilHit(detail, alice, 10);
    record Answer(long startedMs, long tookMs, int status) {}
    List<Answer> answers = java.util.Collections.synchronizedList(new ArrayList<>());
    long t0 = System.currentTimeMillis();
    long[] killedAt = {Long.MAX_VALUE};
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int id = c;
      Thread t = new Thread(() -> {
        for (int i = 0; System.currentTimeMillis() - t0 < 5_000; i++) {
          long start = System.currentTimeMillis();
          HttpResult r = s.get((i + id) % 2 == 0 ? detail : list, alice);
          answers.add(new Answer(start - t0, System.currentTimeMillis() - start, r.status()));
        }
      });
      t.start();
      clients.add(t);
    }
    // the clients running (and served) for a second, then Redis killed under them; restarted once they have been
    // served for 2.5 s without it
    LongPredicate servedFrom = ms -> {
      synchronized (answers) {
        return answers.stream().anyMatch(a -> a.startedMs() >= ms);
      }
    };
    Waits.until(() -> servedFrom.test(1_000), Duration.ofSeconds(10), "the clients served for a second");
    killedAt[0] = System.currentTimeMillis() - t0;
    redis.kill(); // SIGKILL under load
    Waits.until(() -> servedFrom.test(killedAt[0] + 2_500), Duration.ofSeconds(10),
        "the clients served for 2.5 s with Redis down");
    redis.restart();
    for (Thread t : clients) {
      t.join(20_000);
    }
    long afterOpen = killedAt[0] + 1_000; // the circuit opens within the first failures
    long slowestOnceOpen = answers.stream().filter(a -> a.startedMs() > afterOpen && a.startedMs() < killedAt[0] + 2_500)
        .mapToLong(Answer::tookMs).max().orElse(0);
    long fiveHundreds = answers.stream().filter(a -> a.status() >= 500).count();
    System.out.printf("REDIS-KILLED-UNDER-LOAD requests=%d 5xx=%d slowest-once-open-ms=%d slowest-overall-ms=%d%n",
        answers.size(), fiveHundreds, slowestOnceOpen, answers.stream().mapToLong(Answer::tookMs).max().orElse(0));
    assertThat(answers).as("every request of 8 clients during 5 s").allMatch(a -> a.status() == 200);
    assertThat(slowestOnceOpen).as("no request waits on Redis once the circuit is open (ms)").isLessThan(1_000);
    untilHit(detail, alice, 10);
  }
}
