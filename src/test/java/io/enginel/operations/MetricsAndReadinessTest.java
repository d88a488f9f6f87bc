package io.enginel.operations;

import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /metrics} in the Prometheus text format with Enginel's own series; {@code /health} and {@code /ready}. */
class MetricsAndReadinessTest {
  static TestServer s;
  static UUID design;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      UUID org = f.organization("Ops");
      f.member(org, f.user("alice"), "ADMIN");
      design = f.design(f.series(org, "PN-OPS"), "ops.stl", "ops");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void metricsCountCacheRequestsFillsQueriesAndInvalidationsByLabel() {
    s.get("/api/designs/" + design, alice); // miss
    s.get("/api/designs/" + design, alice); // Redis hit
    s.get("/api/designs/" + design, alice); // near-cache hit
    s.patch("/api/designs/" + design, alice, new io.vertx.core.json.JsonObject().put("description", "changed"));

    HttpResult r = s.get("/metrics", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    String text = r.body().toString();
    assertThat(text).contains("# TYPE enginel_cache_requests_total counter");
    assertThat(text).containsPattern("enginel_cache_requests_total\\{[^}]*resource=\"designs\"[^}]*result=\"hit\"[^}]*} [1-9]");
    assertThat(text).containsPattern("enginel_cache_requests_total\\{[^}]*resource=\"designs\"[^}]*result=\"miss\"[^}]*} [1-9]");
    assertThat(text).containsPattern("enginel_cache_fills_total\\{[^}]*result=\"stored\"");
    assertThat(text).containsPattern("enginel_db_queries_total\\{operation=\"get:designs\"} [1-9]");
    assertThat(text).containsPattern("enginel_invalidations_total\\{source=\"repository\"} [1-9]");
    assertThat(text).contains("enginel_cache_latency_seconds_count");
    assertThat(text).contains("enginel_cache_circuit_state{tier=\"default\"} 0.0");
    assertThat(text).containsPattern("enginel_cache_near_hits_total\\{tier=\"default\"} [1-9]");
    assertThat(text).containsPattern("enginel_cache_near_entries\\{tier=\"default\"} \\d");
  }

  @Test
  void metricsSayWhichConnectionTheHitPathsLookupsWentOn() {
    // the tier's first lookup opens its pipelined connection without waiting for it: it goes to the pool
    assertThat(s.get("/api/designs/?page_size=1", alice).status()).isEqualTo(200);
    io.enginel.support.Waits.until(() -> counter(metrics(), "enginel_cache_lookup_pipe_open", "tier=\"default\"") > 0,
        java.time.Duration.ofSeconds(10), "the default tier's pipelined lookup connection open");
    for (int size = 2; size <= 10; size++) {
      assertThat(s.get("/api/designs/?page_size=" + size, alice).status()).isEqualTo(200);
    }

    String text = metrics();
    assertThat(counter(text, "enginel_cache_lookups_total", "connection=\"pooled\",tier=\"default\"")).isPositive();
    assertThat(counter(text, "enginel_cache_lookups_total", "connection=\"pipelined\",tier=\"default\"")).isPositive();
    assertThat(text).containsPattern("enginel_cache_lookup_pipe_in_flight\\{tier=\"default\"} \\d");
  }

  private static String metrics() {
    return s.get("/metrics", null).body().toString();
  }

  /** The value of one series ({@code labels} as printed, in their order), or -1 when it is not there. */
  private static double counter(String text, String name, String labels) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name + "{" + labels + "}")
        + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void healthAndReadinessSayWhatIsUp() {
    assertThat(s.get("/health", null).status()).isEqualTo(200);
    HttpResult ready = s.get("/ready", null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("ready");
    assertThat(ready.json().getJsonObject("postgres").getString("status")).isEqualTo("up");
    assertThat(ready.json().getJsonObject("redis").getJsonObject("default").getString("status")).isEqualTo("up");
    assertThat(ready.json().getJsonObject("cluster").getBoolean("enabled")).isFalse();
  }

  @Test
  void healthAndReadinessReportEachTiersEvictionPolicyAndWhetherAnswersStayCorrectUnderIt() {
    s.fixtures.user("ops-staff", true);
    String staff = s.login("ops-staff");
    String policy = s.redis(io.enginel.config.Tier.DEFAULT, "CONFIG", "GET", "maxmemory-policy").get("maxmemory-policy").toString();

    for (io.vertx.core.json.JsonObject tiers : java.util.List.of(
        s.get("/api/cache/health", staff).json().getJsonObject("tiers"), s.get("/ready", null).json().getJsonObject("redis"))) {
      for (String tier : java.util.List.of("default", "sessions", "longterm")) {
        io.vertx.core.json.JsonObject eviction = tiers.getJsonObject(tier).getJsonObject("eviction");
        assertThat(eviction.getString("policy")).as(tier).isEqualTo(policy);
        assertThat(eviction.getLong("evicted_keys")).isNotNegative();
        assertThat(eviction.getLong("used_memory")).isPositive();
        assertThat(eviction.getBoolean("safe")).isTrue();
        assertThat(eviction.getString("why")).isNotBlank();
      }
    }
  }
}
