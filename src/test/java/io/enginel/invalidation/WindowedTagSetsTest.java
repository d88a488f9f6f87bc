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

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tag sets are cut into windows of the tier's TTL (docs/invalidation.md, "Tags, not scans"): a fill adds its key to
 * its window's set of each tag and extends the set's TTL to its own; an invalidation drains the sets of every window
 * that began within the longest TTL, and of the next one, and leaves an older window's set to expire. What Redis
 * holds is read directly.
 */
class WindowedTagSetsTest {
  static TestServer s;
  static CacheKeys keys;
  static UUID read;
  static UUID written;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      UUID org = f.organization("Windows Org");
      long aliceId = f.user("alice");
      f.member(org, aliceId, "ADMIN");
      UUID series = f.series(org, "PN-WIN");
      read = f.design(series, "read.stl", "old");
      written = f.design(series, "written.stl", "old");
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void aFillAddsItsKeyToOneWindowsSetOfItsTagWhichExpires() {
    assertThat(s.get("/api/designs/" + read, alice).xCache()).isEqualTo("MISS");
    String entry = keys.designDetail(read.toString());
    assertThat(s.redisExists(Tier.DEFAULT, entry)).isTrue();

    List<String> sets = s.redisKeys(Tier.DEFAULT, "_tag:*:design:" + read);
    assertThat(sets).as("the design's tag sets").hasSize(1);
    assertThat(sets.get(0)).matches(java.util.regex.Pattern.quote(s.prefix() + ":_tag:") + "\\d+:design:" + read);
    String set = s.storedKey(Tier.DEFAULT, sets.get(0));
    assertThat(s.redis(Tier.DEFAULT, "SMEMBERS", set).toString()).contains(entry);
    long ttl = s.redis(Tier.DEFAULT, "TTL", set).toLong();
    long entryTtl = s.redis(Tier.DEFAULT, "TTL", s.storedKey(Tier.DEFAULT, entry)).toLong();
    assertThat(ttl).as("the set outlives the entry it names").isGreaterThanOrEqualTo(entryTtl).isPositive();
  }

  @Test
  void aWriteDrainsTheSetsOfTheLongestTtlBackAndOfTheNextWindowAndLeavesOlderOnesToExpire() {
    assertThat(s.get("/api/designs/" + written, alice).xCache()).isEqualTo("MISS");
    String entry = keys.designDetail(written.toString());
    String set = s.redisKeys(Tier.DEFAULT, "_tag:*:design:" + written).get(0);
    String tagPart = ":design:" + written;
    long window = Long.parseLong(set.substring((s.prefix() + ":_tag:").length(), set.length() - tagPart.length()));
    // keys filled under the same tag in other windows: by this node earlier, or by a node whose clock runs ahead
    long tierTtl = s.config.cache().tierTtlSeconds().get(Tier.DEFAULT);
    long longest = s.config.cache().resources().values().stream().mapToLong(r -> r.ttlSeconds())
        .reduce(tierTtl, Math::max);
    long windowSeconds = Math.max(tierTtl, (longest + 11) / 12);
    long span = longest / windowSeconds; // windows an entry of the longest TTL can outlive (the test config: whole)
    assertThat(span).as("the test's TTLs, %d s windows for entries of up to %d s", windowSeconds, longest).isPositive();
    String before = plant(window - 1, "before");
    String oldestAlive = plant(window - span, "oldest-alive");
    String next = plant(window + 1, "next");
    String older = plant(window - span - 1, "older");

    HttpResult write = s.patch("/api/designs/" + written, alice, new JsonObject().put("description", "new"));
    assertThat(write.status()).as(write.toString()).isEqualTo(200);
    // the windows drained follow the clock: the rest holds when the write ran in the fill's window (all but the
    // test's last tenth of a second in each of its windows of minutes)
    assumeTrue(Math.floorDiv(System.currentTimeMillis(), windowSeconds * 1000) == window, "a window ended meanwhile");

    assertThat(s.redisExists(Tier.DEFAULT, entry)).as("the entry, filled in this window").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, before)).as("a key of the window before").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, oldestAlive)).as("a key of the longest TTL filled that long ago").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, next)).as("a key of the next window").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, older)).as("a key of a window before that: expired in real life").isTrue();
    assertThat(s.redisKeys(Tier.DEFAULT, "_tag:" + (window - span - 1) + tagPart)).as("its set, left to expire")
        .hasSize(1);
    HttpResult reread = s.get("/api/designs/" + written, alice);
    assertThat(reread.xCache()).isEqualTo("MISS");
    assertThat(reread.json().getString("description")).isEqualTo("new");
  }

  /** A key named by the design's tag set of {@code window}, as a fill of that window leaves it. */
  private static String plant(long window, String name) {
    String key = s.prefix() + ":design:planted-" + name + ":detail";
    String set = s.prefix() + ":_tag:" + window + ":design:" + written;
    s.redis(Tier.DEFAULT, "SET", s.storedKey(Tier.DEFAULT, key), "planted", "EX", "3600");
    s.redis(Tier.DEFAULT, "SADD", s.storedKey(Tier.DEFAULT, set), s.storedKey(Tier.DEFAULT, key));
    s.redis(Tier.DEFAULT, "EXPIRE", s.storedKey(Tier.DEFAULT, set), "3600");
    return key;
  }
}
