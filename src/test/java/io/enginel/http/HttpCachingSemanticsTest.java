package io.enginel.http;

import io.enginel.cache.CacheKeys;
import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP caching semantics of RFC 9110, 9111 and 9211 as a client sees them: {@code Cache-Status} on every cacheable
 * answer (which tier or the near cache served it, the seconds left, whether and why not a miss was stored);
 * {@code If-Match} on PATCH, PUT and DELETE, evaluated with the row locked (412 and nothing written on a mismatch);
 * ETags that are the same on every node and change with every write; {@code Last-Modified} and
 * {@code If-Modified-Since}; a 304 that repeats the headers of the 200.
 *
 * <p>The main node runs without the near cache (its hits come from Redis); the near cache, a second node on the same
 * database and Redis, and a node of another cache are started by the tests that need them.
 */
class HttpCachingSemanticsTest {
  /** An RFC 8941 list of one member, {@code enginel}, with parameters whose values are integers or tokens. */
  private static final Pattern STRUCTURED = Pattern.compile(
      "enginel(; ?[a-z*][a-z0-9_.*-]*(=(-?[0-9]{1,15}|[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*))?)*");
  private static final String OLD_TIME = "2024-03-05 10:20:30.456+00";
  private static final String OLD_HTTP_DATE = "Tue, 05 Mar 2024 10:20:30 GMT";

  static TestServer s;
  static CacheKeys keys;
  static UUID org;
  static long carolId;
  static UUID otherOrgSeries;
  static final Map<String, UUID> designs = new HashMap<>();
  static UUID review;
  static UUID markup;
  static UUID series;
  static long oldUserId;
  static long leavingUserId;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of(
        "cache.near.enabled", false,
        "cache.maxValueBytes", 4096,
        "cache.resources.markups.retrieve", false,
        "auth.loginAttemptsPerMinute", 1000), f -> {
      org = f.organization("Caching semantics");
      f.member(org, f.user("alice"), "ADMIN");
      carolId = f.user("carol");
      f.member(org, carolId, "EDITOR");
      UUID other = f.organization("Elsewhere");
      f.member(other, f.user("bob"), "ADMIN");
      otherOrgSeries = f.series(other, "PN-ELSE");
      series = f.series(org, "PN-HTTP");
      for (String name : List.of("status", "near", "ttl", "ttl-kept", "patch", "stale", "delete", "star", "list", "weak",
          "malformed", "race", "nodes", "headers", "after-write", "outside", "uploaded", "put")) {
        designs.put(name, f.design(series, name + ".step", "the " + name + " design"));
      }
      designs.put("big", f.design(series, "big.step", hex(10_000)));        // > 4096 bytes even compressed
      designs.put("medium", f.design(series, "medium.step", hex(3_000)));   // compressed, and stored
      UUID oldSeries = f.series(org, "PN-OLD");
      designs.put("old", f.design(oldSeries, "old.step", "last changed in March 2024"));
      f.update("UPDATE design_series SET updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?", oldSeries);
      for (String name : List.of("old", "after-write", "headers", "outside")) {
        f.update("UPDATE design_assets SET updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?", designs.get(name));
      }
      f.update("UPDATE design_series SET updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?", series);
      f.update("UPDATE organizations SET updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?", org);
      oldUserId = f.user("dora");
      f.member(org, oldUserId, "VIEWER");
      f.update("UPDATE users SET updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?", oldUserId);
      leavingUserId = f.user("leaving");
      f.update("UPDATE design_assets SET uploaded_by = ?, updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?",
          leavingUserId, designs.get("uploaded"));
      review = f.review(designs.get("status"), "A review");
      f.update("UPDATE review_sessions SET updated_at = timestamptz '" + OLD_TIME + "' WHERE id = ?", review);
      markup = UUID.randomUUID();
      f.update("INSERT INTO markups (id, review_id, organization_id, author_id, comment) VALUES (?, ?, ?, ?, ?)",
          markup, review, org, carolId, "a markup");
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
    bob = s.login("bob");
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
  }

