package io.enginel.invalidation;

import io.enginel.cache.CacheKeys;
import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/cache/invalidate} (staff) and {@code enginel.invalidation.manual}: by keys, by pattern
 * (SCAN + UNLINK), by model, by model and id (the table's rules for that row); what is not named stays. A bad
 * pattern is a 400 and deletes nothing; anyone but staff gets 403.
 */
class ManualInvalidationTest {
  static TestServer s;
  static CacheKeys keys;
  static UUID org;
  static UUID series;
  static UUID d1;
  static UUID d2;
  static String alice;
  static String staff;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      org = f.organization("Manual");
      f.member(org, f.user("alice"), "ADMIN");
      f.user("staff", true);
      series = f.series(org, "PN-MAN");
      d1 = f.design(series, "one.stl", "one");
      d2 = f.design(series, "two.stl", "two");
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
    staff = s.login("staff");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static void cache(String path) {
    s.get(path, alice);
    assertThat(s.get(path, alice).xCache()).as(path).isEqualTo("HIT");
  }

  static HttpResult invalidate(JsonObject body, String token) {
    return s.post("/api/cache/invalidate", token, body);
  }

  @Test
  void byKeysDeletesExactlyThoseKeys() {
    cache("/api/designs/" + d1);
    cache("/api/designs/" + d2);
    HttpResult r = invalidate(new JsonObject().put("keys", new JsonArray().add(keys.designDetail(d1.toString()))), staff);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().getLong("deleted")).isEqualTo(1);
    assertThat(s.get("/api/designs/" + d1, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/designs/" + d2, alice).xCache()).isEqualTo("HIT");
  }

  @Test
  void byPatternDeletesWhatMatchesAndLeavesTheRest() {
    cache("/api/designs/" + d1);
    cache("/api/series/" + series);
    HttpResult r = invalidate(new JsonObject().put("pattern", s.prefix() + ":design:*"), staff);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().getLong("deleted")).isPositive();
    assertThat(s.redisKeys(Tier.DEFAULT, "design:*")).isEmpty();
    assertThat(s.get("/api/designs/" + d1, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/series/" + series, alice).xCache()).isEqualTo("HIT");
  }

  @Test
  void byModelAndIdAppliesTheTablesRulesForThatRow() {
    cache("/api/designs/" + d1);
    cache("/api/designs/?ordering=filename");
    cache("/api/organizations/" + org);
    HttpResult r = invalidate(new JsonObject().put("model", "DesignAsset").put("id", d1.toString()), staff);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(s.get("/api/designs/" + d1, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/designs/?ordering=filename", alice).xCache()).as("the org's design lists").isEqualTo("MISS");
    assertThat(s.get("/api/organizations/" + org, alice).xCache()).as("not a rule of DesignAsset").isEqualTo("HIT");
  }

  @Test
  void byModelDeletesEveryEntryOfThatModel() {
    cache("/api/designs/" + d1);
    cache("/api/designs/" + d2);
    cache("/api/organizations/" + org);
    HttpResult r = invalidate(new JsonObject().put("model", "DesignAsset"), staff);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(s.get("/api/designs/" + d1, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/designs/" + d2, alice).xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/organizations/" + org, alice).xCache()).isEqualTo("HIT");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "PREFIX:*", "PREFIX:d*", "other:design:*", "PREFIX:_tag:*", ""})
  void aPatternThatCouldFlushTooMuchIsA400AndDeletesNothing(String raw) {
    cache("/api/designs/" + d2);
    HttpResult r = invalidate(new JsonObject().put("pattern", raw.replace("PREFIX", s.prefix())), staff);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().getString("error")).isNotBlank();
    assertThat(s.get("/api/designs/" + d2, alice).xCache()).isEqualTo("HIT");
    assertThat(s.redisExists(Tier.DEFAULT, keys.designDetail(d2.toString()))).isTrue();
  }

  @Test
  void anUnknownModelOrAnEmptyBodyIsA400() {
    assertThat(invalidate(new JsonObject().put("model", "Spaceship"), staff).status()).isEqualTo(400);
    assertThat(invalidate(new JsonObject(), staff).status()).isEqualTo(400);
    assertThat(invalidate(new JsonObject().put("keys", new JsonArray()), staff).status()).isEqualTo(400);
  }

  @Test
  void onlyStaffMayInvalidate() {
    cache("/api/designs/" + d2);
    HttpResult r = invalidate(new JsonObject().put("keys", new JsonArray().add(keys.designDetail(d2.toString()))), alice);
    assertThat(r.status()).isEqualTo(403);
    assertThat(s.get("/api/designs/" + d2, alice).xCache()).isEqualTo("HIT");
    assertThat(invalidate(new JsonObject().put("model", "DesignAsset"), null).status()).isEqualTo(401);
  }

  @Test
  void theSameThroughTheEventBusSignedWithAStaffUsersSession() {
    cache("/api/designs/" + d2);
    String manual = InvalidationApi.MANUAL;
    JsonObject what = new JsonObject().put("keys", new JsonArray().add(keys.designDetail(d2.toString())));

    assertThat(s.requestFailure(manual, what, null).failureCode()).as("unsigned").isEqualTo(401);
    assertThat(s.requestFailure(manual, what, "Bearer " + staff).failureCode()).as("a bearer token is never taken on the bus")
        .isEqualTo(401);
    assertThat(s.requestFailure(manual, what, TestServer.signature(alice, manual, what)).failureCode()).as("not staff")
        .isEqualTo(403);
    assertThat(s.requestFailure(manual, what, TestServer.signature(staff, manual, new JsonObject().put("model", "User")))
        .failureCode()).as("signed for another body").isEqualTo(401);
    assertThat(s.requestFailure(manual, what, TestServer.signature(staff, io.enginel.cache.CacheApi.WARM, what))
        .failureCode()).as("signed for another address").isEqualTo(401);
    String old = io.enginel.domain.BusSignatures.header(staff, manual, what, System.currentTimeMillis() - 61_000);
    assertThat(s.requestFailure(manual, what, old).failureCode()).as("signed more than a minute ago").isEqualTo(401);
    assertThat(s.get("/api/designs/" + d2, alice).xCache()).isEqualTo("HIT");

    JsonObject done = s.requestAs(manual, what, staff);

    assertThat(done.getLong("deleted")).isEqualTo(1);
    assertThat(s.get("/api/designs/" + d2, alice).xCache()).isEqualTo("MISS");
  }
}
