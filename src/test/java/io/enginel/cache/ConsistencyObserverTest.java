package io.enginel.cache;

import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consistency observer, at {@code cache.consistency.sampleRate} 1.0: every cached answer served is derived
 * again from PostgreSQL after it has gone out. A row changed behind Enginel's back — its triggers silenced, so
 * no notification and no invalidation ever comes — is served stale from the cache until the observer notices:
 * it counts a violation for the resource, logs the key, invalidates it, and the next reads are fresh. Answers
 * that only changed because of a write after they were served are not counted against the cache.
 */
class ConsistencyObserverTest {
  static TestServer s;
  static UUID design;
  static UUID written;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("cache.consistency.sampleRate", 1.0, "cache.consistency.databaseMsPerSecond", 1000,
        "cache.consistency.graceMs", 200), f -> {
      UUID org = f.organization("Observed");
      f.member(org, f.user("alice"), "EDITOR");
      UUID series = f.series(org, "PN-OBS");
      design = f.design(series, "observed.stl", "before");
      written = f.design(series, "written.stl", "before");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static JsonObject consistency() {
    return s.request(CacheApi.STATS, new JsonObject()).getJsonObject("consistency");
  }

  @Test
  void aRowChangedBehindEnginelsBackIsReportedAsAViolationAndIsFreshAgainSoon() throws SQLException {
    String path = "/api/designs/" + design;
    s.get(path, alice);
    assertThat(s.get(path, alice).xCache()).isEqualTo("HIT");
    Waits.until(() -> consistency().getLong("checks") >= 1, Duration.ofSeconds(10), "the hit was checked");
    assertThat(consistency().getLong("violations")).as("a faithful cache: nothing to report").isZero();

    silentlyUpdate(design, "changed behind Enginel's back");

    HttpResult stale = s.get(path, alice);
    assertThat(stale.xCache()).isEqualTo("HIT");
    assertThat(stale.json().getString("description")).as("no notification came: the entry is stale")
        .isEqualTo("before");
    Waits.until(() -> "changed behind Enginel's back".equals(s.get(path, alice).json().getString("description")),
        Duration.ofSeconds(60), Duration.ofMillis(50), "fresh again");

    JsonObject after = consistency();
    assertThat(after.getLong("violations")).isGreaterThanOrEqualTo(1);
    assertThat(after.getJsonObject("violations_by_resource").getLong("designs")).isGreaterThanOrEqualTo(1);
    assertThat(after.getDouble("nines")).isNotNull();
    assertThat(after.getBoolean("nines_at_least")).isFalse();
    String metrics = s.get("/metrics", null).body().toString();
    assertThat(metrics).contains("enginel_cache_consistency_checks_total")
        .containsPattern("enginel_cache_consistency_violations_total\\{.*resource=\"designs\".*\\} [1-9]");
  }

  @Test
  void anAnswerThatChangedBecauseOfALaterWriteIsNotAViolation() {
    String path = "/api/designs/" + written;
    s.get(path, alice);
    long violationsBefore = consistency().getLong("violations");
    for (int i = 0; i < 20; i++) {
      assertThat(s.get(path, alice).xCache()).isEqualTo("HIT");
      // the write lands while the hit's re-derivation may still be on its way
      assertThat(s.patch(path, alice, new JsonObject().put("description", "write " + i)).status()).isEqualTo(200);
      s.get(path, alice);
    }
    Waits.until(() -> consistency().getLong("checks") + consistency().getLong("inconclusive") >= 20,
        Duration.ofSeconds(20), "the hits were checked");

    assertThat(consistency().getLong("violations")).isEqualTo(violationsBefore);
  }

  /** An UPDATE whose triggers do not fire ({@code session_replication_role = replica}): no NOTIFY, no invalidation. */
  static void silentlyUpdate(UUID id, String description) throws SQLException {
    try (Connection c = s.db.jdbc()) {
      try (Statement st = c.createStatement()) {
        st.execute("SET session_replication_role = replica");
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE design_assets SET description = ? WHERE id = ?")) {
        ps.setString(1, description);
        ps.setObject(2, id);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
    }
  }
}