  // ------------------------------------------------------------------ Cache-Status

  @Test
  void aMissThatFilledSaysStoredWithItsTtlAndTheNextAnswerIsARedisHitOfTheDefaultTier() {
    String path = detail("status");

    HttpResult miss = s.get(path, alice);
    HttpResult hit = s.get(path, alice);

    assertThat(miss.status()).isEqualTo(200);
    assertThat(miss.xCache()).isEqualTo("MISS");
    assertThat(cacheStatus(miss)).isEqualTo("enginel; fwd=miss; stored; ttl=300");
    assertThat(hit.xCache()).isEqualTo("HIT");
    assertThat(cacheStatus(hit)).matches("enginel; hit; ttl=(29[89]|300); detail=redis-default");
    assertThat(hit.header("ETag")).isEqualTo(miss.header("ETag"));
  }

  @Test
  void aNearCacheHitSaysNear() {
    String prefix = "et" + UUID.randomUUID().toString().substring(0, 8);
    try (TestServer near = TestServer.startAlongside(s, s.config.with("http.port", TestServer.freePort())
        .with("cache.keyPrefix", prefix).with("cache.near.enabled", true))) {
      awaitIncarnation(near);
      String path = detail("near");
      assertThat(cacheStatus(near.get(path, alice))).isEqualTo("enginel; fwd=miss; stored; ttl=300");

      List<String> seen = new ArrayList<>();
      Waits.until(() -> {
        String status = cacheStatus(near.get(path, alice));
        seen.add(status);
        return status.endsWith("detail=near");
      }, Duration.ofSeconds(5), "a hit from the near cache");

      // the copy is taken in by a validated Redis hit, and served from memory after it
      assertThat(seen.get(0)).matches("enginel; hit; ttl=(29[89]|300); detail=redis-default");
      assertThat(seen.get(seen.size() - 1)).matches("enginel; hit; ttl=(29[89]|300); detail=near");
    }
  }

  @Test
  void ttlIsWhatTheStoredEntryHasLeftCountedFromItsOwnExpiry() {
    List<String> statuses = hitStatusesExpiringIn("ttl", 42, 7);
    String first = statuses.get(0);
    String later = statuses.get(1);

    assertThat(first).matches("enginel; hit; ttl=(4[012]); detail=redis-default");
    assertThat(later).matches("enginel; hit; ttl=[567]; detail=redis-default");
  }

  @Test
  void ttlIsTheEntrysOwnWhenAnotherTtlWasAnsweredBefore() {
    // 1066 and 42 differ by 1,024: the values made for hits are kept per event loop, direct-mapped by seconds left
    List<String> statuses = hitStatusesExpiringIn("ttl-kept", 42, 1066);
    String first = statuses.get(0);
    String later = statuses.get(1);

    assertThat(first).matches("enginel; hit; ttl=(4[012]); detail=redis-default");
    assertThat(later).matches("enginel; hit; ttl=106[456]; detail=redis-default");
  }

  @Test
  void aMissThatWasNotStoredSaysWhyAndNeverStored() {
    HttpResult tooLarge = s.get(detail("big"), alice);
    HttpResult again = s.get(detail("big"), alice);
    HttpResult bypassed = s.get("/api/markups/" + markup, alice);

    assertThat(tooLarge.status()).isEqualTo(200);
    assertThat(cacheStatus(tooLarge)).isEqualTo("enginel; fwd=miss; detail=too-large");
    assertThat(cacheStatus(again)).isEqualTo("enginel; fwd=miss; detail=too-large");
    assertThat(again.xCache()).isEqualTo("MISS");
    assertThat(s.redisExists(Tier.DEFAULT, keys.designDetail(designs.get("big").toString()))).isFalse();
    assertThat(bypassed.status()).isEqualTo(200);
    assertThat(bypassed.xCache()).isEqualTo("MISS");
    assertThat(cacheStatus(bypassed)).as("caching switched off for markups").isEqualTo("enginel; fwd=bypass");
  }

