package io.enginel.jobs;

import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
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

/** Warming an organization makes any member's next request for its detail, storage and recent designs a HIT. */
class CacheWarmingTest {
  static TestServer s;
  static UUID org;
  static List<UUID> designs = new ArrayList<>();
  static String staff;
  static String member;
  static String outsider;

  @BeforeAll
  static void start() {
    s = TestServer.start();
    org = s.fixtures.organization("Warm");
    UUID other = s.fixtures.organization("Cold");
    s.fixtures.user("warmstaff", true);
    s.fixtures.member(org, s.fixtures.user("warmmember"), "VIEWER");
    s.fixtures.member(other, s.fixtures.user("warmoutsider"), "ADMIN");
    UUID series = s.fixtures.series(org, "PN-W");
    for (int i = 0; i < 25; i++) {
      designs.add(s.fixtures.design(series, "w" + i + ".step", "warm " + i));
    }
    staff = s.login("warmstaff");
    member = s.login("warmmember");
    outsider = s.login("warmoutsider");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void warmingMakesTheMembersFirstRequestsHits() {
    HttpResult r = s.post("/api/cache/warm/organizations/" + org, staff, null);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonObject report = r.json();
    assertThat(report.getString("detail")).isIn("stored", "present");
    assertThat(report.getJsonObject("designs").size()).isEqualTo(20);

    assertThat(s.get("/api/organizations/" + org, member).xCache()).isEqualTo("HIT");
    assertThat(s.get("/api/organizations/" + org + "/storage", member).xCache()).isEqualTo("HIT");
    // the 20 most recent: the last 20 created
    for (UUID d : designs.subList(5, 25)) {
      assertThat(s.get("/api/designs/" + d, member).xCache()).as("design %s", d).isEqualTo("HIT");
    }
    assertThat(s.get("/api/designs/" + designs.get(0), member).xCache()).isEqualTo("MISS");
  }

  @Test
  void warmedEntriesAreStillCheckedForVisibility() {
    s.post("/api/cache/warm/organizations/" + org, staff, null);
    assertThat(s.get("/api/organizations/" + org, outsider).status()).isEqualTo(404);
    assertThat(s.get("/api/designs/" + designs.get(24), outsider).status()).isEqualTo(404);
  }

  @Test
  void onlyStaffMayWarmAndAnUnknownOrganizationIs404() {
    assertThat(s.post("/api/cache/warm/organizations/" + org, member, null).status()).isEqualTo(403);
    assertThat(s.post("/api/cache/warm/organizations/" + UUID.randomUUID(), staff, null).status()).isEqualTo(404);
  }

  @Test
  void organizationsListedInTheConfigurationAreWarmedAtStartUp() {
    try (TestServer warmed = TestServer.startAlongside(s, s.config.with("http.port", TestServer.freePort())
        .with("cache.keyPrefix", "ew" + UUID.randomUUID().toString().substring(0, 8))
        .with("cache.warmOrganizations", new io.vertx.core.json.JsonArray().add(org.toString())))) {
      String key = warmed.server.cache().keys().orgDetail(org.toString());
      Waits.until(() -> warmed.redisExists(io.enginel.config.Tier.DEFAULT, key), Duration.ofSeconds(10),
          "the organization warmed at start-up");
      assertThat(warmed.get("/api/organizations/" + org, warmed.login("warmmember")).xCache()).isEqualTo("HIT");
    }
  }
}
