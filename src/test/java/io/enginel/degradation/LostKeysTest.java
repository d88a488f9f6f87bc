package io.enginel.degradation;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.RedisProcess;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any of Enginel's Redis keys may vanish at any moment — a tag set, the invalidation state, an entry, a whole
 * tier, whatever eviction picks, everything (a restart), or time itself (a restart from an older snapshot) — and
 * that costs a miss, never a stale answer. Each case caches an answer (a HIT), loses keys, writes through the
 * API, and checks the first read after the write's answer: the new value, never the old; then that caching
 * resumes. Each node runs on a redis-server of its own (flushes, kills, memory limits and snapshots touch nobody
 * else), with the near cache off (every lookup asks Redis) and on. A restored snapshot is checked both when the
 * restored Redis is first asked by a lookup and when it is first asked by an invalidation (another write, another
 * logout): the clock must give the time travel away either way.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LostKeysTest {
  /** The rows a node's cases use: each case its own series and designs, so that no case's write touches another's. */
  record Rows(Map<String, UUID> designs, List<UUID> snapshot, List<UUID> hot, UUID bulkSeries) {
    UUID design(String kase) {
      return designs.get(kase);
    }
  }

  /** A node on a redis-server of its own, with its database seeded before it started. */
  static final class Node implements AutoCloseable {
    final boolean near;
    final RedisProcess redis;
    final TestServer s;
    final Rows rows;
    final String alice;

    private Node(boolean near, RedisProcess redis, TestServer s, Rows rows) {
      this.near = near;
      this.redis = redis;
      this.s = s;
      this.rows = rows;
      this.alice = s.login("alice");
    }

    static Node start(boolean near) {
      RedisProcess redis = RedisProcess.start();
      try {
        SeededServer.Seeded<Rows> seeded = SeededServer.start(redis.serverSettings("cache.near.enabled", near), f -> {
          UUID org = f.organization("Lost keys");
          f.member(org, f.user("alice"), "ADMIN");
          for (String viewer : List.of("carol", "dan", "erin", "fay", "gus")) {
            f.member(org, f.user(viewer), "VIEWER");
          }
          Map<String, UUID> designs = new LinkedHashMap<>();
          for (String kase : List.of("tags", "state", "entry", "flush", "empty", "wfa", "wfb")) {
            designs.put(kase, f.design(f.series(org, "PN-" + kase.toUpperCase()), "lost-" + kase + ".stl",
                kase + "-before"));
          }
          UUID snapSeries = f.series(org, "PN-SNAP");
          List<UUID> snapshot = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            snapshot.add(f.design(snapSeries, String.format("snap-%02d.stl", i), String.format("snap-%02d-before", i)));
          }
          // for the eviction case: 30 hot designs in a series of their own, that no list page of that case shows
          // (their tag sets are touched only when their details are filled: LRU finds them cold while the entries
          // stay hot), and 300 designs with 2 KB descriptions of random hex: list pages of ~200 KB that compress
          // only to half
          UUID hotSeries = f.series(org, "PN-HOT");
          List<UUID> hot = new ArrayList<>();
          for (int i = 0; i < HOT; i++) {
            hot.add(f.design(hotSeries, String.format("hot-%02d.step", i), String.format("hot-%02d-before", i)));
          }
          UUID bulkSeries = f.series(org, "PN-BULK");
          f.update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, "
              + "file_size, upload_status, description) SELECT gen_random_uuid(), s.id, s.organization_id, g, "
              + "'p-' || lpad(g::text, 3, '0') || '.step', 'step', 1000 + g, 'COMPLETED', "
              + "(SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 64) i) "
              + "FROM design_series s, generate_series(1, 300) g WHERE s.id = ?", bulkSeries);
          return new Rows(designs, snapshot, hot, bulkSeries);
        });
        try {
          return new Node(near, redis, seeded.server(), seeded.data());
        } catch (RuntimeException e) {
          seeded.server().close();
          throw e;
        }
      } catch (RuntimeException e) {
        redis.close();
        throw e;
      }
    }

    String label() {
      return near ? "on" : "off";
    }

    /** Reads {@code path} until it is a HIT (at most 5 s: a tier fenced by an earlier case starts a new incarnation first). */
    HttpResult cached(String path, String token) {
      AtomicReference<HttpResult> hit = new AtomicReference<>();
      Waits.until(() -> {
        hit.set(s.get(path, token));
        assertThat(hit.get().status()).as("GET %s: %s", path, hit.get()).isEqualTo(200);
        return "HIT".equals(hit.get().xCache());
      }, Duration.ofSeconds(5), Duration.ofMillis(50), path + " a HIT (near cache " + label() + ")");
      return hit.get();
    }

    /**
     * Logs {@code user} in and uses the token until its session is cached in the sessions tier (a tier fenced by an
     * earlier case's restart refuses fills until its new incarnation); answers the token.
     */
    String loginCached(String user) {
      AtomicReference<String> token = new AtomicReference<>();
      Waits.until(() -> {
        token.set(s.login(user));
        assertThat(s.get("/api/users/me", token.get()).status()).isEqualTo(200);
        return s.redisExists(Tier.SESSIONS, sessionKey(token.get()));
      }, Duration.ofSeconds(5), Duration.ofMillis(100), user + "'s session cached");
      return token.get();
    }

    String sessionKey(String token) {
      return s.prefix() + ":session:" + sha256(token);
    }

    HttpResult read(String path) {
      HttpResult r = s.get(path, alice);
      assertThat(r.status()).as("GET %s: %s", path, r).isEqualTo(200);
      return r;
    }

    void write(UUID design, String description) {
      HttpResult w = s.patch(detail(design), alice, new JsonObject().put("description", description));
      assertThat(w.status()).as("PATCH %s: %s", design, w).isEqualTo(200);
      assertThat(w.json().getString("description")).isEqualTo(description);
    }

    String entryKey(UUID design) {
      return s.prefix() + ":design:" + design + ":detail";
    }

    /** The stored value of a key as text (an uncompressed entry shows its JSON body), or null. */
    String stored(Tier tier, String key) {
      Response r = s.redis(tier, "GET", s.storedKey(tier, key));
      return r == null ? null : r.toString();
    }

    /** Deletes keys as Enginel names them; answers how many Redis deleted. */
    long delete(Tier tier, List<String> keys) {
      if (keys.isEmpty()) {
        return 0;
      }
      List<Object> args = new ArrayList<>();
      args.add("DEL");
      keys.forEach(k -> args.add(s.storedKey(tier, k)));
      return s.redis(tier, args.toArray()).toLong();
    }

    String stateKey() {
      return s.prefix() + ":_inv";
    }

    /** A field of the tier's invalidation state ({@code i}, {@code s}), or null when the state is missing. */
    String state(Tier tier, String field) {
      Response r = s.redis(tier, "HGET", s.storedKey(tier, stateKey()), field);
      return r == null ? null : r.toString();
    }

    @Override
    public void close() {
      try {
        s.close();
      } finally {
        redis.close();
      }
    }
  }

  static final int HOT = 30;
  static Node nearOff;
  static Node nearOn;

  @BeforeAll
  static void start() {
    // the two nodes start side by side (each start waits on PostgreSQL and Redis as much as it computes)
    java.util.concurrent.CompletableFuture<Node> on = java.util.concurrent.CompletableFuture.supplyAsync(() -> Node.start(true));
    try {
      nearOff = Node.start(false);
    } finally {
      nearOn = on.join();
    }
  }

  @AfterAll
  static void stop() {
    for (Node n : new Node[] {nearOff, nearOn}) {
      if (n != null) {
        n.close();
      }
    }
  }

  /** Whatever a case did to its Redis: running again, and a later restart comes back empty unless a case saves. */
  @AfterEach
  void redisRunsAgainWithoutASnapshot() {
    for (Node n : new Node[] {nearOff, nearOn}) {
      if (n != null) {
        n.redis.ensureRunning();
        forgetSnapshot(n.redis);
      }
    }
  }

  static Node node(boolean near) {
    return near ? nearOn : nearOff;
  }

  static String detail(UUID design) {
    return "/api/designs/" + design;
  }

  static String searchList(String kase) {
    return "/api/designs/?search=lost-" + kase;
  }

  static String description(HttpResult r) {
    return r.json().getString("description");
  }

  static String firstDescription(HttpResult list) {
    JsonArray results = list.json().getJsonArray("results");
    assertThat(results).as("list %s", list).hasSize(1);
    return results.getJsonObject(0).getString("description");
  }

  /** Deletes the redis-server's snapshot file (in its own temporary folder), so that a restart comes back empty. */
  static void forgetSnapshot(RedisProcess redis) {
    String[] dir = RedisProcess.cli(redis.port, "CONFIG", "GET", "dir").trim().split("\n");
    try {
      Files.deleteIfExists(Path.of(dir[dir.length - 1].trim(), "dump.rdb"));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SAVE: the redis-server's folder now holds a snapshot of this moment, which a restart loads. */
  static void snapshot(RedisProcess redis) {
    assertThat(RedisProcess.cli(redis.port, "SAVE").trim()).isEqualTo("OK");
  }

  static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static long info(TestServer s, String field) {
    for (String line : s.redis(Tier.DEFAULT, "INFO", "stats").toString().split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IllegalStateException("INFO stats has no " + field);
  }

  // ------------------------------------------------------------------ 1. tag sets

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(1)
  void lostTagSetsLeaveTheOldEntryInRedisButItIsRefusedByItsStampsAfterTheWrite(boolean near) {
    Node n = node(near);
    UUID design = n.rows.design("tags");
    n.cached(detail(design), n.alice);
    assertThat(firstDescription(n.cached(searchList("tags"), n.alice))).isEqualTo("tags-before");

    List<String> tagSets = n.s.redisKeys(Tier.DEFAULT, "_tag:*");
    assertThat(tagSets).anyMatch(k -> k.startsWith(n.s.prefix() + ":_tag:") && k.endsWith(":design:" + design));
    long deleted = n.delete(Tier.DEFAULT, tagSets);
    assertThat(n.s.redisKeys(Tier.DEFAULT, "_tag:*")).isEmpty();

    n.write(design, "tags-after");

    // the write found no set naming the entry, so the old answer is still in Redis...
    assertThat(n.stored(Tier.DEFAULT, n.entryKey(design))).as("the old entry, still in Redis after the write")
        .contains("tags-before");
    // ...and is not served: the lookup validates it against the stamp of its tag
    HttpResult fresh = n.read(detail(design));
    HttpResult freshList = n.read(searchList("tags"));
    int stale = ("tags-after".equals(description(fresh)) ? 0 : 1) + ("tags-after".equals(firstDescription(freshList)) ? 0 : 1);
    HttpResult hit = n.cached(detail(design), n.alice);
    System.out.printf("LOST-KEYS kind=tag-sets near=%s tag-sets-deleted=%d old-entry-kept=true reads=2 stale=%d%n",
        n.label(), deleted, stale);
    assertThat(description(fresh)).isEqualTo("tags-after");
    assertThat(firstDescription(freshList)).isEqualTo("tags-after");
    assertThat(stale).isZero();
    assertThat(description(hit)).as("caching resumes with the new value").isEqualTo("tags-after");
    assertThat(firstDescription(n.cached(searchList("tags"), n.alice))).isEqualTo("tags-after");
  }

  // ------------------------------------------------------------------ 2. the invalidation state

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(2)
  void aLostInvalidationStateCostsAMissNeverAStaleAnswerAndANewIncarnationStartsByItself(boolean near) {
    Node n = node(near);
    UUID design = n.rows.design("state");
    n.cached(detail(design), n.alice);
    n.cached(searchList("state"), n.alice);
    long before = Long.parseLong(n.state(Tier.DEFAULT, "i"));

    // the clock and every stamp at once, then a write
    assertThat(n.delete(Tier.DEFAULT, List.of(n.stateKey()))).isEqualTo(1);
    long lost = 1;
    n.write(design, "state-after");
    HttpResult fresh = n.read(detail(design));
    HttpResult freshList = n.read(searchList("state"));
    assertThat(description(fresh)).isEqualTo("state-after");
    assertThat(firstDescription(freshList)).isEqualTo("state-after");
    assertThat(Long.parseLong(n.state(Tier.DEFAULT, "i"))).as("a new, larger incarnation").isGreaterThan(before);
    assertThat(description(n.cached(detail(design), n.alice))).isEqualTo("state-after");

    // the state and the tag sets lost together: the old entry stays in Redis, refused by its incarnation
    lost += n.delete(Tier.DEFAULT, n.s.redisKeys(Tier.DEFAULT, "_tag:*"));
    assertThat(n.delete(Tier.DEFAULT, List.of(n.stateKey()))).isEqualTo(1);
    lost++;
    n.write(design, "state-after-2");
    assertThat(n.stored(Tier.DEFAULT, n.entryKey(design))).as("the old entry, still in Redis after the write")
        .contains("\"state-after\"");
    HttpResult fresh2 = n.read(detail(design));
    int stale = ("state-after".equals(description(fresh)) ? 0 : 1) + ("state-after-2".equals(description(fresh2)) ? 0 : 1);
    assertThat(description(fresh2)).isEqualTo("state-after-2");

    // lost without a write: nothing of the tier is served from Redis until a new incarnation, then HITs again
    n.cached(detail(design), n.alice);
    long incarnation = Long.parseLong(n.state(Tier.DEFAULT, "i"));
    lost += n.delete(Tier.DEFAULT, List.of(n.stateKey()));
    HttpResult afterLoss = n.read(detail(design));
    if (!near) { // with the near cache, its copy (valid: every invalidation reached it) may still be served
      assertThat(afterLoss.xCache()).as("no entry is served without its tier's state").isEqualTo("MISS");
    }
    assertThat(description(afterLoss)).isEqualTo("state-after-2");
    long t0 = System.currentTimeMillis();
    n.read(searchList("state") + "&page_size=3"); // a lookup that asks Redis whether or not the near cache is on
    Waits.until(() -> n.state(Tier.DEFAULT, "i") != null && Long.parseLong(n.state(Tier.DEFAULT, "i")) > incarnation,
        java.time.Duration.ofSeconds(3), "a new incarnation of the default tier");
    assertThat(description(n.cached(detail(design), n.alice))).isEqualTo("state-after-2");
    long resumedMs = System.currentTimeMillis() - t0;
    System.out.printf("LOST-KEYS kind=state near=%s keys-deleted=%d writes=2 stale=%d new-incarnation-and-hit-ms=%d%n",
        n.label(), lost, stale, resumedMs);
    assertThat(stale).isZero();
  }

  // ------------------------------------------------------------------ 3. the entry

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(3)
  void aLostEntryCostsOneMissAndTheWriteIsSeen(boolean near) {
    Node n = node(near);
    UUID design = n.rows.design("entry");
    n.cached(detail(design), n.alice);
    n.cached(searchList("entry"), n.alice);

    assertThat(n.delete(Tier.DEFAULT, List.of(n.entryKey(design)))).isEqualTo(1);
    HttpResult refilled = n.read(detail(design));
    if (!near) {
      assertThat(refilled.xCache()).isEqualTo("MISS");
    }
    assertThat(description(refilled)).isEqualTo("entry-before");
    n.cached(detail(design), n.alice);

    List<String> entries = new ArrayList<>(n.s.redisKeys(Tier.DEFAULT, "design:list:*"));
    entries.add(n.entryKey(design));
    long deleted = n.delete(Tier.DEFAULT, entries);
    n.write(design, "entry-after");
    HttpResult fresh = n.read(detail(design));
    HttpResult freshList = n.read(searchList("entry"));
    int stale = ("entry-after".equals(description(fresh)) ? 0 : 1) + ("entry-after".equals(firstDescription(freshList)) ? 0 : 1);
    System.out.printf("LOST-KEYS kind=entry near=%s entries-deleted=%d writes=1 stale=%d%n", n.label(), deleted, stale);
    assertThat(description(fresh)).isEqualTo("entry-after");
    assertThat(firstDescription(freshList)).isEqualTo("entry-after");
    assertThat(description(n.cached(detail(design), n.alice))).isEqualTo("entry-after");
  }

  // ------------------------------------------------------------------ 4. FLUSHDB of one tier

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(4)
  void aFlushOfTheDefaultTierAloneCostsItsEntriesAMissAndLeavesSessionsAlone(boolean near) {
    Node n = node(near);
    UUID design = n.rows.design("flush");
    String carol = n.loginCached("carol");
    String session = n.sessionKey(carol);
    n.cached(detail(design), n.alice);
    n.cached(searchList("flush"), n.alice);

    long keys = n.s.redis(Tier.DEFAULT, "DBSIZE").toLong();
    assertThat(n.s.redis(Tier.DEFAULT, "FLUSHDB").toString()).isEqualTo("OK");
    assertThat(n.s.redisKeys(Tier.DEFAULT, "*")).isEmpty();
    assertThat(n.s.redisExists(Tier.SESSIONS, session)).as("the sessions tier (DB 2) is untouched").isTrue();

    n.write(design, "flush-after");
    HttpResult fresh = n.read(detail(design));
    HttpResult freshList = n.read(searchList("flush"));
    int stale = ("flush-after".equals(description(fresh)) ? 0 : 1) + ("flush-after".equals(firstDescription(freshList)) ? 0 : 1);
    System.out.printf("LOST-KEYS kind=flushdb-default near=%s keys-flushed=%d writes=1 stale=%d%n", n.label(), keys, stale);
    assertThat(description(fresh)).isEqualTo("flush-after");
    assertThat(firstDescription(freshList)).isEqualTo("flush-after");
    assertThat(n.s.get("/api/users/me", carol).status()).as("nobody is logged out").isEqualTo(200);
    assertThat(description(n.cached(detail(design), n.alice))).isEqualTo("flush-after");
    assertThat(n.state(Tier.DEFAULT, "i")).as("the tier's state, started again").isNotNull();
  }

  // ------------------------------------------------------------------ 5. eviction under memory pressure

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(5)
  void evictionUnderMemoryPressureNeverLeavesAHotAnswerStale(boolean near) {
    Node n = node(near);
    TestServer s = n.s;
    String alice = n.alice;
    List<UUID> hotDesigns = n.rows.hot();
    // the node's own redis-server, limited as a cache near its memory limit is (for this case only)
    assertThat(RedisProcess.cli(n.redis.port, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru").trim()).isEqualTo("OK");
    assertThat(RedisProcess.cli(n.redis.port, "CONFIG", "SET", "maxmemory", "3mb").trim()).isEqualTo("OK");
    try {
      for (UUID d : hotDesigns) {
        assertThat(s.get(detail(d), alice).xCache()).isEqualTo("MISS");
        assertThat(n.cached(detail(d), alice).xCache()).as("second read of %s", d).isEqualTo("HIT");
      }
      long evictedBefore = info(s, "evicted_keys");

      // many other cached answers, the hot ones read again between them, until Redis has evicted plenty
      String[] orderings = {"created_at", "-created_at", "updated_at", "-updated_at", "filename", "-filename",
          "file_size", "-file_size", "version", "-version"};
      long deadline = System.currentTimeMillis() + 15_000;
      int pages = 0;
      long evicted = 0;
      while (evicted < 200 && System.currentTimeMillis() < deadline) {
        String list = "/api/designs/?series=" + n.rows.bulkSeries() + "&ordering="
            + orderings[pages % orderings.length] + "&page_size="
            + (100 - (pages / orderings.length) % 40) + "&page=" + (1 + (pages / 400) % 3);
        assertThat(s.get(list, alice).status()).isEqualTo(200);
        pages++;
        if (pages % 5 == 0) {
          for (UUID d : hotDesigns) {
            assertThat(s.get(detail(d), alice).status()).isEqualTo(200);
          }
        }
        if (pages % 5 == 0) {
          evicted = info(s, "evicted_keys") - evictedBefore;
        }
      }
      evicted = info(s, "evicted_keys") - evictedBefore;
      assertThat(evicted).as("keys Redis evicted under maxmemory 3mb").isPositive();

      // what eviction left of the hot answers: entries kept whose tag set it took are the dangerous ones
      int entriesKept = 0;
      int keptWithoutTagSet = 0;
      for (UUID d : hotDesigns) {
        boolean entry = s.redisExists(Tier.DEFAULT, s.prefix() + ":design:" + d + ":detail");
        boolean tagSet = !s.redisKeys(Tier.DEFAULT, "_tag:*:design:" + d).isEmpty();
        entriesKept += entry ? 1 : 0;
        keptWithoutTagSet += entry && !tagSet ? 1 : 0;
      }

      int stale = 0;
      List<String> staleReads = new ArrayList<>();
      for (int i = 0; i < hotDesigns.size(); i++) {
        UUID d = hotDesigns.get(i);
        String now = "pressure-write-" + i;
        HttpResult w = s.patch(detail(d), alice, new JsonObject().put("description", now));
        assertThat(w.status()).as("PATCH %s: %s", d, w).isEqualTo(200);
        HttpResult r = s.get(detail(d), alice);
        assertThat(r.status()).isEqualTo(200);
        if (!now.equals(description(r))) {
          stale++;
          staleReads.add(d + " " + r.xCache() + " " + description(r));
        }
      }

      // caching resumes
      int hits = 0;
      long resumeDeadline = System.currentTimeMillis() + 5_000;
      for (int i = 0; i < hotDesigns.size(); i++) {
        while (true) {
          HttpResult r = s.get(detail(hotDesigns.get(i)), alice);
          assertThat(description(r)).isEqualTo("pressure-write-" + i);
          if ("HIT".equals(r.xCache())) {
            hits++;
            break;
          }
          if (System.currentTimeMillis() > resumeDeadline) {
            break;
          }
          Waits.sleep(20);
        }
      }
      System.out.printf("LOST-KEYS kind=eviction near=%s list-pages=%d evicted=%d hot=%d hot-entries-kept=%d "
              + "kept-without-tag-set=%d writes=%d stale=%d hits-after=%d%n", n.label(), pages, evicted, HOT,
          entriesKept, keptWithoutTagSet, hotDesigns.size(), stale, hits);
      assertThat(staleReads).as("reads right after a write that showed the old description").isEmpty();
      assertThat(hits).as("hot designs cached again after their write").isPositive();
    } finally {
      RedisProcess.cli(n.redis.port, "CONFIG", "SET", "maxmemory", "0");
    }
  }

  // ------------------------------------------------------------------ 6. restarted empty

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(6)
  void aRedisRestartedEmptyCostsAMissAndTheWriteIsSeen(boolean near) {
    Node n = node(near);
    UUID design = n.rows.design("empty");
    String dan = n.loginCached("dan");
    n.cached(detail(design), n.alice);
    n.cached(searchList("empty"), n.alice);

    forgetSnapshot(n.redis);
    n.redis.kill();
    n.redis.restart();
    assertThat(RedisProcess.cli(n.redis.port, "-n", "1", "DBSIZE").trim()).as("keys after the restart").isEqualTo("0");

    n.write(design, "empty-after");
    HttpResult fresh = n.read(detail(design));
    HttpResult freshList = n.read(searchList("empty"));
    int stale = ("empty-after".equals(description(fresh)) ? 0 : 1) + ("empty-after".equals(firstDescription(freshList)) ? 0 : 1);
    long t0 = System.currentTimeMillis();
    HttpResult hit = n.cached(detail(design), n.alice);
    System.out.printf("LOST-KEYS kind=restart-empty near=%s writes=1 stale=%d hit-again-ms=%d%n", n.label(), stale,
        System.currentTimeMillis() - t0);
    assertThat(description(fresh)).isEqualTo("empty-after");
    assertThat(firstDescription(freshList)).isEqualTo("empty-after");
    assertThat(description(hit)).isEqualTo("empty-after");
    assertThat(n.s.get("/api/users/me", dan).status()).as("the session is also in PostgreSQL").isEqualTo(200);
  }

  // ------------------------------------------------------------------ 7. restarted from an older snapshot

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(7)
  void aRedisRestoredFromAnOlderSnapshotServesNoneOfTheEntriesItBringsBack(boolean near) {
    Node n = node(near);
    List<UUID> designs = n.rows.snapshot();
    List<String> before = new ArrayList<>();
    for (UUID d : designs) {
      before.add(description(n.cached(detail(d), n.alice)));
    }
    long sequenceSaved = Long.parseLong(n.state(Tier.DEFAULT, "s"));
    snapshot(n.redis);

    List<String> written = new ArrayList<>();
    for (int i = 0; i < designs.size(); i++) {
      String now = before.get(i).replace("-before", "-after") + "-" + n.label();
      n.write(designs.get(i), now);
      written.add(now);
    }
    assertThat(Long.parseLong(n.state(Tier.DEFAULT, "s"))).isGreaterThanOrEqualTo(sequenceSaved + designs.size());
    n.redis.kill();
    n.redis.restart(); // loads the snapshot: the entries and the clock of before the writes

    int restored = 0;
    for (int i = 0; i < designs.size(); i++) {
      String old = n.stored(Tier.DEFAULT, n.entryKey(designs.get(i)));
      restored += old != null && old.contains(before.get(i)) ? 1 : 0;
    }
    assertThat(restored).as("old entries the restored Redis holds again").isEqualTo(designs.size());
    assertThat(Long.parseLong(n.state(Tier.DEFAULT, "s"))).as("the restored clock").isEqualTo(sequenceSaved);

    List<String> staleReads = new ArrayList<>();
    for (int i = 0; i < designs.size(); i++) {
      HttpResult r = n.read(detail(designs.get(i)));
      if (!written.get(i).equals(description(r))) {
        staleReads.add(designs.get(i) + " " + r.xCache() + " " + description(r));
      }
    }
    long t0 = System.currentTimeMillis();
    HttpResult hit = n.cached(detail(designs.get(0)), n.alice);
    System.out.printf("LOST-KEYS kind=older-snapshot near=%s restored-entries=%d writes=%d stale=%d hit-again-ms=%d%n",
        n.label(), restored, designs.size(), staleReads.size(), System.currentTimeMillis() - t0);
    assertThat(staleReads).as("reads after the restore that showed the pre-write description").isEmpty();
    assertThat(description(hit)).isEqualTo(written.get(0));
    for (int i = 0; i < designs.size(); i++) {
      assertThat(description(n.read(detail(designs.get(i))))).isEqualTo(written.get(i));
    }
  }

  /**
   * The restored Redis's first command after the restart is an invalidation (a write to something else), not a
   * lookup: its answer is the restored clock plus one, which is no lower than the highest clock seen. The time
   * travel must still be noticed, or the entries the snapshot brought back are trusted again.
   */
  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(8)
  void aWriteThatReachesARestoredRedisBeforeAnyReadDoesNotHideThatItWentBackInTime(boolean near) {
    Node n = node(near);
    UUID a = n.rows.design("wfa");
    UUID b = n.rows.design("wfb"); // another series: its write stamps none of a's tags
    n.cached(detail(a), n.alice);
    n.cached(detail(b), n.alice);
    snapshot(n.redis);
    n.write(a, "wfa-after");
    n.redis.kill();
    n.redis.restart();
    assertThat(n.stored(Tier.DEFAULT, n.entryKey(a))).as("a's old entry, back from the snapshot").contains("wfa-before");

    n.write(b, "wfb-after"); // the first command of the tier after the restart
    List<String> reads = new ArrayList<>();
    int stale = 0;
    for (int i = 0; i < 5; i++) {
      HttpResult r = n.read(detail(a));
      reads.add(r.xCache() + " " + description(r));
      stale += "wfa-after".equals(description(r)) ? 0 : 1;
    }
    System.out.printf("LOST-KEYS kind=older-snapshot-write-first near=%s writes=2 reads=5 stale=%d %s%n", n.label(),
        stale, reads);
    assertThat(reads).as("reads of a after the restore and a write to b").allMatch(r -> r.endsWith(" wfa-after"));
    assertThat(description(n.read(detail(b)))).isEqualTo("wfb-after");
  }

  // ------------------------------------------------------------------ 8. sessions

  @Test
  @Order(9)
  void aLoggedOutTokenStaysRefusedWhateverSessionKeysAreLost() {
    Node n = nearOff;
    String erin = n.loginCached("erin");
    String gus = n.loginCached("gus");
    assertThat(n.s.redisKeys(Tier.SESSIONS, "session:*")).contains(n.sessionKey(erin), n.sessionKey(gus));

    assertThat(n.s.post("/api/auth/logout", erin, null).status()).isEqualTo(204);
    assertThat(n.s.get("/api/users/me", erin).status()).isEqualTo(401);

    // every cached session and the sessions tier's state
    List<String> lost = new ArrayList<>(n.s.redisKeys(Tier.SESSIONS, "session:*"));
    lost.add(n.stateKey());
    long deleted = n.delete(Tier.SESSIONS, lost);
    int accepted = 0;
    int reads = 0;
    long until = System.currentTimeMillis() + 1_000; // across the new incarnation of the tier
    while (System.currentTimeMillis() < until) {
      accepted += n.s.get("/api/users/me", erin).status() == 401 ? 0 : 1;
      reads++;
      Waits.sleep(50);
    }
    // the whole tier
    assertThat(n.s.redis(Tier.SESSIONS, "FLUSHDB").toString()).isEqualTo("OK");
    for (int i = 0; i < 10; i++) {
      accepted += n.s.get("/api/users/me", erin).status() == 401 ? 0 : 1;
      reads++;
      Waits.sleep(50);
    }
    System.out.printf("LOST-KEYS kind=sessions-deleted keys-deleted=%d reads=%d logged-out-accepted=%d%n", deleted, reads,
        accepted);
    assertThat(accepted).as("reads with the logged-out token that were not 401").isZero();
    assertThat(n.s.get("/api/users/me", gus).status()).as("nobody else is logged out").isEqualTo(200);
  }

  @ParameterizedTest(name = "near cache on: {0}")
  @ValueSource(booleans = {false, true})
  @Order(10)
  void aLoggedOutTokenStaysRefusedWhenRedisIsRestoredFromASnapshotThatStillHoldsItsSession(boolean near) {
    Node n = node(near);
    String fay = n.loginCached("fay");
    String gus = n.loginCached("gus");
    String session = n.sessionKey(fay);
    snapshot(n.redis);

    assertThat(n.s.post("/api/auth/logout", fay, null).status()).isEqualTo(204);
    assertThat(n.s.redisExists(Tier.SESSIONS, session)).isFalse();
    n.redis.kill();
    n.redis.restart();
    assertThat(n.s.redisExists(Tier.SESSIONS, session)).as("fay's session, back from the snapshot").isTrue();

    int accepted = 0;
    int reads = 0;
    long until = System.currentTimeMillis() + 1_000;
    while (System.currentTimeMillis() < until) {
      accepted += n.s.get("/api/users/me", fay).status() == 401 ? 0 : 1;
      reads++;
      Waits.sleep(50);
    }
    System.out.printf("LOST-KEYS kind=sessions-older-snapshot near=%s reads=%d logged-out-accepted=%d%n", n.label(), reads,
        accepted);
    assertThat(accepted).as("reads with the logged-out token that were not 401").isZero();
    assertThat(n.s.get("/api/users/me", gus).status()).as("nobody else is logged out").isEqualTo(200);
  }

  /** As above, but the restored sessions tier's first command is another user's logout (an invalidation), not a lookup. */
  @Test
  @Order(11)
  void aLogoutThatReachesARestoredRedisFirstDoesNotBringBackAnotherLoggedOutSession() {
    Node n = nearOff;
    String carol = n.loginCached("carol");
    String dan = n.loginCached("dan");
    String session = n.sessionKey(carol);
    snapshot(n.redis);
    assertThat(n.s.post("/api/auth/logout", carol, null).status()).isEqualTo(204);
    n.redis.kill();
    n.redis.restart();
    assertThat(n.s.redisExists(Tier.SESSIONS, session)).as("carol's session, back from the snapshot").isTrue();

    assertThat(n.s.post("/api/auth/logout", dan, null).status()).isEqualTo(204); // the tier's first command
    int accepted = 0;
    for (int i = 0; i < 10; i++) {
      accepted += n.s.get("/api/users/me", carol).status() == 401 ? 0 : 1;
      Waits.sleep(50);
    }
    System.out.printf("LOST-KEYS kind=sessions-older-snapshot-logout-first reads=10 logged-out-accepted=%d%n", accepted);
    assertThat(accepted).as("reads with carol's logged-out token that were not 401").isZero();
  }
}