  // ------------------------------------------------------------------ If-Match

  @Test
  void aPatchWhoseIfMatchIsTheEtagOfTheGetSucceedsAndAnswersTheNewEtag() {
    String path = detail("patch");
    String etag = s.get(path, alice).header("ETag");

    HttpResult patched = write(HttpMethod.PATCH, path, new JsonObject().put("description", "patched"),
        Map.of("If-Match", etag));

    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    assertThat(description("patch")).isEqualTo("patched");
    HttpResult read = s.get(path, alice);
    assertThat(patched.header("ETag")).isNotEqualTo(etag).isEqualTo(read.header("ETag"));
    assertThat(read.json().getString("description")).isEqualTo("patched");
  }

  @Test
  void aPatchWithAnEtagFromBeforeTheLastWriteIs412AndWritesNothing() {
    String path = detail("stale");
    String before = s.get(path, alice).header("ETag");
    HttpResult first = write(HttpMethod.PATCH, path, new JsonObject().put("description", "first"),
        Map.of("If-Match", before));
    long audits = audits("stale");

    HttpResult second = write(HttpMethod.PATCH, path, new JsonObject().put("description", "second"),
        Map.of("If-Match", before));

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(412);
    JsonObject error = second.json();
    assertThat(error.getString("error")).isEqualTo("precondition_failed");
    assertThat(error.getString("message")).contains("changed").contains("current ETag");
    assertThat(error.getJsonObject("details").getString("header")).isEqualTo("If-Match");
    assertThat(error.getJsonObject("details").getString("etag")).isEqualTo(first.header("ETag"));
    assertThat(description("stale")).as("the row in PostgreSQL").isEqualTo("first");
    assertThat(audits("stale")).as("no audit row for a refused write").isEqualTo(audits);
    assertThat(s.get(path, alice).header("ETag")).isEqualTo(first.header("ETag"));
  }

  @Test
  void aPutIsConditionalTheSameWay() {
    String path = detail("put");
    JsonObject row = s.get(path, alice).json();
    String etag = s.get(path, alice).header("ETag");
    JsonObject replacement = new JsonObject().put("filename", "put.step").put("file_format", "step")
        .put("description", "replaced").put("series", row.getString("series"));

    HttpResult stale = write(HttpMethod.PUT, path, replacement, Map.of("If-Match", "\"not-the-etag\""));
    HttpResult put = write(HttpMethod.PUT, path, replacement, Map.of("If-Match", etag));

    assertThat(stale.status()).isEqualTo(412);
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    assertThat(description("put")).isEqualTo("replaced");
  }

  @Test
  void aDeleteWithAStaleIfMatchIs412AndTheRowStays() {
    String path = detail("delete");
    String before = s.get(path, alice).header("ETag");
    write(HttpMethod.PATCH, path, new JsonObject().put("description", "changed"), Map.of());

    HttpResult stale = s.send(HttpMethod.DELETE, path, alice, null, Map.of("If-Match", before));

    assertThat(stale.status()).isEqualTo(412);
    assertThat(rows("delete")).as("the row in PostgreSQL").isEqualTo(1);
    String current = s.get(path, alice).header("ETag");
    HttpResult deleted = s.send(HttpMethod.DELETE, path, alice, null, Map.of("If-Match", current));
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(rows("delete")).isZero();
  }

  @Test
  void ifMatchStarMatchesAnyExistingRowAndAListMatchesWhenOneOfItsTagsDoes() {
    HttpResult star = write(HttpMethod.PATCH, detail("star"), new JsonObject().put("description", "star"),
        Map.of("If-Match", "*"));
    String etag = s.get(detail("list"), alice).header("ETag");
    HttpResult listed = write(HttpMethod.PATCH, detail("list"), new JsonObject().put("description", "listed"),
        Map.of("If-Match", "\"older\", " + etag + ", W/\"weak\""));

    assertThat(star.status()).isEqualTo(200);
    assertThat(description("star")).isEqualTo("star");
    assertThat(listed.status()).isEqualTo(200);
    assertThat(description("list")).isEqualTo("listed");
  }

