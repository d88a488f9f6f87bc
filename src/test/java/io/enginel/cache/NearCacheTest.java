package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.support.FakeClock;
import io.enginel.support.FakeTicker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The near cache of a response tier: it keeps what a lookup read from Redis, drops it by the same tags, keys,
 * patterns and incarnations as Redis (through the same path as an invalidation, {@link NearEvictions#evictHere}),
 * and never takes in a copy read before an invalidation that reached it. Time is a {@link FakeTicker}.
 */
class NearCacheTest {
  private final ValueCodec codec = new ValueCodec(1024, 6);
  private final FakeTicker ticker = new FakeTicker();
  private final EvictionStamps stamps = new EvictionStamps(ticker);
  private final NearCache near = new NearCache(1 << 20, Duration.ofSeconds(60), stamps, ticker);
  private final Map<Tier, TierGuard> guards = Map.of(Tier.DEFAULT, new TierGuard(Tier.DEFAULT,
      new PendingInvalidations(100), stamps, near, new TagMemo(1 << 20),
      new TagSetWindows(300, 3600, new FakeClock()), () -> { }));

  private ResponseEntry entry(String body, String... tags) {
    return ResponseEntry.parse(ResponseEntry.encode(new Clock(1, 1), Long.MAX_VALUE, List.of("org-1"), List.of(tags),
        body.getBytes(), codec));
  }

  private long now() {
    return ticker.read();
  }

  private void invalidateTags(String... tags) {
    NearEvictions.evictHere(guards, NearEvictions.tags(Tier.DEFAULT, List.of(tags)));
  }

  private void invalidate(JsonObject what) {
    NearEvictions.evictHere(guards, what);
  }

  @Test
  void keepsACopyOfWhatALookupReadAndCarriesItsTagsInTheEntry() {
    ResponseEntry read = entry("{\"id\":\"d1\"}", "design:d1", "series:s1");

    ResponseEntry kept = near.put("enginel:design:d1:detail", read, now(), 0);

    assertThat(kept).isNotNull();
    assertThat(near.get("enginel:design:d1:detail")).isSameAs(kept);
    assertThat(kept.tags()).containsExactly("design:d1", "series:s1");
    assertThat(kept.body().toString()).isEqualTo("{\"id\":\"d1\"}");
    assertThat(kept.etag()).isEqualTo(read.etag());
  }

  @Test
  void aCompressedEntryIsInflatedOnceAndServedFromTheKeptBody() {
    JsonArray results = new JsonArray();
    for (int i = 0; i < 200; i++) {
      results.add(new JsonObject().put("id", i).put("upload_status", "COMPLETED"));
    }
    String body = new JsonObject().put("results", results).encode();
    ResponseEntry read = entry(body, "org:o1:designs");
    assertThat(read.compressed()).isTrue();

    ResponseEntry kept = near.put("enginel:design:list:x", read, now(), 0);

    assertThat(kept.body()).isSameAs(kept.body());
    assertThat(kept.body().toString()).isEqualTo(body);
    assertThat(kept.storedBody().getBytes()).isEqualTo(read.storedBody().getBytes());
  }

  @Test
  void anInvalidatedTagDropsEveryCopyFilledUnderItAndNoOther() {
    long start = now();
    near.put("a", entry("{}", "design:d1", "series:s1"), start, 0);
    near.put("b", entry("{}", "series:s1"), start, 0);
    near.put("c", entry("{}", "design:d2"), start, 0);

    invalidateTags("series:s1");

    assertThat(near.get("a")).isNull();
    assertThat(near.get("b")).isNull();
    assertThat(near.get("c")).isNotNull();
  }

  @Test
  void aCopyReadBeforeAnInvalidationOfOneOfItsTagsIsNotTakenInAfterIt() {
    long lookupStarted = now();
    ticker.advance(Duration.ofMillis(1));
    invalidateTags("design:d1"); // the write's invalidation reached this process meanwhile

    assertThat(near.put("a", entry("{\"old\":true}", "design:d1"), lookupStarted, 0)).isNull();
    assertThat(near.get("a")).isNull();

    // a lookup that started after the invalidation read the new state from Redis: kept
    ticker.advance(Duration.ofMillis(1));
    assertThat(near.put("a", entry("{\"old\":false}", "design:d1"), now(), 0)).isNotNull();
  }

  @Test
  void keysPatternsAndClearDropCopiesAndFenceLookupsInFlight() {
    long start = now();
    near.put("enginel:design:d1:detail", entry("{}", "design:d1"), start, 0);
    near.put("enginel:design:d2:detail", entry("{}", "design:d2"), start, 0);
    near.put("enginel:org:o1:detail", entry("{}", "org:o1"), start, 0);

    invalidate(NearEvictions.keys(Tier.DEFAULT, List.of("enginel:design:d1:detail")));
    assertThat(near.get("enginel:design:d1:detail")).isNull();
    assertThat(near.put("enginel:design:d1:detail", entry("{}", "design:d1"), start, 0)).isNull();

    invalidate(NearEvictions.pattern(Tier.DEFAULT, "enginel:design:*"));
    assertThat(near.get("enginel:design:d2:detail")).isNull();
    assertThat(near.get("enginel:org:o1:detail")).isNotNull();
    assertThat(near.put("enginel:org:o1:other", entry("{}", "org:o1"), start, 0))
        .as("a pattern fences every lookup in flight").isNull();

    invalidate(NearEvictions.all(Tier.DEFAULT));
    assertThat(near.get("enginel:org:o1:detail")).isNull();
    assertThat(near.put("enginel:org:o1:detail", entry("{}", "org:o1"), start, 0)).isNull();
  }

  @Test
  void redisGlobsMatchAsRedisMatchesThem() {
    assertThat(NearEvictions.glob("enginel:design:*").test("enginel:design:d1:detail")).isTrue();
    assertThat(NearEvictions.glob("enginel:design:*").test("enginel:org:o1")).isFalse();
    assertThat(NearEvictions.glob("enginel:design:d?:detail").test("enginel:design:d7:detail")).isTrue();
    assertThat(NearEvictions.glob("enginel:design:d[12]:detail").test("enginel:design:d2:detail")).isTrue();
    assertThat(NearEvictions.glob("enginel:design:d[^12]:detail").test("enginel:design:d2:detail")).isFalse();
    assertThat(NearEvictions.glob("enginel:a\\*b").test("enginel:a*b")).isTrue();
    assertThat(NearEvictions.glob("enginel:a\\*b").test("enginel:axb")).isFalse();
    assertThat(NearEvictions.glob("enginel:a.b").test("enginel:axb")).isFalse();
  }

  @Test
  void aPatternJavaCannotTranslateDropsEverythingRatherThanNothing() {
    near.put("enginel:design:d1:detail", entry("{}", "design:d1"), now(), 0);
    near.put("enginel:org:o1:detail", entry("{}", "org:o1"), now(), 0);

    invalidate(NearEvictions.pattern(Tier.DEFAULT, "enginel:design:[z-a]*")); // Redis takes it; java.util.regex does not

    assertThat(near.get("enginel:design:d1:detail")).isNull();
    assertThat(near.get("enginel:org:o1:detail")).isNull();
  }

  @Test
  void anEntryWhoseCompressedBodyIsCorruptIsNotTakenInAndDoesNotThrow() {
    JsonArray results = new JsonArray();
    for (int i = 0; i < 200; i++) {
      results.add(new JsonObject().put("id", i).put("upload_status", "COMPLETED"));
    }
    io.vertx.core.buffer.Buffer stored = ResponseEntry.encode(new Clock(1, 1), Long.MAX_VALUE, List.of("org-1"),
        List.of("t"), new JsonObject().put("results", results).toBuffer().getBytes(), codec);
    stored.setByte(stored.length() - 10, (byte) (stored.getByte(stored.length() - 10) ^ 0x5a));
    stored.setByte(stored.length() - 30, (byte) (stored.getByte(stored.length() - 30) ^ 0x5a));
    ResponseEntry corrupt = ResponseEntry.parse(stored);
    assertThat(corrupt.compressed()).isTrue();

    assertThat(near.put("k", corrupt, now(), 0)).isNull();
    assertThat(near.get("k")).isNull();
  }

  @Test
  void staysWithinItsBytesAndForgetsEntriesPastTheirAge() {
    NearCache small = new NearCache(64 * 1024, Duration.ofSeconds(60), stamps, ticker);
    String body = "x".repeat(900); // raw (under the compression threshold): ~1 KB per entry
    int perEntry = entry("\"" + body + "\"", "t0").memoryBytes();
    for (int i = 0; i < 500; i++) {
      small.put("k" + i, entry("\"" + body + "\"", "t" + i), now(), 0);
    }
    assertThat(small.size()).isPositive().isLessThanOrEqualTo(64 * 1024 / perEntry);

    NearCache aging = new NearCache(1 << 20, Duration.ofMillis(200), stamps, ticker);
    aging.put("k", entry("{}", "t"), now(), 0);
    ticker.advance(Duration.ofMillis(150));
    assertThat(aging.get("k")).isNotNull();
    ticker.advance(Duration.ofMillis(100));
    assertThat(aging.get("k")).isNull();
  }

  @Test
  void copiesTakenInTogetherExpireApartWithinTheLastTenthOfTheirAge() {
    NearCache spread = new NearCache(1 << 20, Duration.ofSeconds(60), Lifetimes.spread(), stamps, ticker);
    for (int i = 0; i < 200; i++) {
      spread.put("k" + i, entry("{}", "t" + i), now(), 0);
    }

    ticker.advance(Duration.ofMillis(53_999));
    assertThat(heldOf(spread, 200)).as("54 s: none is kept less than nine tenths of 60 s").isEqualTo(200);
    ticker.advance(Duration.ofSeconds(3));
    assertThat(heldOf(spread, 200)).as("57 s: some have expired, some not").isStrictlyBetween(0, 200);
    ticker.advance(Duration.ofMillis(3_001));
    assertThat(heldOf(spread, 200)).as("past 60 s: none is kept longer than the near cache's age").isZero();
  }

  private static int heldOf(NearCache near, int keys) {
    int held = 0;
    for (int i = 0; i < keys; i++) {
      held += near.get("k" + i) == null ? 0 : 1;
    }
    return held;
  }

  @Test
  void copiesReadOftenKeepTheirPlaceAgainstCopiesFilledAgainAndAgainButNeverRead() {
    // the policy sees one read in eight: a hot copy must still count for more than a copy put three times
    NearCache small = new NearCache(64 * 1024, Duration.ofSeconds(60), stamps, ticker);
    String body = "\"" + "x".repeat(900) + "\"";
    for (int i = 0; i < 20; i++) {
      small.put("hot" + i, entry(body, "h" + i), now(), 0);
    }
    for (int n = 0; n < 500; n++) {
      for (int put = 0; put < 3; put++) {
        small.put("churn" + n, entry(body, "c" + n), now(), 0);
      }
      for (int i = 0; i < 20; i++) {
        small.get("hot" + i);
        small.get("hot" + i);
      }
    }

    int hotKept = 0;
    for (int i = 0; i < 20; i++) {
      hotKept += small.get("hot" + i) == null ? 0 : 1;
    }
    assertThat(hotKept).as("hot copies still held after 500 others were filled three times each").isGreaterThanOrEqualTo(18);
  }

  @Test
  void aCopyPastItsLifetimeIsNotReadWhetherOrNotThePolicyHearsOfTheRead() {
    NearCache exact = new NearCache(1 << 20, Duration.ofSeconds(60), Lifetimes.exact(), stamps, ticker);
    exact.put("k", entry("{}", "t"), now(), 0);
    ticker.advance(Duration.ofSeconds(60));
    for (int i = 0; i < 4 * NearCache.READS_PER_RECORDED_READ; i++) {
      assertThat(exact.get("k")).isNull();
    }
  }

  @Test
  void aCopyIsNeverKeptLongerThanItsResourcesTtl() {
    near.put("short", entry("{}", "t"), now(), 1);
    near.put("long", entry("{}", "t2"), now(), 300);
    assertThat(near.get("short")).isNotNull();

    ticker.advance(Duration.ofMillis(1_001));

    assertThat(near.get("short")).as("past its resource's 1 s TTL").isNull();
    assertThat(near.get("long")).isNotNull();
  }

  @Test
  void concurrentPutsNeverOutliveAnEvictionThatFollowedTheirRead() throws Exception {
    // many threads read "from Redis" and put while another invalidates: after each invalidation, any copy
    // present must have been read after it (the real clock here: the race is the point)
    EvictionStamps realStamps = new EvictionStamps(com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    NearCache near = new NearCache(1 << 20, Duration.ofSeconds(60), realStamps,
        com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    Map<Tier, TierGuard> guards = Map.of(Tier.DEFAULT, new TierGuard(Tier.DEFAULT, new PendingInvalidations(100),
        realStamps, near, new TagMemo(1 << 20), new TagSetWindows(300, 3600, new FakeClock()), () -> { }));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger violations = new AtomicInteger();
    try {
      for (int round = 0; round < 2_000; round++) {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch read = new CountDownLatch(3);
        long[] readAt = new long[3];
        List<java.util.concurrent.Future<?>> puts = new java.util.ArrayList<>();
        for (int p = 0; p < 3; p++) {
          int i = p;
          puts.add(pool.submit(() -> {
            readAt[i] = System.nanoTime();
            read.countDown();
            go.await();
            near.put("hot", entry("{\"v\":" + i + "}", "design:d1"), readAt[i], 0);
            return null;
          }));
        }
        read.await();
        go.countDown(); // the puts race the eviction
        NearEvictions.evictHere(guards, NearEvictions.tags(Tier.DEFAULT, List.of("design:d1")));
        for (java.util.concurrent.Future<?> f : puts) {
          f.get(5, TimeUnit.SECONDS);
        }
        // every put read before the eviction: nothing may remain
        if (near.get("hot") != null) {
          violations.incrementAndGet();
          near.dropAll();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(violations.get()).isZero();
  }
}
