package io.enginel.invalidation;

import io.enginel.cache.CacheApi;
import io.enginel.cache.CacheKeys;
import io.enginel.cache.ResponseEntry;
import io.enginel.cache.ValueCodec;
import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race the seed's design loses: a miss reads the database, a write commits and invalidates, then the
 * miss stores what it read — the old value — and it is served until its TTL. Here the miss is held between
 * its database read and its fill by driving the HTTP verticle's own two steps by hand over the event bus
 * ({@code enginel.cache.response.lookup}, then {@code …fill} with the lookup's ticket), with a real write
 * through the API in between; the fill is refused and the cache ends fresh.
 */
class NoStaleFillTest {
  static TestServer s;
  static CacheKeys keys;
  static UUID org;
  static UUID series;
  static UUID raced;
  static UUID raced2;
  static UUID control;
  static UUID filledFirst;
  static UUID viaApi;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      org = f.organization("Race Org");
      long aliceId = f.user("alice");
      f.member(org, aliceId, "ADMIN");
      series = f.series(org, "PN-RACE");
      raced = f.design(series, "raced.stl", "old");
      raced2 = f.design(series, "raced2.stl", "old");
      control = f.design(series, "control.stl", "old");
      filledFirst = f.design(series, "filled-first.stl", "old");
      viaApi = f.design(series, "via-api.stl", "old");
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** Step one of a miss: the entry is absent, the answer carries the tier's clock as the fill's ticket. */
  static String missTicket(String key) {
    JsonObject reply = s.request(CacheApi.RESPONSE_LOOKUP,
        new JsonObject().put("tier", "default").put("key", key).put("resource", "designs"));
    assertThat(reply.getBoolean("miss")).as("a miss of " + key).isTrue();
    assertThat(reply.getBoolean("fillable")).isTrue();
    return reply.getString("ticket");
  }

  /** Step two: store what the miss read, under its ticket, tagged as the HTTP verticle tags a design's detail. */
  static JsonObject fill(String key, String ticket, JsonObject body) {
    String incarnation = ticket.substring(0, ticket.indexOf(':'));
    Buffer entry = ResponseEntry.encode(incarnation, List.of(org.toString()),
        body.encode().getBytes(StandardCharsets.UTF_8), new ValueCodec(1024, 6));
    return s.request(CacheApi.RESPONSE_FILL, new JsonObject().put("tier", "default").put("key", key)
        .put("resource", "designs").put("ttl", 300).put("ticket", ticket)
        .put("tags", new JsonArray(Tags.forDetail("designs", body))).put("entry", entry));
  }

  static JsonObject rowAsRead(UUID design, String description) {
    return new JsonObject().put("id", design.toString()).put("series", series.toString())
        .put("description", description).put("read_by", "the held miss");
  }

  @Test
  void aMissThatReadBeforeAWriteCannotStoreTheOldValueAfterIt() {
    String key = keys.designDetail(raced.toString());
    String ticket = missTicket(key);
    JsonObject oldRow = rowAsRead(raced, "old"); // what the held miss read from the database

    HttpResult write = s.patch("/api/designs/" + raced, alice, new JsonObject().put("description", "new"));
    assertThat(write.status()).isEqualTo(200);

    JsonObject filled = fill(key, ticket, oldRow);
    assertThat(filled.getBoolean("stored")).isFalse();
    assertThat(filled.getString("reason")).isEqualTo("stale");
    assertThat(s.redisExists(Tier.DEFAULT, key)).as("nothing stored for the key").isFalse();

    HttpResult read = s.get("/api/designs/" + raced, alice);
    assertThat(read.xCache()).isEqualTo("MISS");
    assertThat(read.json().getString("description")).isEqualTo("new");
    HttpResult again = s.get("/api/designs/" + raced, alice);
    assertThat(again.xCache()).isEqualTo("HIT");
    assertThat(again.json().getString("description")).isEqualTo("new");
  }

  @Test
  void aWriteToARowTheEntryOnlyNamesIsARaceToo() {
    // the design's detail shows its series' part number: a series write between read and fill also refuses it
    String key = keys.designDetail(raced2.toString());
    String ticket = missTicket(key);

    HttpResult write = s.patch("/api/series/" + series, alice, new JsonObject().put("description", "series changed"));
    assertThat(write.status()).as(write.toString()).isEqualTo(200);

    assertThat(fill(key, ticket, rowAsRead(raced2, "old")).getBoolean("stored")).isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
  }

  @Test
  void aFillWithNoWriteSinceItsLookupIsStoredAndServed() {
    // the control: the same messages, no write in between — so the refusals above are the race, not the message
    String key = keys.designDetail(control.toString());
    String ticket = missTicket(key);

    JsonObject filled = fill(key, ticket, rowAsRead(control, "as read"));
    assertThat(filled.getBoolean("stored")).isTrue();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isTrue();

    HttpResult read = s.get("/api/designs/" + control, alice);
    assertThat(read.xCache()).isEqualTo("HIT");
    assertThat(read.json().getString("read_by")).isEqualTo("the held miss");
  }

  @Test
  void aFillThatLandedBeforeTheWriteIsDeletedByItsInvalidation() {
    String key = keys.designDetail(filledFirst.toString());
    assertThat(fill(key, missTicket(key), rowAsRead(filledFirst, "old")).getBoolean("stored")).isTrue();
    String tagSet = s.prefix() + ":_tag:" + Tags.design(filledFirst.toString());
    assertThat(s.redis(Tier.DEFAULT, "SMEMBERS", tagSet).toString()).contains(key);

    assertThat(s.patch("/api/designs/" + filledFirst, alice, new JsonObject().put("description", "new")).status())
        .isEqualTo(200);

    assertThat(s.redisExists(Tier.DEFAULT, key)).as("the write's invalidation deleted the entry").isFalse();
    HttpResult read = s.get("/api/designs/" + filledFirst, alice);
    assertThat(read.xCache()).isEqualTo("MISS");
    assertThat(read.json().getString("description")).isEqualTo("new");
  }

  @Test
  void theKeyDrivenHereIsTheOneTheApiUses() {
    String key = keys.designDetail(viaApi.toString());
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
    assertThat(s.get("/api/designs/" + viaApi, alice).xCache()).isEqualTo("MISS");
    assertThat(s.redisExists(Tier.DEFAULT, key)).isTrue();
  }
}