  @Test
  void aWeakEtagNeverMatchesIfMatchWhichComparesStrongly() {
    String etag = s.get(detail("weak"), alice).header("ETag");

    HttpResult weak = write(HttpMethod.PATCH, detail("weak"), new JsonObject().put("description", "weak"),
        Map.of("If-Match", "W/" + etag));

    assertThat(weak.status()).isEqualTo(412);
    assertThat(weak.json().getString("message")).contains("strong comparison").contains("weak");
    assertThat(weak.json().getJsonObject("details").getString("etag")).isEqualTo(etag);
    assertThat(description("weak")).isEqualTo("the weak design");
  }

  @Test
  void aMalformedIfMatchIsA400NamingTheHeaderAndWritesNothing() {
    for (String malformed : List.of("abc", "\"unterminated", "\"a\" \"b\"", "\"a\",", "*, \"a\"", "")) {
      HttpResult r = write(HttpMethod.PATCH, detail("malformed"), new JsonObject().put("description", "x"),
          Map.of("If-Match", malformed));

      assertThat(r.status()).as("If-Match: %s", malformed).isEqualTo(400);
      assertThat(r.json().getString("error")).isEqualTo("invalid_header");
      assertThat(r.json().getJsonObject("details").getString("header")).isEqualTo("If-Match");
    }
    HttpResult delete = s.send(HttpMethod.DELETE, detail("malformed"), alice, null, Map.of("If-Match", "abc"));
    assertThat(delete.status()).isEqualTo(400);
    assertThat(description("malformed")).isEqualTo("the malformed design");
    assertThat(rows("malformed")).isEqualTo(1);
  }

  @Test
  void theDeflatedEtagOfTheSameStateMatchesToo() {
    s.get(detail("medium"), alice); // the miss stores the entry, compressed
    HttpResult deflated = s.get(detail("medium"), alice, Map.of("Accept-Encoding", "deflate")); // its stored bytes
    assertThat(deflated.header("Content-Encoding")).isEqualTo("deflate");
    assertThat(deflated.header("ETag")).endsWith("-z\"");

    HttpResult patched = write(HttpMethod.PATCH, detail("medium"), new JsonObject().put("description", "short now"),
        Map.of("If-Match", deflated.header("ETag")));

    assertThat(patched.status()).isEqualTo(200);
    assertThat(description("medium")).isEqualTo("short now");
  }

  @Test
  void preconditionsAreNotEvaluatedForSomeoneWhoMayNotSeeTheRow() {
    HttpResult r = s.send(HttpMethod.PATCH, detail("stale"), bob, new JsonObject().put("description", "bob").toBuffer(),
        Map.of("If-Match", "\"anything\""));
    HttpResult absent = s.send(HttpMethod.DELETE, "/api/designs/" + UUID.randomUUID(), alice, null,
        Map.of("If-Match", "*"));

    assertThat(r.status()).as("a 404, never a 412 that would show the row's ETag").isEqualTo(404);
    assertThat(r.body().toString()).doesNotContain("etag");
    assertThat(absent.status()).isEqualTo(404);
  }

  @Test
  void ofConcurrentWritesWithTheSameIfMatchExactlyOneSucceeds() {
    String path = detail("race");
    String etag = s.get(path, alice).header("ETag");
    List<Future<HttpResult>> writes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      writes.add(s.sendAsync(HttpMethod.PATCH, path, alice,
          new JsonObject().put("description", "writer " + i).toBuffer(), Map.of("If-Match", etag)));
    }
    List<HttpResult> answers = new ArrayList<>();
    writes.forEach(f -> answers.add(TestServer.await(f)));

