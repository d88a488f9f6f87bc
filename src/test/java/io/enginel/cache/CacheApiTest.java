package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The event-bus API of the cache ({@link CacheApi}): the seed's CacheManager (get, set, delete, delete_pattern,
 * get_or_set) and TTLs on the keys of other services ({@code <prefix>:app:}), as any member of the cluster uses
 * them; Enginel's own answers through the node-local addresses; statistics and health.
 */
class CacheApiTest {
  static TestServer s;
  static UUID org;
  static String prefix;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      org = f.organization("Api Org");
      f.member(org, f.user("alice"), "EDITOR");
      return null;
    }).server();
    prefix = s.prefix();
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  // ------------------------------------------------------------------ set / get

  @Test
  void objectValueRoundTrips() {
    JsonObject value = new JsonObject().put("id", 42).put("name", "bracket").put("tags", new JsonArray().add("a"))
        .put("nested", new JsonObject().put("ok", true).putNull("nothing"));

    assertThat(roundTrip("obj", value)).isEqualTo(value);
  }

  @Test
  void arrayValueRoundTrips() {
    JsonArray value = new JsonArray().add(1).add("two").add(new JsonObject().put("three", 3.5)).add(false);

    assertThat(roundTrip("arr", value)).isEqualTo(value);
  }

  @Test
  void stringValueRoundTrips() {
    assertThat(roundTrip("str", "an aluminium bracket — rev. B")).isEqualTo("an aluminium bracket — rev. B");
  }

  @Test
  void numberValuesRoundTrip() {
    assertThat(((Number) roundTrip("int", 12345)).longValue()).isEqualTo(12345L);
    assertThat(((Number) roundTrip("long", 9_007_199_254_740_993L)).longValue()).isEqualTo(9_007_199_254_740_993L);
    assertThat(((Number) roundTrip("double", 2.75)).doubleValue()).isEqualTo(2.75);
  }

  @Test
  void setAnswersWhatWasStored() {
    JsonObject reply = s.request(CacheApi.SET, new JsonObject().put("key", prefix + ":app:small").put("value", "x"));

    assertThat(reply.getBoolean("stored")).isTrue();
    assertThat(reply.getInteger("bytes")).isEqualTo(4); // marker + "x" in quotes
    assertThat(reply.getBoolean("compressed")).isFalse();
    assertThat(s.redis(Tier.DEFAULT, "GET", prefix + ":app:small").toBuffer().getByte(0)).isEqualTo(ValueCodec.RAW);
  }

  @Test
  void largeValueIsStoredCompressedAndReadBackWhole() {
    JsonArray rows = new JsonArray();
    for (int i = 0; i < 300; i++) {
      rows.add(new JsonObject().put("id", i).put("upload_status", "COMPLETED").put("file_format", "step"));
    }
    String key = prefix + ":app:large";

    JsonObject reply = s.request(CacheApi.SET, new JsonObject().put("key", key).put("value", rows));

    assertThat(reply.getBoolean("compressed")).isTrue();
    assertThat(reply.getInteger("bytes")).isLessThan(rows.encode().length());
    assertThat(s.redis(Tier.DEFAULT, "GET", key).toBuffer().getByte(0)).isEqualTo(ValueCodec.ZLIB);
    assertThat(get(key).getJsonArray("value")).isEqualTo(rows);
  }

  @Test
  void getOfAnAbsentKeyIsAMiss() {
    JsonObject reply = get(prefix + ":app:never-set");

    assertThat(reply.getBoolean("hit")).isFalse();
    assertThat(reply.containsKey("value")).isTrue();
    assertThat(reply.getValue("value")).isNull();
  }

  @Test
  void valueLivesInTheTierItWasSetIn() {
    String key = prefix + ":app:tiered";
    s.request(CacheApi.SET, new JsonObject().put("tier", "longterm").put("key", key).put("value", "long"));

    assertThat(s.redisExists(Tier.LONGTERM, key)).isTrue();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
    assertThat(s.request(CacheApi.GET, new JsonObject().put("tier", "longterm").put("key", key)).getString("value"))
        .isEqualTo("long");
    assertThat(get(key).getBoolean("hit")).isFalse();
  }

  @Test
  void enginelsOwnCodeReadsACachedResponseAsItsJsonBodyEtagAndOwners() {
    String token = s.login("alice");
    HttpResult http = s.get("/api/organizations/" + org, token);

    JsonObject reply = s.request(CacheApi.OWN_GET, new JsonObject().put("key", new CacheKeys(prefix).orgDetail(org.toString())));

    assertThat(reply.getBoolean("hit")).isTrue();
    assertThat(reply.getJsonObject("value")).isEqualTo(http.json());
    assertThat(reply.getString("etag")).isEqualTo(http.header("ETag"));
    assertThat(reply.getJsonArray("owners")).containsExactly(org.toString());
  }

  @Test
  void thePublicInterfaceCannotReadOrWriteACachedResponse() {
    String token = s.login("alice");
    String key = new CacheKeys(prefix).orgDetail(org.toString());
    s.get("/api/organizations/" + org, token);
    String stored = s.redis(Tier.DEFAULT, "GET", key).toString();

    for (String address : List.of(CacheApi.GET, CacheApi.TTL, CacheApi.DELETE, CacheApi.SET)) {
      JsonObject body = address.equals(CacheApi.DELETE) ? new JsonObject().put("keys", new JsonArray().add(key))
          : new JsonObject().put("key", key).put("value", "forged");
      ReplyException e = failure(address, body);
      assertThat(e.failureCode()).as(address).isEqualTo(403);
      assertThat(new JsonObject(e.getMessage()).getString("error")).isEqualTo("forbidden_key");
    }
    assertThat(failure(CacheApi.DELETE_PATTERN, new JsonObject().put("pattern", prefix + ":org:*")).failureCode())
        .isEqualTo(403);

    assertThat(s.redis(Tier.DEFAULT, "GET", key).toString()).as("the entry is untouched").isEqualTo(stored);
    assertThat(s.get("/api/organizations/" + org, token).xCache()).isEqualTo("HIT");
  }

  @ParameterizedTest
  @ValueSource(strings = {":_clock", ":_tag:design:1", ":_memory:epoch", ":session:abc", ":design:1:detail:lease"})
  void thePublicInterfaceCannotTouchTheInvalidationSchemeSessionsOrLeases(String suffix) {
    ReplyException e = failure(CacheApi.SET, new JsonObject().put("key", prefix + suffix).put("value", 1));

    assertThat(e.failureCode()).isEqualTo(403);
  }

  @ParameterizedTest
  @ValueSource(strings = {"other:app:x", "app:x", ":app:with space", ":app:line\nbreak"})
  void setOfAKeyThatIsNotOneIsRefusedWith400(String key) {
    String full = key.startsWith(":") ? prefix + key : key;

    ReplyException e = failure(CacheApi.SET, new JsonObject().put("key", full).put("value", 1));

    assertThat(e.failureCode()).isEqualTo(400);
    assertThat(new JsonObject(e.getMessage()).getString("error")).isNotBlank();
  }

  @Test
  void unknownTierIsRefusedWith400() {
    ReplyException e = failure(CacheApi.GET, new JsonObject().put("tier", "hot").put("key", prefix + ":app:x"));

    assertThat(e.failureCode()).isEqualTo(400);
  }

  // ------------------------------------------------------------------ ttl

  @Test
  void valueSetWithoutTtlLivesForTheTierDefault() {
    s.request(CacheApi.SET, new JsonObject().put("key", prefix + ":app:ttl-default").put("value", 1));
    s.request(CacheApi.SET, new JsonObject().put("tier", "sessions").put("key", prefix + ":app:ttl-sessions")
        .put("value", 1));
    s.request(CacheApi.SET, new JsonObject().put("tier", "longterm").put("key", prefix + ":app:ttl-longterm")
        .put("value", 1));

    assertThat(ttl("default", prefix + ":app:ttl-default")).isBetween(295L, 300L);
    assertThat(ttl("sessions", prefix + ":app:ttl-sessions")).isBetween(86395L, 86400L);
    assertThat(ttl("longterm", prefix + ":app:ttl-longterm")).isBetween(3595L, 3600L);
  }

  @Test
  void valueSetWithATtlLivesForThatTtl() {
    String key = prefix + ":app:ttl-given";
    s.request(CacheApi.SET, new JsonObject().put("key", key).put("value", 1).put("ttl", 120));

    assertThat(ttl("default", key)).isBetween(115L, 120L);
    assertThat(s.redis(Tier.DEFAULT, "TTL", key).toLong()).isBetween(115L, 120L);
  }

  @Test
  void ttlOfAnAbsentKeyIsMinusTwoAndOfAKeyWithoutExpiryMinusOne() {
    String persistent = prefix + ":app:persistent";
    s.redis(Tier.DEFAULT, "SET", persistent, "x");

    assertThat(ttl("default", prefix + ":app:absent")).isEqualTo(-2L);
    assertThat(ttl("default", persistent)).isEqualTo(-1L);
  }

  @Test
  void ttlBelowOneSecondIsRefused() {
    ReplyException e = failure(CacheApi.SET, new JsonObject().put("key", prefix + ":app:zero").put("value", 1)
        .put("ttl", 0));

    assertThat(e.failureCode()).isEqualTo(400);
    assertThat(s.redisExists(Tier.DEFAULT, prefix + ":app:zero")).isFalse();
  }

  // ------------------------------------------------------------------ delete, delete-pattern

  @Test
  void deleteRemovesTheGivenKeysAndCountsThem() {
    for (String k : List.of("d1", "d2", "d3")) {
      s.request(CacheApi.SET, new JsonObject().put("key", prefix + ":app:del:" + k).put("value", k));
    }

    JsonObject reply = s.request(CacheApi.DELETE, new JsonObject().put("keys",
        new JsonArray().add(prefix + ":app:del:d1").add(prefix + ":app:del:d2").add(prefix + ":app:del:absent")));

    assertThat(reply.getLong("deleted")).isEqualTo(2);
    assertThat(s.redisExists(Tier.DEFAULT, prefix + ":app:del:d1")).isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, prefix + ":app:del:d2")).isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, prefix + ":app:del:d3")).isTrue();
  }

  @Test
  void deletePatternDeletesEveryMatchingKeyAndNoOther() {
    // more keys than one SCAN batch, so that the cursor has to be followed
    List<Object> mset = new ArrayList<>(List.of("MSET"));
    for (int i = 0; i < 1500; i++) {
      mset.add(prefix + ":app:pat:a:" + i);
      mset.add("v");
    }
    s.redis(Tier.DEFAULT, mset.toArray());
    List<String> survivors = List.of(prefix + ":app:pat:b:1", prefix + ":app:pat:ab", prefix + ":app:pat:a",
        prefix + "x:app:pat:a:1");
    survivors.forEach(k -> s.redis(Tier.DEFAULT, "SET", k, "v", "EX", "60"));
    s.redis(Tier.LONGTERM, "SET", prefix + ":app:pat:a:1", "v", "EX", "60");

    JsonObject reply = s.request(CacheApi.DELETE_PATTERN, new JsonObject().put("pattern", prefix + ":app:pat:a:*"));

    assertThat(reply.getLong("deleted")).isEqualTo(1500);
    assertThat(s.redisKeys(Tier.DEFAULT, "app:pat:a:*")).isEmpty();
    assertThat(survivors).allMatch(k -> s.redisExists(Tier.DEFAULT, k));
    assertThat(s.redisExists(Tier.LONGTERM, prefix + ":app:pat:a:1")).as("another tier is not touched").isTrue();
    s.redis(Tier.DEFAULT, "DEL", prefix + "x:app:pat:a:1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "{p}:*", "{p}:app:*", "{p}:app:d*", "other:app:x:*", "{p}:app:x:* x", ""})
  void deletePatternWithABadPatternOrOneOutsideTheNamespaceFailsAndDeletesNothing(String template) {
    String pattern = template.replace("{p}", prefix);
    String bystander = prefix + ":app:design:bystander";
    s.redis(Tier.DEFAULT, "SET", bystander, "v", "EX", "60");

    ReplyException e = failure(CacheApi.DELETE_PATTERN, new JsonObject().put("pattern", pattern));

    assertThat(e.failureCode()).as("400 malformed, 403 outside <prefix>:app:").isIn(400, 403);
    assertThat(new JsonObject(e.getMessage()).getJsonObject("details").getString("field")).isEqualTo("pattern");
    assertThat(s.redisExists(Tier.DEFAULT, bystander)).isTrue();
    assertThat(s.redisExists(Tier.DEFAULT, prefix + ":_inv")).isTrue();
  }

  // ------------------------------------------------------------------ get-or-compute

  @Test
  void getOrComputeAsksTheLoaderOnceForConcurrentCallersThenServesFromCache() {
    String address = "test.loader." + UUID.randomUUID();
    AtomicInteger calls = new AtomicInteger();
    MessageConsumer<JsonObject> loader = s.vertx.eventBus().consumer(address, msg -> {
      int n = calls.incrementAndGet();
      // answers a little later, as a real computation would: every caller arrives while it runs
      s.vertx.setTimer(300, t -> msg.reply(new JsonObject().put("computed", n).put("input", msg.body())));
    });
    TestServer.await(loader.completion());
    String key = prefix + ":app:computed";
    JsonObject ask = new JsonObject().put("key", key).put("ttl", 77)
        .put("loader", new JsonObject().put("address", address).put("body", new JsonObject().put("design", "d1")));
    JsonObject computeBefore = computeStats();
    try {
      List<Future<JsonObject>> callers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        callers.add(s.vertx.eventBus().<JsonObject>request(CacheApi.GET_OR_COMPUTE, ask).map(m -> m.body()));
      }
      TestServer.await(Future.all(callers));
      JsonObject later = s.request(CacheApi.GET_OR_COMPUTE, ask);

      JsonObject expected = new JsonObject().put("computed", 1).put("input", new JsonObject().put("design", "d1"));
      assertThat(calls).hasValue(1);
      assertThat(callers).allSatisfy(f -> {
        assertThat(f.result().getBoolean("hit")).isFalse();
        assertThat(f.result().getJsonObject("value")).isEqualTo(expected);
      });
      assertThat(later.getBoolean("hit")).isTrue();
      assertThat(later.getJsonObject("value")).isEqualTo(expected);
      assertThat(ttl("default", key)).isBetween(72L, 77L);
      JsonObject computeAfter = computeStats();
      assertThat(computeAfter.getLong("misses") - computeBefore.getLong("misses")).isEqualTo(20);
      assertThat(computeAfter.getLong("hits") - computeBefore.getLong("hits")).isEqualTo(1);
    } finally {
      TestServer.await(loader.unregister());
    }
  }

  @Test
  void getOrComputeDoesNotStoreAFailedComputation() {
    String address = "test.failing-loader." + UUID.randomUUID();
    AtomicInteger calls = new AtomicInteger();
    MessageConsumer<JsonObject> loader = s.vertx.eventBus().consumer(address, msg -> {
      if (calls.incrementAndGet() == 1) {
        msg.fail(500, "the computation failed");
      } else {
        msg.reply(new JsonObject().put("second", true));
      }
    });
    TestServer.await(loader.completion());
    String key = prefix + ":app:failing";
    JsonObject ask = new JsonObject().put("key", key).put("loader", new JsonObject().put("address", address));
    try {
      ReplyException failed = failure(CacheApi.GET_OR_COMPUTE, ask);
      assertThat(failed.getMessage()).contains("the computation failed");
      assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();

      JsonObject retry = s.request(CacheApi.GET_OR_COMPUTE, ask);

      assertThat(calls).hasValue(2);
      assertThat(retry.getJsonObject("value")).isEqualTo(new JsonObject().put("second", true));
    } finally {
      TestServer.await(loader.unregister());
    }
  }

  @Test
  void getOrComputeWithoutALoaderAddressIsRefusedWith400() {
    ReplyException e = failure(CacheApi.GET_OR_COMPUTE, new JsonObject().put("key", prefix + ":app:noloader"));

    assertThat(e.failureCode()).isEqualTo(400);
  }

  @Test
  void getOrComputeNeverAsksOneOfEnginelsOwnAddressesToLoad() {
    // the node would answer its own repository: a foreign caller could have it store a password hash in its keys
    String key = prefix + ":app:stolen";
    ReplyException e = failure(CacheApi.GET_OR_COMPUTE, new JsonObject().put("key", key).put("loader",
        new JsonObject().put("address", io.enginel.repository.RepositoryApi.CREDENTIALS)
            .put("body", new JsonObject().put("username", "alice"))));

    assertThat(e.failureCode()).isEqualTo(400);
    assertThat(new JsonObject(e.getMessage()).getJsonObject("details").getString("field")).isEqualTo("loader");
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
  }

  // ------------------------------------------------------------------ stats, health

  @Test
  void statsDescribeEveryTier() {
    JsonObject stats = s.request(CacheApi.STATS, new JsonObject());

    assertThat(stats.getString("key_prefix")).isEqualTo(prefix);
    assertThat(stats.getJsonObject("compression").fieldNames()).contains("values_compressed", "bytes_saved");
    assertThat(stats.getJsonObject("fills")).isNotNull();
    assertThat(stats.getJsonObject("invalidations")).isNotNull();
    assertThat(stats.getLong("single_flight_joins")).isNotNegative();
    JsonObject tiers = stats.getJsonObject("tiers");
    assertThat(tiers.fieldNames()).containsExactlyInAnyOrder("default", "sessions", "longterm");
    for (String tier : tiers.fieldNames()) {
      JsonObject t = tiers.getJsonObject(tier);
      assertThat(t.getBoolean("connected")).as(tier).isTrue();
      assertThat(t.getString("circuit")).isEqualTo("closed");
      JsonObject redis = t.getJsonObject("redis");
      assertThat(redis.fieldNames()).contains("keyspace_hits", "keyspace_misses", "hit_rate", "used_memory_human",
          "evicted_keys", "expired_keys", "connected_clients", "instantaneous_ops_per_sec", "key_count",
          "total_commands_processed");
      assertThat(redis.getString("used_memory_human")).matches("\\d+(\\.\\d+)?[BKMGT]");
      assertThat(redis.getLong("connected_clients")).isPositive();
      assertThat(redis.getLong("key_count")).isPositive();
      JsonObject server = t.getJsonObject("server");
      assertThat(server.fieldNames()).contains("hits", "misses", "errors", "skipped", "hit_rate", "resources");
    }
  }

  @Test
  void healthReportsEveryTierUpWithItsLatency() {
    JsonObject health = s.request(CacheApi.HEALTH, new JsonObject());

    assertThat(health.getString("status")).isEqualTo("up");
    JsonObject tiers = health.getJsonObject("tiers");
    assertThat(tiers.fieldNames()).containsExactlyInAnyOrder("default", "sessions", "longterm");
    for (String tier : tiers.fieldNames()) {
      JsonObject t = tiers.getJsonObject(tier);
      assertThat(t.getString("status")).as(tier).isEqualTo("up");
      assertThat(t.getValue("latency_ms")).isInstanceOf(Number.class);
      assertThat(t.getDouble("latency_ms")).isNotNegative().isLessThan(5_000.0);
      assertThat(t.getString("circuit")).isEqualTo("closed");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Object roundTrip(String name, Object value) {
    String key = prefix + ":app:roundtrip:" + name;
    JsonObject stored = s.request(CacheApi.SET, new JsonObject().put("key", key).put("value", value));
    assertThat(stored.getBoolean("stored")).isTrue();
    JsonObject reply = get(key);
    assertThat(reply.getBoolean("hit")).isTrue();
    assertThat(reply.getString("key")).isEqualTo(key);
    return reply.getValue("value");
  }

  private static JsonObject get(String key) {
    return s.request(CacheApi.GET, new JsonObject().put("key", key));
  }

  private static long ttl(String tier, String key) {
    return s.request(CacheApi.TTL, new JsonObject().put("tier", tier).put("key", key)).getLong("ttl");
  }

  private static JsonObject computeStats() {
    JsonObject resources = s.request(CacheApi.STATS, new JsonObject()).getJsonObject("tiers").getJsonObject("default")
        .getJsonObject("server").getJsonObject("resources");
    return resources.getJsonObject("compute", new JsonObject().put("hits", 0L).put("misses", 0L));
  }

  /** The reply failure of a request that must fail. */
  private static ReplyException failure(String address, JsonObject body) {
    Throwable cause = TestServer.await(s.vertx.eventBus().request(address, body)
        .transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)));
    assertThat(cause).as("the request to " + address + " must fail").isInstanceOf(ReplyException.class);
    return (ReplyException) cause;
  }
}
