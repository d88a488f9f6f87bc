package io.enginel.invalidation;

import io.enginel.cache.CacheKeys;
import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tag sets are cut into windows of the tier's TTL (docs/invalidation.md, "Tags, not scans"): a fill adds its key to
 * its window's set of each tag and extends the set's TTL to its own, never shortening it; an invalidation drains the
 * sets of every window that began within the longest TTL, and of the next one, and leaves an older window's set to
 * expire. What Redis holds is read directly. The window is the wall clock's, as the server computes it; each test
 * checks that no window ended while it ran (a tenth of a second in windows of minutes) and is skipped if one did.
 */
class WindowedTagSetsTest {
  static TestServer s;
  static CacheKeys keys;
  static UUID read;
  static UUID extended;
  static UUID written;
  static String alice;
  /** The server's windows of the default tier: its TTL, or a twelfth of the longest TTL when that is longer. */
  static long windowSeconds;
  static long longest;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      UUID org = f.organization("Windows Org");
      long aliceId = f.user("alice");
      f.member(org, aliceId, "ADMIN");
      UUID series = f.series(org, "PN-WIN");
      read = f.design(series, "read.stl", "old");
      extended = f.design(series, "extended.stl", "old");
      written = f.design(series, "written.stl", "old");
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
    long tierTtl = s.config.cache().tierTtlSeconds().get(Tier.DEFAULT);
    longest = s.config.cache().resources().values().stream().mapToLong(r -> r.ttlSeconds()).reduce(tierTtl, Math::max);
    windowSeconds = Math.max(tierTtl, (longest + 11) / 12);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void aFillAddsItsKeyToTheSetOfItsWindowAndNeverShortensItsTtl() {
    long window = windowNow();
    String entry = keys.designDetail(read.toString());
    // the set as a fill of a longer-lived entry in this window left it
    String set = s.storedKey(Tier.DEFAULT, tagSet(window, read));
    String longLived = plant(window, read, "long-lived");
    s.redis(Tier.DEFAULT, "EXPIRE", set, String.valueOf(longest + 600));

    assertThat(s.get("/api/designs/" + read, alice).xCache()).isEqualTo("MISS");
    assumeTrue(windowNow() == window, "a window ended meanwhile");

    assertThat(s.redisKeys(Tier.DEFAULT, "_tag:*:design:" + read)).as("the design's tag sets")
        .containsExactly(tagSet(window, read));
    assertThat(s.redis(Tier.DEFAULT, "SMEMBERS", set).toString()).contains(entry, longLived);
    long entryTtl = s.redis(Tier.DEFAULT, "TTL", s.storedKey(Tier.DEFAULT, entry)).toLong();
    assertThat(entryTtl).isPositive();
    assertThat(s.redis(Tier.DEFAULT, "TTL", set).toLong()).as("the set's TTL, which the fill must not shorten")
        .isGreaterThan(longest);
  }

  @Test
  void aFillExtendsItsSetsTtlToItsEntrysWhenTheSetWouldExpireFirst() {
    long window = windowNow();
    UUID design = extended;
    String set = s.storedKey(Tier.DEFAULT, tagSet(window, design));
    plant(window, design, "short-lived");
    s.redis(Tier.DEFAULT, "EXPIRE", set, "5");

    assertThat(s.get("/api/designs/" + design, alice).xCache()).isEqualTo("MISS");
    assumeTrue(windowNow() == window, "a window ended meanwhile");

    long entryTtl = s.redis(Tier.DEFAULT, "TTL", s.storedKey(Tier.DEFAULT, keys.designDetail(design.toString()))).toLong();
    assertThat(entryTtl).as("the entry was filled").isGreaterThan(5);
    assertThat(s.redis(Tier.DEFAULT, "TTL", set).toLong()).as("the set outlives the entry it names")
        .isGreaterThanOrEqualTo(entryTtl);
  }

  @Test
  void aWriteDrainsTheSetsOfTheLongestTtlBackAndOfTheNextWindowAndLeavesOlderOnesToExpire() {
    long window = windowNow();
    long span = longest / windowSeconds; // windows an entry of the longest TTL can outlive (the test config: whole)
    assertThat(span).as("%d s windows for entries of up to %d s", windowSeconds, longest).isPositive();
    UUID design = written;
    assertThat(s.get("/api/designs/" + design, alice).xCache()).isEqualTo("MISS");
    String entry = keys.designDetail(design.toString());
    assertThat(s.redisKeys(Tier.DEFAULT, "_tag:*:design:" + design)).as("the fill's set: its window's")
        .containsExactly(tagSet(window, design));
    // keys filled under the same tag in other windows: by this node earlier, or by a node whose clock runs ahead
    String before = plant(window - 1, design, "before");
    String oldestAlive = plant(window - span, design, "oldest-alive");
    String next = plant(window + 1, design, "next");
    String older = plant(window - span - 1, design, "older");

    HttpResult write = s.patch("/api/designs/" + design, alice, new JsonObject().put("description", "new"));
    assertThat(write.status()).as(write.toString()).isEqualTo(200);
    assumeTrue(windowNow() == window, "a window ended meanwhile");

    assertThat(s.redisExists(Tier.DEFAULT, entry)).as("the entry, filled in this window").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, before)).as("a key of the window before").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, oldestAlive)).as("a key of the longest TTL filled that long ago").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, next)).as("a key of the next window").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, older)).as("a key of a window before that: expired in real life").isTrue();
    assertThat(s.redisKeys(Tier.DEFAULT, "_tag:*:design:" + design)).as("its set, left to expire")
        .containsExactly(tagSet(window - span - 1, design));
    HttpResult reread = s.get("/api/designs/" + design, alice);
    assertThat(reread.xCache()).isEqualTo("MISS");
    assertThat(reread.json().getString("description")).isEqualTo("new");
  }

  /** The window of the wall clock now, numbered as the server numbers it. */
  private static long windowNow() {
    return Math.floorDiv(System.currentTimeMillis(), windowSeconds * 1000);
  }

  private static String tagSet(long window, UUID design) {
    return s.prefix() + ":_tag:" + window + ":design:" + design;
  }

  /** A key named by the design's tag set of {@code window}, as a fill of that window leaves it. */
  private static String plant(long window, UUID design, String name) {
    String key = s.prefix() + ":design:planted-" + name + "-" + design + ":detail";
    String set = s.storedKey(Tier.DEFAULT, tagSet(window, design));
    s.redis(Tier.DEFAULT, "SET", s.storedKey(Tier.DEFAULT, key), "planted", "EX", "3600");
    s.redis(Tier.DEFAULT, "SADD", set, s.storedKey(Tier.DEFAULT, key));
    s.redis(Tier.DEFAULT, "EXPIRE", set, "3600");
    return key;
  }
}
