package io.enginel.invalidation;

import io.enginel.cache.Answer;
import io.enginel.cache.CacheKeys;
import io.enginel.config.Tier;
import io.enginel.domain.Resources;
import io.enginel.domain.Tags;
import io.enginel.support.HeldRead;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race the seed's design loses: a miss reads the database, a write commits and invalidates, then the
 * miss stores what it read — the old value — and it is served until its TTL. Here the miss is held between
 * its database read and its fill ({@link HeldRead}: the node's own read, whose loader answers only when the test
 * says), with a real write through the API in between; the fill is refused and the cache ends fresh.
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

  /** A design's detail as a held miss read it, tagged as the API tags a design's detail. */
  static Answer releaseAsRead(HeldRead held, UUID design, String description) {
    return held.releaseDesign(org, series, design, description);
  }

  @Test
  void aMissThatReadBeforeAWriteCannotStoreTheOldValueAfterIt() {
    String key = keys.designDetail(raced.toString());
    HeldRead miss = HeldRead.loading(s, Tier.DEFAULT, key, "designs"); // it has read the database: "old"

    HttpResult write = s.patch("/api/designs/" + raced, alice, new JsonObject().put("description", "new"));
    assertThat(write.status()).isEqualTo(200);

    Answer answered = releaseAsRead(miss, raced, "old");
    assertThat(answered.stored()).as("the old value's fill was refused").isFalse();
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
    HeldRead miss = HeldRead.loading(s, Tier.DEFAULT, key, "designs");

    HttpResult write = s.patch("/api/series/" + series, alice, new JsonObject().put("description", "series changed"));
    assertThat(write.status()).as(write.toString()).isEqualTo(200);

    assertThat(releaseAsRead(miss, raced2, "old").stored()).isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
  }

  @Test
  void aFillWithNoWriteSinceItsLookupIsStoredAndServed() {
    // the control: the same held read, no write in between — so the refusals above are the race, not the holding
    String key = keys.designDetail(control.toString());
    HeldRead miss = HeldRead.loading(s, Tier.DEFAULT, key, "designs");

    assertThat(releaseAsRead(miss, control, "as read").stored()).isTrue();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isTrue();

    HttpResult read = s.get("/api/designs/" + control, alice);
    assertThat(read.xCache()).isEqualTo("HIT");
    assertThat(read.json().getString("read_by")).isEqualTo("the held miss");
  }

  @Test
  void aFillThatLandedBeforeTheWriteIsDeletedByItsInvalidation() {
    String key = keys.designDetail(filledFirst.toString());
    assertThat(releaseAsRead(HeldRead.loading(s, Tier.DEFAULT, key, "designs"), filledFirst, "old").stored()).isTrue();
    List<String> tagSets = s.redisKeys(Tier.DEFAULT, "_tag:*:" + Tags.of(Resources.DESIGNS, filledFirst.toString()));
    assertThat(tagSets).hasSize(1);
    assertThat(s.redis(Tier.DEFAULT, "SMEMBERS", s.storedKey(Tier.DEFAULT, tagSets.get(0))).toString()).contains(key);

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
