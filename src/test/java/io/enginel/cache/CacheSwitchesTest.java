package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.BulkRows;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configuration that switches caching off or limits it: per resource and operation, entirely, and by the
 * size of what may be stored. Three nodes, one per configuration, each with the same rows.
 */
class CacheSwitchesTest {
  /** Rows of each node: an organization with 40 designs of long descriptions, a BOM, alice a member. */
  record Rows(UUID org, UUID series, UUID design, List<UUID> designs) {}

  static TestServer listsOff;
  static TestServer disabled;
  static TestServer smallValues;
  static TestServer firstAsk;
  static Rows listsOffRows;
  static Rows disabledRows;
  static Rows smallValuesRows;

  @BeforeAll
  static void start() {
    CompletableFuture<SeededServer.Seeded<Rows>> a = CompletableFuture.supplyAsync(() ->
        SeededServer.start(Map.of("cache.resources.designs.list", false, "auth.loginAttemptsPerMinute", 1000), CacheSwitchesTest::seed));
    CompletableFuture<SeededServer.Seeded<Rows>> b = CompletableFuture.supplyAsync(() ->
        SeededServer.start(Map.of("cache.enabled", false, "auth.loginAttemptsPerMinute", 1000), CacheSwitchesTest::seed));
    CompletableFuture<SeededServer.Seeded<Rows>> c = CompletableFuture.supplyAsync(() ->
        SeededServer.start(Map.of("cache.maxValueBytes", 1024, "auth.loginAttemptsPerMinute", 1000), CacheSwitchesTest::seed));
    CompletableFuture<SeededServer.Seeded<Rows>> d = CompletableFuture.supplyAsync(() ->
        SeededServer.start(Map.of("cache.storeRebuiltOnFirstAsk", true, "auth.loginAttemptsPerMinute", 1000), CacheSwitchesTest::seed));
    listsOff = a.join().server();
    listsOffRows = a.join().data();
    disabled = b.join().server();
    disabledRows = b.join().data();
    smallValues = c.join().server();
    smallValuesRows = c.join().data();
    firstAsk = d.join().server();
  }

  @AfterAll
  static void stop() {
    for (TestServer s : new TestServer[] {listsOff, disabled, smallValues, firstAsk}) {
      if (s != null) {
        s.close();
      }
    }
  }

  static Rows seed(Fixtures f) {
    UUID org = f.organization("Switches");
    f.member(org, f.user("alice"), "EDITOR");
    UUID series = f.series(org, "PN-S1");
    List<UUID> designs = BulkRows.designs(f, series, 40);
    UUID root = f.node(designs.get(0), null, "ASM", 1);
    f.node(designs.get(0), root, "BOLT", 8);
    return new Rows(org, series, designs.get(0), designs);
  }

  // ------------------------------------------------------------------ cache.storeRebuiltOnFirstAsk = true

  @Test
  void withRebuiltAnswersStoredOnFirstAskASearchPageIsStoredAtOnce() {
    String token = firstAsk.login("alice");
    String search = "/api/designs/?search=part&page_size=5";
    HttpResult first = firstAsk.get(search, token);
    HttpResult second = firstAsk.get(search, token);

    assertThat(first.json().getLong("count")).isEqualTo(40);
    assertThat(first.header("Cache-Status")).startsWith("enginel; fwd=miss; stored; ttl=");
    assertThat(firstAsk.redisKeys(Tier.DEFAULT, "design:list:*search=part")).hasSize(1);
    assertThat(firstAsk.redisKeys(Tier.DEFAULT, "design:matches:*search=part")).as("built from kept matches").hasSize(1);
    assertThat(second.xCache()).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
  }

  // ------------------------------------------------------------------ cache.resources.designs.list = false

