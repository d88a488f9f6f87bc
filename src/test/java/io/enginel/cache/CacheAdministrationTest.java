package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The staff-only {@code GET /api/cache/stats} and {@code GET /api/cache/health} of the seed. */
class CacheAdministrationTest {
  static TestServer s;
  static UUID org;
  static UUID design;
  static UUID review;
  static String staff;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("auth.loginAttemptsPerMinute", 1000), f -> {
      org = f.organization("Admin Org");
      f.member(org, f.user("alice"), "ADMIN");
      f.member(org, f.user("root", true), "VIEWER");
      UUID series = f.series(org, "PN-ADM");
      design = f.design(series, "frame.step", "a welded frame");
      f.node(design, null, "FRAME", 1);
      review = f.review(design, "Frame review");
      return null;
    }).server();
    staff = s.login("root");
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void statsAreForbiddenToNonStaff() {
    HttpResult r = s.get("/api/cache/stats", alice);

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().getString("error")).isEqualTo("forbidden");
    assertThat(r.json().containsKey("tiers")).isFalse();
  }

  @Test
  void healthIsForbiddenToNonStaff() {
    HttpResult r = s.get("/api/cache/health", alice);

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().getString("error")).isEqualTo("forbidden");
  }

  @Test
  void statsAndHealthNeedAuthentication() {
    assertThat(s.get("/api/cache/stats", null).status()).isEqualTo(401);
    assertThat(s.get("/api/cache/health", null).status()).isEqualTo(401);
  }

  @Test
  void statsShowWhatRedisSaysForEveryTier() {
    Map<Tier, Integer> ownKeys = new java.util.EnumMap<>(Tier.class);
    for (Tier tier : Tier.values()) {
      ownKeys.put(tier, s.redisKeys(tier, "*").size());
    }

    HttpResult r = s.get("/api/cache/stats", staff);

    assertThat(r.status()).isEqualTo(200);
    JsonObject tiers = r.json().getJsonObject("tiers");
    assertThat(tiers.fieldNames()).containsExactlyInAnyOrder("default", "sessions", "longterm");
    for (Tier tier : Tier.values()) {
      JsonObject t = tiers.getJsonObject(tier.id());
      assertThat(t.getBoolean("connected")).as(tier.id()).isTrue();
      JsonObject redis = t.getJsonObject("redis");
      long hits = redis.getLong("keyspace_hits");
      long misses = redis.getLong("keyspace_misses");
      assertThat(hits).isNotNegative();
      assertThat(misses).isNotNegative();
      double expectedRate = hits + misses == 0 ? 0.0 : Math.round(hits * 1000.0 / (hits + misses)) / 10.0;
      assertThat(redis.getDouble("hit_rate")).isEqualTo(expectedRate).isBetween(0.0, 100.0);
      assertThat(redis.getString("used_memory_human")).matches("\\d+(\\.\\d+)?[BKMGT]");
      assertThat(redis.getLong("evicted_keys")).isNotNegative();
      assertThat(redis.getLong("expired_keys")).isNotNegative();
      assertThat(redis.getLong("connected_clients")).isPositive();
      assertThat(redis.getLong("instantaneous_ops_per_sec")).isNotNegative();
      // DBSIZE of the tier's database: this node's keys and those of anyone else sharing it
      assertThat(redis.getLong("key_count")).as("keys of %s", tier.id()).isGreaterThanOrEqualTo(ownKeys.get(tier));
      // the endpoint is shown without credentials
      assertThat(t.getString("endpoint")).doesNotContain("@");
    }
    // the session of the staff user is a key of the sessions tier
    assertThat(tiers.getJsonObject("sessions").getJsonObject("redis").getLong("key_count")).isPositive();
  }

  @Test
  void statsCountTheServersOwnHitsAndMissesPerTierAndResource() {
    JsonObject before = serverStats();

    for (int i = 0; i < 3; i++) {
      assertThat(s.get("/api/reviews/" + review, alice).status()).isEqualTo(200);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(s.get("/api/designs/" + design + "/bom", alice).status()).isEqualTo(200);
    }
    JsonObject after = serverStats();

    assertThat(delta(before, after, "default", null, "hits")).isEqualTo(2);
    assertThat(delta(before, after, "default", null, "misses")).isEqualTo(1);
    assertThat(delta(before, after, "default", "reviews", "hits")).isEqualTo(2);
    assertThat(delta(before, after, "default", "reviews", "misses")).isEqualTo(1);
    assertThat(delta(before, after, "longterm", null, "hits")).isEqualTo(1);
    assertThat(delta(before, after, "longterm", "bom", "hits")).isEqualTo(1);
    assertThat(delta(before, after, "longterm", "bom", "misses")).isEqualTo(1);
    assertThat(delta(before, after, "sessions", null, "hits")).isZero();
    JsonObject reviews = after.getJsonObject("default").getJsonObject("resources").getJsonObject("reviews");
    long h = reviews.getLong("hits");
    long m = reviews.getLong("misses");
    assertThat(reviews.getDouble("hit_rate")).isEqualTo(Math.round(h * 1000.0 / (h + m)) / 10.0);
  }

  @Test
  void redisCountersGrowWithTheRequestsMade() {
    JsonObject before = s.get("/api/cache/stats", staff).json().getJsonObject("tiers").getJsonObject("default")
        .getJsonObject("redis");
    String path = "/api/organizations/" + org;

    s.get(path, alice);
    s.get(path, alice);
    s.get(path, alice);
    JsonObject after = s.get("/api/cache/stats", staff).json().getJsonObject("tiers").getJsonObject("default")
        .getJsonObject("redis");

    // the miss and the first hit each read the entry and the clock (the third answer is the near cache's copy);
    // counters are server-wide, so other clients may add to them
    assertThat(after.getLong("keyspace_hits") - before.getLong("keyspace_hits")).isGreaterThanOrEqualTo(3);
    assertThat(after.getLong("keyspace_misses") - before.getLong("keyspace_misses")).isGreaterThanOrEqualTo(1);
    assertThat(after.getLong("total_commands_processed")).isGreaterThan(before.getLong("total_commands_processed"));
  }

  @Test
  void healthShowsEveryTierUpWithItsLatency() {
    HttpResult r = s.get("/api/cache/health", staff);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("status")).isEqualTo("up");
    JsonObject tiers = r.json().getJsonObject("tiers");
    assertThat(tiers.fieldNames()).containsExactlyInAnyOrder("default", "sessions", "longterm");
    for (Tier tier : Tier.values()) {
      JsonObject t = tiers.getJsonObject(tier.id());
      assertThat(t.getString("status")).as(tier.id()).isEqualTo("up");
      assertThat(t.getValue("latency_ms")).isInstanceOf(Number.class);
      assertThat(t.getDouble("latency_ms")).isBetween(0.0, 5_000.0);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static JsonObject serverStats() {
    HttpResult r = s.get("/api/cache/stats", staff);
    assertThat(r.status()).isEqualTo(200);
    JsonObject tiers = r.json().getJsonObject("tiers");
    JsonObject out = new JsonObject();
    for (String tier : tiers.fieldNames()) {
      out.put(tier, tiers.getJsonObject(tier).getJsonObject("server"));
    }
    return out;
  }

  private static long delta(JsonObject before, JsonObject after, String tier, String resource, String field) {
    return count(after, tier, resource, field) - count(before, tier, resource, field);
  }

  private static long count(JsonObject stats, String tier, String resource, String field) {
    JsonObject t = stats.getJsonObject(tier);
    JsonObject o = resource == null ? t : t.getJsonObject("resources").getJsonObject(resource, new JsonObject());
    return o.getLong(field, 0L);
  }
}
