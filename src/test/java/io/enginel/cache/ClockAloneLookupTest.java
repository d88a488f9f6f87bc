package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis lookup asks for the tier's clock alone, without the stamps of the entry's tags, when this process found
 * those tags clear at the clock it last saw: the clock counts every invalidation, so an unchanged clock means no
 * stamp moved. When the clock did move — by a write of this process, or by one it never heard of — the stamps are
 * read, and a stamped entry is never served. Near cache off, so every read is a Redis lookup.
 */
class ClockAloneLookupTest {
  static TestServer s;
  static UUID orgA;
  static UUID designA;
  static UUID designB;
  static String alice;
  static String bob;
  static String list;
  static String slowlogThreshold;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("cache.near.enabled", false), f -> {
      orgA = f.organization("Clock A");
      UUID orgB = f.organization("Clock B");
      f.member(orgA, f.user("alice"), "EDITOR");
      f.member(orgB, f.user("bob"), "EDITOR");
      UUID seriesA = f.series(orgA, "PN-CA");
      designA = f.design(seriesA, "clock-a.stl", "first");
      f.design(seriesA, "clock-a2.stl", "second");
      designB = f.design(f.series(orgB, "PN-CB"), "clock-b.stl", "other");
      return null;
    }).server();
    alice = s.login("alice");
    bob = s.login("bob");
    list = "/api/designs/?ordering=filename";
    slowlogThreshold = configValue("slowlog-log-slower-than");
  }

  @AfterAll
  static void stop() {
    try {
      s.redis(Tier.DEFAULT, "CONFIG", "SET", "slowlog-log-slower-than", slowlogThreshold);
    } finally {
      s.close();
    }
  }

  @Test
  void aQuietHitAsksForTheClockAloneAndAWriteElsewhereOnlyAddsTheStamps() {
    cached();
    List<List<String>> quiet = stateReadsOf(() -> assertThat(s.get(list, alice).xCache()).isEqualTo("HIT"));
    assertThat(quiet).as("the clock alone: HMGET <state> i s f").containsExactly(List.of("i", "s", "f", "h"));

    assertThat(s.patch("/api/designs/" + designB + "/", bob, new JsonObject().put("description", "moved"))
        .status()).isEqualTo(200);
    List<List<String>> afterElsewhere = stateReadsOf(() -> {
      HttpResult r = s.get(list, alice);
      assertThat(r.xCache()).as("a write in another organization leaves the page").isEqualTo("HIT");
    });
    assertThat(afterElsewhere).as("the clock moved: the page's stamps are read").hasSize(1);
    assertThat(afterElsewhere.get(0)).startsWith("i", "s", "f", "h").hasSizeGreaterThan(4);

    List<List<String>> quietAgain = stateReadsOf(() -> assertThat(s.get(list, alice).xCache()).isEqualTo("HIT"));
    assertThat(quietAgain).containsExactly(List.of("i", "s", "f", "h"));
  }

  @Test
  void aStampThisProcessNeverHeardOfIsFoundAfterTheClockAloneAndTheEntryIsNotServed() {
    cached();
    Buffered entry = Buffered.of(s.redis(Tier.DEFAULT, "GET", entryKey()));
    String tag = entry.tags().get(0);
    // another node's invalidation of the page's first tag, by the invalidation script, unseen by this one
    String state = s.storedKey(Tier.DEFAULT, s.prefix() + ":_inv");
    s.redis(Tier.DEFAULT, "EVAL", Scripts.INVALIDATE, "1", state, "0", "0", tag);

    List<List<String>> reads = stateReadsOf(() -> {
      HttpResult r = s.get(list, alice);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).as("the stamped entry is refused").isEqualTo("MISS");
    });
    assertThat(reads.get(0)).as("sent with the clock alone").containsExactly("i", "s", "f", "h");
    assertThat(reads.get(1)).as("then the stamps, in a second round trip").startsWith("i", "f").contains("t:" + tag);
  }

  /**
   * Redis went back in time (a restored snapshot, a lagging replica promoted) and other invalidations brought its
   * clock back to the very number this process found the page clear at, one of them stamping the page's tag: the
   * mark of the last invalidation differs, so the stamps are read and the entry is refused.
   */
  @Test
  void theSameClockReachedAgainAfterRedisWentBackIsToldApartByItsMark() {
    cached();
    // the clock moves past the entry's sequence (a write elsewhere), and the page's stamps are found clear at it
    assertThat(s.patch("/api/designs/" + designB + "/", bob, new JsonObject().put("description", "again " + UUID.randomUUID()))
        .status()).isEqualTo(200);
    assertThat(s.get(list, alice).xCache()).isEqualTo("HIT");
    assertThat(stateReadsOf(() -> assertThat(s.get(list, alice).xCache()).isEqualTo("HIT")))
        .containsExactly(List.of("i", "s", "f", "h"));
    String state = s.storedKey(Tier.DEFAULT, s.prefix() + ":_inv");
    String clock = s.redis(Tier.DEFAULT, "HGET", state, "s").toString();
    String tag = Buffered.of(s.redis(Tier.DEFAULT, "GET", entryKey())).tags().get(0);
    // the same sequence, reached by another history that stamped the page's tag (and marked the sequence)
    s.redis(Tier.DEFAULT, "HSET", state, "t:" + tag, clock, "h", "1",
        "m:" + Long.parseLong(clock) % Scripts.MARK_SLOTS, "1");

    List<List<String>> reads = stateReadsOf(() -> assertThat(s.get(list, alice).xCache()).isEqualTo("MISS"));
    assertThat(reads.get(0)).containsExactly("i", "s", "f", "h");
    assertThat(reads.get(1)).contains("t:" + tag);
  }

  @Test
  void aWriteToAPageRowAfterQuietHitsIsReadAtOnce() {
    cached();
    assertThat(s.get(list, alice).xCache()).isEqualTo("HIT");
    String description = "written " + UUID.randomUUID();
    assertThat(s.patch("/api/designs/" + designA + "/", alice, new JsonObject().put("description", description))
        .status()).isEqualTo(200);
    HttpResult after = s.get(list, alice);
    assertThat(after.xCache()).isEqualTo("MISS");
    assertThat(after.results().getJsonObject(0).getString("description")).isEqualTo(description);
  }

  /** The list page cached, and its stamps found clear once (the first hit after a fill reads them). */
  private static void cached() {
    s.get(list, alice);
    s.get(list, alice);
    assertThat(s.get(list, alice).xCache()).isEqualTo("HIT");
  }

  private static String entryKey() {
    List<String> keys = s.redisKeys(Tier.DEFAULT, "design:list:*ordering=filename*");
    assertThat(keys).hasSize(1);
    return s.storedKey(Tier.DEFAULT, keys.get(0));
  }

  /**
   * The fields of every lookup's HMGET of the tier's invalidation state that {@code action} made Redis run, in order
   * (SLOWLOG with every command logged; other tests' servers use other prefixes). The stamp pruner's
   * {@code HMGET <state> i s} of each tier (one a minute, the same key name in each tier's database) is left out.
   */
  private static List<List<String>> stateReadsOf(Runnable action) {
    String state = s.storedKey(Tier.DEFAULT, s.prefix() + ":_inv");
    s.redis(Tier.DEFAULT, "CONFIG", "SET", "slowlog-log-slower-than", "0");
    s.redis(Tier.DEFAULT, "SLOWLOG", "RESET");
    try {
      action.run();
    } finally {
      s.redis(Tier.DEFAULT, "CONFIG", "SET", "slowlog-log-slower-than", slowlogThreshold);
    }
    Response log = s.redis(Tier.DEFAULT, "SLOWLOG", "GET", "1000");
    List<List<String>> reads = new ArrayList<>();
    for (int i = log.size() - 1; i >= 0; i--) { // SLOWLOG lists the newest first
      Response args = log.get(i).get(3);
      if (args.size() >= 2 && args.get(0).toString().equalsIgnoreCase("HMGET")
          && args.get(1).toString().equals(state)) {
        List<String> fields = new ArrayList<>();
        for (int k = 2; k < args.size(); k++) {
          fields.add(args.get(k).toString());
        }
        if (!fields.equals(List.of("i", "s"))) {
          reads.add(fields);
        }
      }
    }
    return reads;
  }

  private static String configValue(String name) {
    Response config = s.redis(Tier.DEFAULT, "CONFIG", "GET", name);
    try {
      return config.get(name).toString(); // RESP3: a map
    } catch (RuntimeException notAMap) {
      return config.get(1).toString(); // RESP2: [name, value]
    }
  }

  /** A stored entry's tags. */
  private record Buffered(List<String> tags) {
    static Buffered of(Response stored) {
      return new Buffered(ResponseEntry.parse(stored.toBuffer()).tags());
    }
  }
}