    List<HttpResult> won = answers.stream().filter(a -> a.status() == 200).toList();
    assertThat(won).hasSize(1);
    assertThat(answers.stream().filter(a -> a.status() == 412).count()).isEqualTo(7);
    assertThat(description("race")).isEqualTo(won.get(0).json().getString("description"));
  }

  @Test
  void aMembershipIsConditionalOnTheEtagItsWriteAnswered() {
    String path = "/api/organizations/" + org + "/members/" + carolId;
    HttpResult first = write(HttpMethod.PATCH, path, new JsonObject().put("role", "VIEWER"), Map.of());

    HttpResult matching = write(HttpMethod.PATCH, path, new JsonObject().put("role", "EDITOR"),
        Map.of("If-Match", first.header("ETag")));
    HttpResult stale = write(HttpMethod.PATCH, path, new JsonObject().put("role", "VIEWER"),
        Map.of("If-Match", first.header("ETag")));

    assertThat(first.status()).isEqualTo(200);
    assertThat(matching.status()).isEqualTo(200);
    assertThat(stale.status()).isEqualTo(412);
    assertThat(s.fixtures.queryString("SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?",
        org, carolId)).isEqualTo("EDITOR");
  }

  @Test
  void theEtagIsTheSameOnEveryNodeAndAWriteThroughOneIsConditionalOnTheOthersEtag() {
    String path = detail("nodes");
    try (TestServer second = TestServer.startAlongside(s, s.config.with("http.port", TestServer.freePort()))) {
      awaitIncarnation(second);
      HttpResult written = write(HttpMethod.PATCH, path, new JsonObject().put("description", "via node 1"), Map.of());

      HttpResult computedOnTwo = second.get(path, alice);
      HttpResult readOnOne = s.get(path, alice);

      assertThat(cacheStatus(computedOnTwo)).as("node 2 computed it itself").startsWith("enginel; fwd=miss");
      assertThat(computedOnTwo.header("ETag")).isEqualTo(written.header("ETag")).isEqualTo(readOnOne.header("ETag"));

      HttpResult viaTwo = second.send(HttpMethod.PATCH, path, alice,
          new JsonObject().put("description", "via node 2").toBuffer(), Map.of("If-Match", readOnOne.header("ETag")));
      HttpResult staleViaOne = write(HttpMethod.PATCH, path, new JsonObject().put("description", "lost"),
          Map.of("If-Match", readOnOne.header("ETag")));

      assertThat(viaTwo.status()).isEqualTo(200);
      assertThat(staleViaOne.status()).isEqualTo(412);
      assertThat(staleViaOne.json().getJsonObject("details").getString("etag")).isEqualTo(viaTwo.header("ETag"));
      assertThat(description("nodes")).isEqualTo("via node 2");
    }
  }

  // ------------------------------------------------------------------ Last-Modified, If-Modified-Since, 304

  @Test
  void aDetailCarriesTheLastModificationOfItsRowAsAnHttpDate() {
    HttpResult design = s.get(detail("old"), alice);
    HttpResult user = s.get("/api/users/" + oldUserId, alice);

    assertThat(design.header("Last-Modified")).isEqualTo(OLD_HTTP_DATE);
    assertThat(user.header("Last-Modified")).isEqualTo(OLD_HTTP_DATE);
    assertThat(s.get("/api/organizations/" + org, alice).header("Last-Modified")).isEqualTo(OLD_HTTP_DATE);
    // the representation shows other rows' data without a time of their own: no Last-Modified
    assertThat(s.get("/api/reviews/" + review, alice).header("Last-Modified")).as("reviewers").isNull();
    assertThat(s.get("/api/series/" + series, alice).header("Last-Modified")).as("version count").isNull();
    assertThat(s.get("/api/designs/?page_size=5", alice).header("Last-Modified")).as("a list").isNull();
  }

  @Test
  void ifModifiedSinceIsComparedAtTheSecondInEveryHttpDateForm() {
    String path = detail("old");

    assertThat(conditional(path, "If-Modified-Since", OLD_HTTP_DATE).status()).isEqualTo(304);
    assertThat(conditional(path, "If-Modified-Since", "Tue, 05 Mar 2024 10:20:31 GMT").status()).isEqualTo(304);
    assertThat(conditional(path, "If-Modified-Since", "Tue, 05 Mar 2024 10:20:29 GMT").status()).isEqualTo(200);
    assertThat(conditional(path, "If-Modified-Since", "Tuesday, 05-Mar-24 10:20:30 GMT").status()).isEqualTo(304);
    assertThat(conditional(path, "If-Modified-Since", "Tue Mar  5 10:20:30 2024").status()).isEqualTo(304);
  }

  @Test
  void anIfModifiedSinceThatIsNotAnHttpDateIsIgnored() {
    String path = detail("old");
    for (String invalid : List.of("yesterday", "2024-03-05T10:20:30Z", "Mon, 05 Mar 2024 10:20:30 GMT",
        "tue, 05 mar 2024 10:20:30 gmt")) {
      HttpResult r = conditional(path, "If-Modified-Since", invalid);

      assertThat(r.status()).as("If-Modified-Since: %s", invalid).isEqualTo(200);
      assertThat(r.json().getString("description")).isEqualTo("last changed in March 2024");
    }
  }

  @Test
  void ifNoneMatchTakesPrecedenceOverIfModifiedSince() {
    String path = detail("old");
    String etag = s.get(path, alice).header("ETag");

    HttpResult otherEtag = s.get(path, alice, Map.of("If-None-Match", "\"other\"", "If-Modified-Since", OLD_HTTP_DATE));
    HttpResult sameEtag = s.get(path, alice, Map.of("If-None-Match", etag,
        "If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"));

    assertThat(otherEtag.status()).isEqualTo(200);
    assertThat(sameEtag.status()).isEqualTo(304);
  }

  @Test
  void a304RepeatsTheHeadersOfThe200() {
    String path = detail("headers");
    s.get(path, alice);
    HttpResult ok = s.get(path, alice);

    for (Map.Entry<String, String> condition : List.of(Map.entry("If-None-Match", ok.header("ETag")),
        Map.entry("If-Modified-Since", ok.header("Last-Modified")))) {
      HttpResult notModified = conditional(path, condition.getKey(), condition.getValue());

      assertThat(notModified.status()).as(condition.getKey()).isEqualTo(304);
      assertThat(notModified.body() == null || notModified.body().length() == 0).isTrue();
      for (String header : List.of("ETag", "Cache-Control", "Vary", "Last-Modified", "X-Cache")) {
        assertThat(notModified.header(header)).as(header).isNotNull().isEqualTo(ok.header(header));
      }
      assertThat(cacheStatus(notModified)).matches("enginel; hit; ttl=(29[6-9]|300); detail=redis-default");
    }
    assertThat(ok.header("Last-Modified")).isEqualTo(OLD_HTTP_DATE);
  }

  @Test
  void afterAWriteTheOldLastModifiedIsNoLongerNotModifiedAndTheNewOneIsSentOnceItsSecondIsOver() {
    String path = detail("after-write");
    assertThat(s.get(path, alice).header("Last-Modified")).isEqualTo(OLD_HTTP_DATE);
    long before = System.currentTimeMillis();

    write(HttpMethod.PATCH, path, new JsonObject().put("description", "rewritten"), Map.of());
    HttpResult modified = conditional(path, "If-Modified-Since", OLD_HTTP_DATE);
    long elapsed = System.currentTimeMillis() - before;

    assertThat(modified.status()).isEqualTo(200);
    assertThat(modified.json().getString("description")).isEqualTo("rewritten");
    if (elapsed < 1000) {
      // another write within the same second would share it: not announced yet, the ETag validates alone
      assertThat(modified.header("Last-Modified")).isNull();
    }
    Waits.until(() -> s.get(path, alice).header("Last-Modified") != null, Duration.ofSeconds(5),
        "the second of the write is announced once it is over");
    String lastModified = s.get(path, alice).header("Last-Modified");
    assertThat(HttpDates.parse(lastModified)).isGreaterThanOrEqualTo(before / 1000 - 1);
    assertThat(conditional(path, "If-Modified-Since", lastModified).status()).isEqualTo(304);
  }

  @Test
  void everyChangeOfARowMovesItsUpdatedAtWhoeverMakesIt() {
    String outside = designs.get("outside").toString();
    String uploaded = designs.get("uploaded").toString();

    s.fixtures.update("UPDATE design_assets SET description = 'changed outside Enginel' WHERE id = ?::uuid", outside);
    s.fixtures.update("DELETE FROM users WHERE id = ?", leavingUserId); // uploaded_by set to NULL by the database

    assertThat(s.fixtures.queryString("SELECT (updated_at > now() - interval '1 minute')::text FROM design_assets "
        + "WHERE id = ?::uuid", outside)).isEqualTo("true");
    assertThat(s.fixtures.queryString("SELECT (uploaded_by IS NULL AND updated_at > now() - interval '1 minute')::text "
        + "FROM design_assets WHERE id = ?::uuid", uploaded)).isEqualTo("true");
    Waits.until(() -> !OLD_HTTP_DATE.equals(s.get(detail("uploaded"), alice).header("Last-Modified")),
        Duration.ofSeconds(5), "the cached detail was invalidated and its Last-Modified moved");
  }

  // ------------------------------------------------------------------ helpers

  static String detail(String name) {
    return "/api/designs/" + designs.get(name);
  }

  static HttpResult write(HttpMethod method, String path, JsonObject body, Map<String, String> headers) {
    return s.send(method, path, alice, body.toBuffer(), headers);
  }

  static HttpResult conditional(String path, String header, String value) {
    return s.get(path, alice, Map.of(header, value));
  }

  /** The Cache-Status header, checked to be a structured-field list (RFC 8941) of the one member enginel. */
  static String cacheStatus(HttpResult r) {
    String value = r.header("Cache-Status");
    assertThat(value).as("Cache-Status of %s", r).isNotNull().matches(STRUCTURED);
    return value;
  }

  static String description(String name) {
    return s.fixtures.queryString("SELECT description FROM design_assets WHERE id = ?", designs.get(name));
  }

  static long rows(String name) {
    return s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE id = ?", designs.get(name));
  }

  static long audits(String name) {
    return s.fixtures.queryLong("SELECT count(*) FROM audit_logs WHERE resource_id = ?", designs.get(name).toString());
  }

  /**
   * Sets the expiry a stored entry carries to {@code seconds} from now (its Redis TTL unchanged): the entry's own
   * account of its lifetime, which a hit reports. The layout is ResponseEntry's: 'E', version, u16 length and the
   * incarnation, u64 sequence, u64 expiry in epoch milliseconds.
   */
  /** A design's detail read into the cache, then its Cache-Status after its entry is set to expire in each of these. */
  static List<String> hitStatusesExpiringIn(String design, long... seconds) {
    String path = detail(design);
    String key = keys.designDetail(designs.get(design).toString());
    s.get(path, alice);
    List<String> statuses = new ArrayList<>();
    for (long left : seconds) {
      expireIn(key, left);
      statuses.add(cacheStatus(s.get(path, alice)));
    }
    return statuses;
  }

  static void expireIn(String key, long seconds) {
    Buffer stored = s.redis(Tier.DEFAULT, "GET", key).toBuffer().copy();
    int expiry = 4 + stored.getUnsignedShort(2) + 8;
    stored.setLong(expiry, System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(seconds));
    s.redis(Tier.DEFAULT, "SET", key, stored, "KEEPTTL");
  }

  /** Waits for a node's start-up invalidation (a new incarnation of its response tier), as SeededServer does. */
  static void awaitIncarnation(TestServer node) {
    Waits.until(() -> node.redisExists(Tier.DEFAULT, node.prefix() + ":_inv"), Duration.ofSeconds(5),
        "the start-up invalidation of " + node.prefix());
  }

  static String hex(int length) {
    StringBuilder sb = new StringBuilder(length);
    while (sb.length() < length) {
      sb.append(Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }
    return sb.substring(0, length);
  }
}