  @Test
  void withDesignListsSwitchedOffEveryDesignListIsAMissAndNothingIsStored() {
    String token = listsOff.login("alice");
    long before = listsOff.queryCount("list:designs");

    List<HttpResult> answers = List.of(listsOff.get("/api/designs/?page_size=5", token),
        listsOff.get("/api/designs/?page_size=5", token), listsOff.get("/api/designs/?page_size=5", token));

    assertThat(answers).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).isEqualTo("MISS");
      assertThat(r.header("ETag")).isEqualTo(answers.get(0).header("ETag"));
    });
    assertThat(listsOff.queryCount("list:designs") - before).isEqualTo(3);
    assertThat(listsOff.redisKeys(Tier.DEFAULT, "design:list:*")).isEmpty();
  }

  @Test
  void withDesignListsSwitchedOffDesignRetrievesStillCache() {
    String token = listsOff.login("alice");
    String path = "/api/designs/" + listsOffRows.design();

    HttpResult first = listsOff.get(path, token);
    HttpResult second = listsOff.get(path, token);

    assertThat(first.xCache()).isEqualTo("MISS");
    assertThat(second.xCache()).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(listsOff.redisExists(Tier.DEFAULT, new CacheKeys(listsOff.prefix()).designDetail(
        listsOffRows.design().toString()))).isTrue();
  }

  @Test
  void withDesignListsSwitchedOffListsOfOtherResourcesStillCache() {
    String token = listsOff.login("alice");

    assertThat(listsOff.get("/api/series/", token).xCache()).isEqualTo("MISS");
    assertThat(listsOff.get("/api/series/", token).xCache()).isEqualTo("HIT");
    assertThat(listsOff.redisKeys(Tier.DEFAULT, "series:list:*")).hasSize(1);
  }

  // ------------------------------------------------------------------ cache.enabled = false

  @Test
  void withTheCacheDisabledEveryReadIsAMissFromTheDatabase() {
    String token = disabled.login("alice");
    String detail = "/api/designs/" + disabledRows.design();
    long listsBefore = disabled.queryCount("list:designs");
    long getsBefore = disabled.queryCount("get:designs");

    List<HttpResult> answers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      answers.add(disabled.get("/api/designs/?page_size=5", token));
      answers.add(disabled.get(detail, token));
      answers.add(disabled.get("/api/organizations/" + disabledRows.org(), token));
    }

    assertThat(answers).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).isEqualTo("MISS");
      assertThat(r.header("ETag")).isNotBlank();
    });
    assertThat(answers.get(3).body()).isEqualTo(answers.get(0).body());
    assertThat(disabled.queryCount("list:designs") - listsBefore).isEqualTo(2);
    assertThat(disabled.queryCount("get:designs") - getsBefore).isEqualTo(2);
  }

  @Test
  void withTheCacheDisabledNoAnswerIsStoredInAnyResponseTier() {
    String token = disabled.login("alice");
    disabled.get("/api/designs/", token);
    disabled.get("/api/designs/" + disabledRows.design(), token);
    HttpResult bom = disabled.get("/api/designs/" + disabledRows.design() + "/bom", token);
    HttpResult bomAgain = disabled.get("/api/designs/" + disabledRows.design() + "/bom", token);
    disabled.get("/api/users/me", token);

    assertThat(bom.status()).isEqualTo(200);
    assertThat(bomAgain.xCache()).isEqualTo("MISS");
    for (Tier tier : List.of(Tier.DEFAULT, Tier.LONGTERM)) {
      // only the invalidation scheme's own bookkeeping (<prefix>:_…) may exist
      assertThat(disabled.redisKeys(tier, "*")).as(tier.id())
          .allMatch(k -> k.startsWith(disabled.prefix() + ":_"));
    }
  }

  @Test
  void withTheCacheDisabledNoLookupIsCounted() {
    String token = disabled.login("alice");
    disabled.get("/api/designs/" + disabledRows.design(), token);

    JsonObject stats = disabled.request(CacheApi.STATS, new JsonObject());

    JsonObject server = stats.getJsonObject("tiers").getJsonObject("default").getJsonObject("server");
    assertThat(server.getLong("hits")).isZero();
    assertThat(server.getJsonObject("resources").containsKey("designs")).isFalse();
  }

  // ------------------------------------------------------------------ cache.maxValueBytes

  @Test
  void answerLargerThanTheMaximumValueIsServedButNotStored() {
    String token = smallValues.login("alice");
    String page = "/api/designs/?ordering=filename&page_size=40";
    JsonObject fillsBefore = smallValues.request(CacheApi.STATS, new JsonObject()).getJsonObject("fills");

    HttpResult first = smallValues.get(page, token);
    HttpResult second = smallValues.get(page, token);

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.results()).hasSize(40);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.xCache()).isEqualTo("MISS");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(smallValues.redisKeys(Tier.DEFAULT, "design:list:*")).isEmpty();
    JsonObject fills = smallValues.request(CacheApi.STATS, new JsonObject()).getJsonObject("fills");
    assertThat(fills.getLong("default.too_large", 0L) - fillsBefore.getLong("default.too_large", 0L)).isEqualTo(2);
  }

  @Test
  void answerUnderTheMaximumValueIsStillStored() {
    String token = smallValues.login("alice");
    String path = "/api/organizations/" + smallValuesRows.org();

    assertThat(smallValues.get(path, token).xCache()).isEqualTo("MISS");
    assertThat(smallValues.get(path, token).xCache()).isEqualTo("HIT");
    String key = new CacheKeys(smallValues.prefix()).orgDetail(smallValuesRows.org().toString());
    assertThat(smallValues.redis(Tier.DEFAULT, "STRLEN", key).toLong()).isPositive().isLessThanOrEqualTo(1024);
  }

  @Test
  void publicSetOfAValueLargerThanTheMaximumStoresNothing() {
    String key = smallValues.prefix() + ":app:blob:big";
    StringBuilder big = new StringBuilder();
    Random random = new Random(3);
    for (int i = 0; i < 4000; i++) {
      big.append((char) ('a' + random.nextInt(26)));
    }

    JsonObject reply = smallValues.request(CacheApi.SET, new JsonObject().put("key", key).put("value", big.toString()));

    assertThat(reply.getBoolean("stored")).isFalse();
    assertThat(reply.getString("reason")).isEqualTo("too_large");
    assertThat(smallValues.redisExists(Tier.DEFAULT, key)).isFalse();
  }
}
