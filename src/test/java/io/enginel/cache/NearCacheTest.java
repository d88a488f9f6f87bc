package io.enginel.cache;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The near cache of a response tier: it keeps what a lookup read from Redis, drops it by the same tags, keys,
 * patterns and incarnations as Redis, and never takes in a copy read before an invalidation that reached it.
 */
class NearCacheTest {
  private final ValueCodec codec = new ValueCodec(1024, 6);
  private final NearCache near = new NearCache(1 << 20, Duration.ofSeconds(60));

  private ResponseEntry entry(String body, String... tags) {
    return ResponseEntry.parse(ResponseEntry.encode("inc", List.of("org-1"), List.of(tags), body.getBytes(), codec));
  }

  @Test
  void keepsACopyOfWhatALookupReadAndCarriesItsTagsInTheEntry() {
    ResponseEntry read = entry("{\"id\":\"d1\"}", "design:d1", "series:s1");

    ResponseEntry kept = near.put("enginel:design:d1:detail", read, System.nanoTime());

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

    ResponseEntry kept = near.put("enginel:design:list:x", read, System.nanoTime());

    assertThat(kept.body()).isSameAs(kept.body());
    assertThat(kept.body().toString()).isEqualTo(body);
    assertThat(kept.storedBody().getBytes()).isEqualTo(read.storedBody().getBytes());
  }

  @Test
  void anInvalidatedTagDropsEveryCopyFilledUnderItAndNoOther() {
    long start = System.nanoTime();
    near.put("a", entry("{}", "design:d1", "series:s1"), start);
    near.put("b", entry("{}", "series:s1"), start);
    near.put("c", entry("{}", "design:d2"), start);

    near.evictTags(List.of("series:s1"));

    assertThat(near.get("a")).isNull();
    assertThat(near.get("b")).isNull();
    assertThat(near.get("c")).isNotNull();
  }

  @Test
  void aCopyReadBeforeAnInvalidationOfOneOfItsTagsIsNotTakenInAfterIt() {
    long lookupStarted = System.nanoTime();
    near.evictTags(List.of("design:d1")); // the write's invalidation reached this process meanwhile

    assertThat(near.put("a", entry("{\"old\":true}", "design:d1"), lookupStarted)).isNull();
    assertThat(near.get("a")).isNull();

    // a lookup that started after the invalidation read the new state from Redis: kept
    assertThat(near.put("a", entry("{\"old\":false}", "design:d1"), System.nanoTime())).isNotNull();
  }

  @Test
  void keysPatternsAndClearDropCopiesAndFenceLookupsInFlight() {
    long start = System.nanoTime();
    near.put("enginel:design:d1:detail", entry("{}", "design:d1"), start);
    near.put("enginel:design:d2:detail", entry("{}", "design:d2"), start);
    near.put("enginel:org:o1:detail", entry("{}", "org:o1"), start);

    near.evictKeys(List.of("enginel:design:d1:detail"));
    assertThat(near.get("enginel:design:d1:detail")).isNull();
    assertThat(near.put("enginel:design:d1:detail", entry("{}", "design:d1"), start)).isNull();

    near.evictMatching(NearEvictions.glob("enginel:design:*"));
    assertThat(near.get("enginel:design:d2:detail")).isNull();
    assertThat(near.get("enginel:org:o1:detail")).isNotNull();

    near.clear();
    assertThat(near.get("enginel:org:o1:detail")).isNull();
    assertThat(near.put("enginel:org:o1:detail", entry("{}", "org:o1"), start)).isNull();
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
    near.put("enginel:design:d1:detail", entry("{}", "design:d1"), System.nanoTime());
    near.put("enginel:org:o1:detail", entry("{}", "org:o1"), System.nanoTime());

    near.evictMatching(NearEvictions.glob("enginel:design:[z-a]*")); // Redis takes it; java.util.regex does not

    assertThat(near.get("enginel:design:d1:detail")).isNull();
    assertThat(near.get("enginel:org:o1:detail")).isNull();
  }

  @Test
  void anEntryWhoseCompressedBodyIsCorruptIsNotTakenInAndDoesNotThrow() {
    JsonArray results = new JsonArray();
    for (int i = 0; i < 200; i++) {
      results.add(new JsonObject().put("id", i).put("upload_status", "COMPLETED"));
    }
    io.vertx.core.buffer.Buffer stored = ResponseEntry.encode("inc", List.of("org-1"), List.of("t"),
        new JsonObject().put("results", results).toBuffer().getBytes(), codec);
    stored.setByte(stored.length() - 10, (byte) (stored.getByte(stored.length() - 10) ^ 0x5a));
    stored.setByte(stored.length() - 30, (byte) (stored.getByte(stored.length() - 30) ^ 0x5a));
    ResponseEntry corrupt = ResponseEntry.parse(stored);
    assertThat(corrupt.compressed()).isTrue();

    assertThat(near.put("k", corrupt, System.nanoTime())).isNull();
    assertThat(near.get("k")).isNull();
  }

  @Test
  void staysWithinItsBytesAndForgetsEntriesPastTheirAge() throws InterruptedException {
    NearCache small = new NearCache(64 * 1024, Duration.ofMillis(300));
    String body = "x".repeat(900); // raw (under the compression threshold): ~1 KB per entry
    int perEntry = entry("\"" + body + "\"", "t0").memoryBytes();
    for (int i = 0; i < 500; i++) {
      small.put("k" + i, entry("\"" + body + "\"", "t" + i), System.nanoTime());
    }
    assertThat(small.size()).isPositive().isLessThanOrEqualTo(64 * 1024 / perEntry);

    NearCache aging = new NearCache(1 << 20, Duration.ofMillis(200));
    aging.put("k", entry("{}", "t"), System.nanoTime());
    assertThat(aging.get("k")).isNotNull();
    Thread.sleep(400);
    assertThat(aging.get("k")).isNull();
  }

  @Test
  void aCopyIsNeverKeptLongerThanItsResourcesTtl() throws InterruptedException {
    near.put("short", entry("{}", "t"), System.nanoTime(), 1);
    near.put("long", entry("{}", "t2"), System.nanoTime(), 300);
    assertThat(near.get("short")).isNotNull();

    Thread.sleep(1_300);

    assertThat(near.get("short")).as("past its resource's 1 s TTL").isNull();
    assertThat(near.get("long")).isNotNull();
  }

  @Test
  void concurrentPutsNeverOutliveAnEvictionThatFollowedTheirRead() throws Exception {
    // many threads read "from Redis" and put while another invalidates: after each invalidation, any copy
    // present must have been read after it
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
            near.put("hot", entry("{\"v\":" + i + "}", "design:d1"), readAt[i]);
            return null;
          }));
        }
        read.await();
        go.countDown(); // the puts race the eviction
        near.evictTags(List.of("design:d1"));
        for (java.util.concurrent.Future<?> f : puts) {
          f.get(5, TimeUnit.SECONDS);
        }
        // every put read before the eviction: nothing may remain
        if (near.get("hot") != null) {
          violations.incrementAndGet();
          near.clear();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(violations.get()).isZero();
  }
}
