package io.enginel.cache;

import io.enginel.support.HttpResult;
import io.enginel.support.RedisProcess;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The near cache over HTTP and the event bus, with a redis-server of the test's own (its command counts are
 * this server's alone): a hot answer is served from the process's memory without a Redis round trip, and
 * every way an entry can change — a write through the API, a key deleted, set or matched by hand, a new
 * incarnation — drops the copy before it is answered, Redis up or away.
 */
class NearCacheApiTest {
  static RedisProcess redis;
  static TestServer s;
  static CacheKeys keys;
  static UUID org;
  static UUID design;
  static String alice;
  static String staff;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start();
    s = SeededServer.start(redis.serverSettings(), f -> {
      org = f.organization("Near");
      f.member(org, f.user("alice"), "ADMIN");
      f.user("staff", true);
      design = f.design(f.series(org, "PN-NEAR"), "near.stl", "first");
      return null;
    }).server();
    s.awaitNotificationsSettled();
    keys = new CacheKeys(s.prefix());
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

  @AfterEach
  void redisRunsAgain() {
    redis.ensureRunning();
  }

  static String detail() {
    return "/api/designs/" + design;
  }

  /** Reads until the answer comes from the near cache (a miss fills Redis, a Redis hit fills the near cache). */
  static HttpResult warm() {
    // within 5 s: a tier fenced for a moment (a kept invalidation being carried out, a server being verified
    // after a failed command, an open circuit waiting for its reset) takes nothing in until it is trusted again
    AtomicReference<HttpResult> served = new AtomicReference<>();
    Waits.until(() -> {
      long before = nearHits();
      served.set(s.get(detail(), alice));
      return "HIT".equals(served.get().xCache()) && nearHits() > before;
    }, Duration.ofSeconds(5), "the detail from the near cache");
    return served.get();
  }

  static long nearHits() {
    return s.get("/api/cache/stats", staff).json().getJsonObject("tiers").getJsonObject("default")
        .getJsonObject("server").getLong("near_hits", 0L);
  }

  static long redisCalls(String command) {
    for (String line : RedisProcess.cli(redis.port, "INFO", "commandstats").split("\n")) {
      if (line.startsWith("cmdstat_" + command + ":")) {
        return Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1").trim());
      }
    }
    return 0;
  }

  @Test
  void aHotAnswerIsServedFromMemoryWithoutARedisRoundTrip() {
    HttpResult first = warm();
    long mgets = redisCalls("mget");
    long hits = nearHits();

    for (int i = 0; i < 20; i++) {
      HttpResult r = s.get(detail(), alice);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).isEqualTo("HIT");
      assertThat(r.header("ETag")).isEqualTo(first.header("ETag"));
      assertThat(r.body()).isEqualTo(first.body());
    }

    assertThat(redisCalls("mget") - mgets).as("lookups that reached Redis").isZero();
    assertThat(nearHits() - hits).isEqualTo(20);
    HttpResult notModified = s.get(detail(), alice, Map.of("If-None-Match", first.header("ETag")));
    assertThat(notModified.status()).isEqualTo(304);

    JsonObject near = s.get("/api/cache/stats", staff).json().getJsonObject("tiers").getJsonObject("default")
        .getJsonObject("near");
    assertThat(near.getLong("entries")).isPositive();
    assertThat(near.getLong("bytes")).isGreaterThanOrEqualTo(first.body().length());
    assertThat(near.getLong("max_bytes")).isEqualTo(32L * 1024 * 1024); // half of cache.near.maxBytes per tier
    assertThat(near.getLong("hits")).isGreaterThanOrEqualTo(20);
  }

  @Test
  void aWriteThroughTheApiIsReadFreshAtOnceAndThenServedFromMemoryAgain() {
    warm();

    HttpResult written = s.patch(detail(), alice, new JsonObject().put("description", "written " + System.nanoTime()));
    assertThat(written.status()).isEqualTo(200);
    String now = written.json().getString("description");

    HttpResult read = s.get(detail(), alice);
    assertThat(read.xCache()).isEqualTo("MISS");
    assertThat(read.json().getString("description")).isEqualTo(now);
    assertThat(warm().json().getString("description")).isEqualTo(now);
  }

  @Test
  void keysDeletedOrMatchedByEnginelsOwnKeyApiAreDroppedFromMemory() {
    String key = keys.designDetail(design.toString());

    warm();
    s.request(CacheApi.OWN_DELETE, new JsonObject().put("tier", "default").put("keys", new JsonArray().add(key)));
    assertThat(s.get(detail(), alice).xCache()).as("after a delete of the key").isEqualTo("MISS");

    warm();
    s.request(CacheApi.OWN_DELETE_PATTERN, new JsonObject().put("tier", "default").put("pattern", s.prefix() + ":design:*"));
    assertThat(s.get(detail(), alice).xCache()).as("after a delete by pattern").isEqualTo("MISS");

    warm();
    s.request(CacheApi.INVALIDATE_ALL, new JsonObject());
    assertThat(s.get(detail(), alice).xCache()).as("after a new incarnation").isEqualTo("MISS");

    warm();
    HttpResult manual = s.post("/api/cache/invalidate", staff, new JsonObject().put("model", "DesignAsset")
        .put("id", design.toString()));
    assertThat(manual.status()).isEqualTo(200);
    assertThat(s.get(detail(), alice).xCache()).as("after a manual invalidation of the row").isEqualTo("MISS");
  }

  @Test
  void whileRedisIsAwayTheCopyIsStillServedAndAWriteStillDropsIt() {
    warm();
    redis.stop();

    HttpResult during = s.get(detail(), alice);
    assertThat(during.status()).isEqualTo(200);
    assertThat(during.xCache()).as("the copy in memory, Redis stopped").isEqualTo("HIT");

    HttpResult written = s.patch(detail(), alice, new JsonObject().put("description", "during the outage"));
    assertThat(written.status()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      HttpResult read = s.get(detail(), alice);
      assertThat(read.status()).isEqualTo(200);
      assertThat(read.xCache()).as("nothing to fill memory from while Redis is away").isEqualTo("MISS");
      assertThat(read.json().getString("description")).isEqualTo("during the outage");
    }

    redis.restart();
    Waits.until(() -> {
      HttpResult back = s.get(detail(), alice);
      assertThat(back.json().getString("description")).isEqualTo("during the outage");
      return "HIT".equals(back.xCache());
    }, Duration.ofSeconds(15), Duration.ofMillis(100), "caching resumes once Redis answers");
    assertThat(warm().json().getString("description")).isEqualTo("during the outage");
  }
}
