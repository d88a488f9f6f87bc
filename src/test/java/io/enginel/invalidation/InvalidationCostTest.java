package io.enginel.invalidation;

import io.enginel.config.Tier;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invalidating one design touches only the keys concerned: with 200,000 unrelated keys in the tier, a
 * design's whole invalidation (every tag of the table, on both tiers) takes well under 10 ms, and none of
 * the Redis commands it issues walks the keyspace, nor takes 5 ms in more than one of 21 runs (SLOWLOG).
 */
class InvalidationCostTest {
  static final int UNRELATED = 200_000;
  static final int RUNS = 21;
  static TestServer s;
  static UUID org;
  static UUID series;
  static UUID design;
  static String alice;
  static String slowlogThreshold;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      org = f.organization("Cost");
      f.member(org, f.user("alice"), "ADMIN");
      series = f.series(org, "PN-COST");
      design = f.design(series, "cost.stl", "cost");
      for (int i = 0; i < 30; i++) {
        f.design(series, "other-" + i + ".stl", "other");
      }
      return null;
    }).server();
    alice = s.login("alice");
    for (int batch = 0; batch < UNRELATED / 1000; batch++) {
      Object[] mset = new Object[1 + 2000];
      mset[0] = "MSET";
      for (int i = 0; i < 1000; i++) {
        mset[1 + 2 * i] = s.prefix() + ":unrelated:" + (batch * 1000 + i);
        mset[2 + 2 * i] = "a value of some forty bytes, like a small entry";
      }
      s.redis(Tier.DEFAULT, mset);
    }
    Response config = s.redis(Tier.DEFAULT, "CONFIG", "GET", "slowlog-log-slower-than");
    Response threshold;
    try {
      threshold = config.get("slowlog-log-slower-than"); // RESP3: a map
    } catch (RuntimeException notAMap) {
      threshold = config.get(1); // RESP2: [name, value]
    }
    slowlogThreshold = threshold.toString();
  }

  @AfterAll
  static void stop() {
    try {
      s.redis(Tier.DEFAULT, "CONFIG", "SET", "slowlog-log-slower-than", slowlogThreshold);
      for (int batch = 0; batch < UNRELATED / 1000; batch++) {
        Object[] unlink = new Object[1 + 1000];
        unlink[0] = "UNLINK";
        for (int i = 0; i < 1000; i++) {
          unlink[1 + i] = s.prefix() + ":unrelated:" + (batch * 1000 + i);
        }
        s.redis(Tier.DEFAULT, unlink);
      }
    } finally {
      s.close();
    }
  }

  /** The event of an update of the design, as the repository sends it to the invalidation verticle. */
  static JsonObject designUpdated() {
    return new JsonObject().put("entity", "DesignAsset").put("op", "update").put("id", design.toString())
        .put("refs", new JsonObject().put("design", new JsonArray().add(design.toString()))
            .put("series", new JsonArray().add(series.toString())).put("organization", new JsonArray().add(org.toString())))
        .put("source", "repository");
  }

  /** What a design's readers cache: its detail, its BOM and metadata are absent, a few list pages. */
  static void fillTheDesignsEntries() {
    for (String path : List.of("/api/designs/" + design, "/api/designs/?ordering=-created_at",
        "/api/designs/?ordering=filename", "/api/designs/?page=2&page_size=10", "/api/series/" + series + "/versions")) {
      s.get(path, alice);
    }
  }

  @Test
  void oneDesignsInvalidationAmong200000UnrelatedKeysTakesUnder10MsAndNoSlowCommand() {
    assertThat(s.redis(Tier.DEFAULT, "DBSIZE").toLong()).isGreaterThanOrEqualTo(UNRELATED);
    // warm-up, not measured: the scripts' first runs, the stamps' keys created once
    for (int run = 0; run < 3; run++) {
      fillTheDesignsEntries();
      s.request(InvalidationApi.APPLY, designUpdated());
    }
    s.redis(Tier.DEFAULT, "CONFIG", "SET", "slowlog-log-slower-than", "1000");
    s.redis(Tier.DEFAULT, "SLOWLOG", "RESET");

    List<Double> millis = new ArrayList<>();
    long deleted = 0;
    for (int run = 0; run < RUNS; run++) {
      fillTheDesignsEntries();
      assertThat(s.redisExists(Tier.DEFAULT, s.prefix() + ":design:" + design + ":detail")).isTrue();
      long t0 = System.nanoTime();
      JsonObject done = s.request(InvalidationApi.APPLY, designUpdated());
      millis.add((System.nanoTime() - t0) / 1e6);
      deleted += done.getLong("deleted", 0L);
      assertThat(s.redisExists(Tier.DEFAULT, s.prefix() + ":design:" + design + ":detail")).isFalse();
    }
    Collections.sort(millis);
    double median = millis.get(RUNS / 2);
    double p95 = millis.get((int) Math.ceil(RUNS * 0.95) - 1);
    System.out.printf("INVALIDATION-COST keys=%d runs=%d median=%.2fms p95=%.2fms max=%.2fms keys-deleted-per-run=%.1f%n",
        s.redis(Tier.DEFAULT, "DBSIZE").toLong(), RUNS, median, p95, millis.get(RUNS - 1), deleted / (double) RUNS);
    assertThat(median).as("median time of one design's invalidation (ms)").isLessThan(10.0);
    assertThat(deleted / RUNS).as("each run deleted the entries it concerned").isGreaterThanOrEqualTo(5);

    // SLOWLOG keeps every command of 1 ms or more. On this shared two-core machine a plain SET is now and then
    // descheduled past 1 ms, so the claims are: nothing of ours walks the keyspace, and no command of ours takes
    // 5 ms (one pass over these 200,000+ keys takes several times that) more than once in the 21 runs — a command
    // that walked the keyspace would do it in every run, while a CI run once logged one fill script of 23 tags at
    // 8,996 us (descheduled; that run's median invalidation took 1.12 ms)
    Response slowlog = s.redis(Tier.DEFAULT, "SLOWLOG", "GET", "128");
    List<String> ours = new ArrayList<>();
    List<String> keyspaceWide = new ArrayList<>();
    List<String> over5ms = new ArrayList<>();
    for (Response entry : slowlog) {
      String command = entry.get(3).toString();
      if (command.contains(s.prefix())) {
        String line = entry.get(2) + "us " + command;
        ours.add(line);
        String name = entry.get(3).get(0).toString().toLowerCase(java.util.Locale.ROOT);
        if (List.of("keys", "scan", "flushdb", "flushall", "dbsize").contains(name)) {
          keyspaceWide.add(line);
        }
        if (entry.get(2).toLong() >= 5_000) {
          over5ms.add(line);
        }
      }
    }
    System.out.printf("INVALIDATION-COST slowlog-over-1ms=%s%n", ours);
    assertThat(keyspaceWide).as("commands of this server that walk the keyspace").isEmpty();
    assertThat(over5ms).as("commands of this server that took 5 ms or more").hasSizeLessThanOrEqualTo(1);
  }
}
