package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.domain.Principal;
import io.enginel.domain.Role;
import io.enginel.support.BulkRows;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Zlib;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Read-through response caching over HTTP with Redis behind it: X-Cache, ETag / 304, one entry per
 * equivalent query and permission scope, deflate pass-through, single flight, compression and TTLs of
 * what is stored.
 */
class ResponseCachingTest {
  static TestServer s;
  static CacheKeys keys;

  static UUID orgA;
  static UUID orgB;
  static UUID orgC;
  static long aliceId;
  static long daveId;
  static long bobId;
  static long carolId;
  static long erinId;
  static UUID seriesA;
  static UUID designA;
  static UUID designEtag;
  static UUID designEtagMiss;
  static UUID designCold;
  static UUID designCorrupt;
  static UUID designB;
  static final List<UUID> designsOfA = new ArrayList<>();
  // erin's organization C holds one row of every kind, read by nobody else
  static UUID seriesC;
  static UUID designC;
  static UUID nodeC;
  static UUID reviewC;
  static UUID markupC;
  static UUID jobC;

  static String alice;
  static String dave;
  static String bob;
  static String carol;
  static String erin;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("auth.loginAttemptsPerMinute", 1000), f -> {
      orgA = f.organization("Org A");
      orgB = f.organization("Org B");
      orgC = f.organization("Org C");
      aliceId = f.user("alice");
      daveId = f.user("dave");
      bobId = f.user("bob");
      carolId = f.user("carol");
      erinId = f.user("erin");
      f.member(orgA, aliceId, "EDITOR");
      f.member(orgA, daveId, "VIEWER");
      f.member(orgB, bobId, "EDITOR");
      f.member(orgA, carolId, "VIEWER");
      f.member(orgB, carolId, "VIEWER");
      f.member(orgC, erinId, "ADMIN");

      seriesA = f.series(orgA, "PN-A1");
      designsOfA.addAll(BulkRows.designs(f, seriesA, 30));
      designA = designsOfA.get(0);
      designEtag = designsOfA.get(1);
      designEtagMiss = designsOfA.get(2);
      designCold = designsOfA.get(3);
      designCorrupt = designsOfA.get(4);
      UUID root = f.node(designA, null, "ASM-1", 1);
      f.node(designA, root, "BOLT-M6", 4);
      designB = f.design(f.series(orgB, "PN-B1"), "housing.step", "a cast housing");

      seriesC = f.series(orgC, "PN-C1");
      designC = f.design(seriesC, "gear.step", "a spur gear");
      nodeC = f.node(designC, null, "GEAR-ASM", 1);
      f.node(designC, nodeC, "GEAR-TOOTH", 20);
      reviewC = f.review(designC, "Gear review");
      markupC = UUID.randomUUID();
      f.update("INSERT INTO markups (id, review_id, organization_id, author_id, comment) VALUES (?, ?, ?, ?, ?)",
          markupC, reviewC, orgC, erinId, "check the tooth profile");
      jobC = UUID.randomUUID();
      f.update("INSERT INTO analysis_jobs (id, design_id, organization_id, job_type, created_by) VALUES (?, ?, ?, ?, ?)",
          jobC, designC, orgC, "MASS_PROPERTIES", erinId);
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
    dave = s.login("dave");
    bob = s.login("bob");
    carol = s.login("carol");
    erin = s.login("erin");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  // ------------------------------------------------------------------ MISS then HIT, ETag

  static Stream<String> readsOfEveryKind() {
    return Stream.of(
        "/api/organizations/", "/api/organizations/" + orgC, "/api/organizations/" + orgC + "/storage",
        "/api/organizations/" + orgC + "/members",
        "/api/users/", "/api/users/" + erinId, "/api/users/me",
        "/api/series/", "/api/series/" + seriesC, "/api/series/" + seriesC + "/versions",
        "/api/designs/", "/api/designs/" + designC, "/api/designs/" + designC + "/bom",
        "/api/assembly-nodes/", "/api/assembly-nodes/" + nodeC,
        "/api/analysis-jobs/", "/api/analysis-jobs/" + jobC,
        "/api/reviews/", "/api/reviews/" + reviewC, "/api/reviews/" + reviewC + "/markups",
        "/api/markups/", "/api/markups/" + markupC,
        "/api/audit-logs/");
  }

  @ParameterizedTest(name = "GET {0}")
  @MethodSource("readsOfEveryKind")
  void readIsAMissFirstThenAHitWithTheSameBodyAndEtag(String path) {
    HttpResult first = s.get(path, erin);
    HttpResult second = s.get(path, erin);

    assertThat(first.status()).as("GET %s answered %s", path, first).isEqualTo(200);
    assertThat(first.xCache()).isEqualTo("MISS");
    assertThat(first.header("ETag")).isNotBlank();
    assertThat(first.header("Content-Type")).startsWith("application/json");
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.xCache()).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("ETag")).isEqualTo(first.header("ETag"))
        .isEqualTo(ResponseEntry.etagOf(first.body().getBytes()));
  }

  @Test
  void retrieveIsStoredUnderTheDetailKeyOfTheSeed() {
    String path = "/api/organizations/" + orgA;
    s.get(path, alice);

    assertThat(s.redisExists(Tier.DEFAULT, keys.orgDetail(orgA.toString()))).isTrue();
    ResponseEntry stored = storedEntry(Tier.DEFAULT, keys.orgDetail(orgA.toString()));
    assertThat(stored.body()).isEqualTo(s.get(path, alice).body());
  }

  @Test
  void ifNoneMatchWithTheEtagAnswers304WithoutBodyOnAHit() {
    String path = "/api/designs/" + designEtag;
    HttpResult miss = s.get(path, alice);
    String etag = miss.header("ETag");

    HttpResult hit = s.get(path, alice, Map.of("If-None-Match", etag));

    assertThat(hit.status()).isEqualTo(304);
    assertThat(hit.xCache()).isEqualTo("HIT");
    assertThat(hit.header("ETag")).isEqualTo(etag);
    assertThat(hit.body() == null || hit.body().length() == 0).as("no body on a 304").isTrue();
  }

  @Test
  void ifNoneMatchWithTheEtagAnswers304WithoutBodyOnAMiss() {
    String path = "/api/designs/" + designEtagMiss;
    String etag = s.get(path, alice).header("ETag");
    s.redis(Tier.DEFAULT, "DEL", keys.designDetail(designEtagMiss.toString()));

    HttpResult miss = s.get(path, alice, Map.of("If-None-Match", etag));

    assertThat(miss.status()).isEqualTo(304);
    assertThat(miss.xCache()).isEqualTo("MISS");
    assertThat(miss.header("ETag")).isEqualTo(etag);
    assertThat(miss.body() == null || miss.body().length() == 0).as("no body on a 304").isTrue();
  }

  @Test
  void ifNoneMatchListingTheEtagAmongOthersAnswers304() {
    String path = "/api/series/" + seriesA;
    String etag = s.get(path, alice).header("ETag");

    HttpResult r = s.get(path, alice, Map.of("If-None-Match", "\"somethingelse\", W/" + etag));

    assertThat(r.status()).isEqualTo(304);
  }

  @Test
  void ifNoneMatchWithAnotherEtagAnswersTheBody() {
    String path = "/api/series/" + seriesA;
    HttpResult first = s.get(path, alice);

    HttpResult r = s.get(path, alice, Map.of("If-None-Match", "\"not-the-current-one\""));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.xCache()).isEqualTo("HIT");
    assertThat(r.body()).isEqualTo(first.body());
  }

  // ------------------------------------------------------------------ one entry per equivalent query

  @Test
  void equivalentQueryStringsShareOneEntry() {
    HttpResult first = s.get("/api/designs/?upload_status=COMPLETED&ordering=-created_at&page_size=20", bob);
    List<HttpResult> equivalents = List.of(
        s.get("/api/designs/?page_size=20&ordering=-created_at&upload_status=COMPLETED", bob),
        s.get("/api/designs?upload_status=COMPLETED", bob),
        s.get("/api/designs/?upload_status=COMPLETED&page=1&page_size=20&ordering=-created_at", bob),
        s.get("/api/designs/?utm_source=newsletter&upload_status=COMPLETED&x=1", bob),
        s.get("/api/designs/?upload_status=COMPLETED&ordering=&search=&file_format=", bob));

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.xCache()).isEqualTo("MISS");
    assertThat(equivalents).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.xCache()).isEqualTo("HIT");
      assertThat(r.body()).isEqualTo(first.body());
    });
    String scope = scopeOf(bobId, orgB);
    assertThat(s.redisKeys(Tier.DEFAULT, "design:list:" + scope + ":*upload_status*"))
        .containsExactly(keys.designList(scope, "ordering=-created_at&page=1&page_size=20&upload_status=COMPLETED"));
  }

  @Test
  void queriesThatDifferGetEntriesOfTheirOwn() {
    HttpResult byName = s.get("/api/series/?ordering=part_number&page_size=5", carol);
    HttpResult byNameDesc = s.get("/api/series/?ordering=-part_number&page_size=5", carol);
    HttpResult page2 = s.get("/api/series/?ordering=part_number&page_size=1&page=2", carol);

    assertThat(List.of(byName, byNameDesc, page2)).allSatisfy(r -> assertThat(r.xCache()).isEqualTo("MISS"));
    assertThat(byNameDesc.results().getJsonObject(0).getString("part_number")).isEqualTo("PN-B1");
    assertThat(byName.results().getJsonObject(0).getString("part_number")).isEqualTo("PN-A1");
    assertThat(s.redisKeys(Tier.DEFAULT, "series:list:" + scopeOf(carolId, orgA, orgB) + ":*")).hasSize(3);
  }

  @Test
  void searchTextThatLooksLikeAFilterDoesNotShareTheEntryOfTheFilteredQuery() {
    // a search for the literal text "part&upload_status=COMPLETED" matches no design ...
    HttpResult filtered = s.get("/api/designs/?search=part&upload_status=COMPLETED&page_size=3", dave);
    HttpResult literal = s.get("/api/designs/?search=part%26upload_status%3DCOMPLETED&page_size=3", dave);

    assertThat(filtered.status()).isEqualTo(200);
    assertThat(filtered.json().getLong("count")).isEqualTo(30);
    assertThat(literal.status()).isEqualTo(200);
    assertThat(literal.xCache()).as("a different query must not be a hit").isEqualTo("MISS");
    assertThat(literal.json().getLong("count")).isZero();
  }

  @Test
  void longSearchIsKeyedByAFixedLengthHash() {
    String search = "part-" + "x".repeat(150);
    HttpResult first = s.get("/api/designs/?search=" + search, dave);
    HttpResult second = s.get("/api/designs/?search=" + search, dave);
    HttpResult third = s.get("/api/designs/?search=" + search, dave);

    assertThat(first.header("Cache-Status")).isEqualTo("enginel; fwd=miss; detail=first-ask");
    assertThat(second.xCache()).isEqualTo("MISS");
    assertThat(third.xCache()).isEqualTo("HIT");
    String scope = scopeOf(daveId, orgA);
    String expected = keys.designList(scope, "ordering=-created_at&page=1&page_size=20&search=" + search);
    assertThat(expected).matches(".*:h[0-9a-f]{32}");
    assertThat(s.redisExists(Tier.DEFAULT, expected)).isTrue();
  }

  // ------------------------------------------------------------------ scopes: who shares what

  @Test
  void usersWhoseOrganizationsDifferNeverShareAListEntry() {
    String path = "/api/designs/?ordering=filename&page_size=50";
    HttpResult aliceFirst = s.get(path, alice);
    HttpResult bobFirst = s.get(path, bob);
    HttpResult aliceAgain = s.get(path, alice);
    HttpResult bobAgain = s.get(path, bob);

    assertThat(aliceFirst.xCache()).isEqualTo("MISS");
    assertThat(bobFirst.xCache()).as("bob must not be served alice's entry").isEqualTo("MISS");
    assertThat(aliceAgain.xCache()).isEqualTo("HIT");
    assertThat(bobAgain.xCache()).isEqualTo("HIT");
    assertThat(ids(aliceFirst)).hasSize(30).allMatch(id -> designsOfA.contains(UUID.fromString(id)));
    assertThat(ids(bobFirst)).containsExactly(designB.toString());
    assertThat(aliceAgain.body()).isEqualTo(aliceFirst.body());
    assertThat(bobAgain.body()).isEqualTo(bobFirst.body());
    assertThat(s.redisKeys(Tier.DEFAULT, "design:list:*:ordering=filename&page=1&page_size=50"))
        .containsExactlyInAnyOrder(keys.designList(scopeOf(aliceId, orgA), "ordering=filename&page=1&page_size=50"),
            keys.designList(scopeOf(bobId, orgB), "ordering=filename&page=1&page_size=50"));
  }

  @Test
  void aUserInMoreOrganizationsGetsAnEntryOfTheirOwn() {
    String path = "/api/designs/?ordering=filename&page_size=40";
    HttpResult alicePage = s.get(path, alice);
    HttpResult carolPage = s.get(path, carol);

    assertThat(alicePage.xCache()).isEqualTo("MISS");
    assertThat(carolPage.xCache()).isEqualTo("MISS");
    assertThat(ids(carolPage)).hasSize(31).contains(designB.toString());
    assertThat(ids(alicePage)).hasSize(30).doesNotContain(designB.toString());
  }

  @Test
  void usersWithTheSameOrganizationsShareListEntries() {
    String path = "/api/designs/?ordering=-filename&page_size=7";
    HttpResult aliceFirst = s.get(path, alice);
    HttpResult daveFirst = s.get(path, dave);

    assertThat(aliceFirst.xCache()).isEqualTo("MISS");
    assertThat(daveFirst.xCache()).isEqualTo("HIT");
    assertThat(daveFirst.body()).isEqualTo(aliceFirst.body());
    assertThat(s.redisKeys(Tier.DEFAULT, "design:list:*:ordering=-filename&page=1&page_size=7")).hasSize(1);
  }

  @Test
  void sharedDetailEntryIsNeverServedOutsideItsOrganizations() {
    String path = "/api/designs/" + designA;
    HttpResult aliceMiss = s.get(path, alice);
    HttpResult bobAfterFill = s.get(path, bob);
    HttpResult daveHit = s.get(path, dave);

    assertThat(aliceMiss.status()).isEqualTo(200);
    assertThat(bobAfterFill.status()).isEqualTo(404);
    assertThat(bobAfterFill.body().toString()).doesNotContain(designA.toString()).doesNotContain("part-01");
    assertThat(bobAfterFill.header("ETag")).isNull();
    assertThat(daveHit.status()).isEqualTo(200);
    assertThat(daveHit.xCache()).isEqualTo("HIT");
  }

  // ------------------------------------------------------------------ compression

  @Test
  void largeListPageIsStoredCompressedAndTinyEntryRaw() {
    String page = "/api/designs/?ordering=filename&page_size=25";
    HttpResult big = s.get(page, dave);
    HttpResult tiny = s.get("/api/organizations/" + orgB, bob);

    ResponseEntry bigEntry = storedEntry(Tier.DEFAULT,
        keys.designList(scopeOf(daveId, orgA), "ordering=filename&page=1&page_size=25"));
    ResponseEntry tinyEntry = storedEntry(Tier.DEFAULT, keys.orgDetail(orgB.toString()));

    assertThat(big.body().length()).isGreaterThan(s.config.cache().compressThresholdBytes());
    assertThat(bigEntry.compressed()).isTrue();
    assertThat(bigEntry.storedBody().length()).isLessThan(big.body().length());
    assertThat(bigEntry.body()).isEqualTo(big.body());
    assertThat(bigEntry.etag()).isEqualTo(big.header("ETag"));
    assertThat(bigEntry.owners()).containsExactly(orgA.toString());
    assertThat(tiny.body().length()).isLessThan(s.config.cache().compressThresholdBytes());
    assertThat(tinyEntry.compressed()).isFalse();
    assertThat(tinyEntry.body()).isEqualTo(tiny.body());
  }

  @Test
  void hitOfACompressedEntryIsSentDeflatedToClientsThatAcceptDeflate() {
    String page = "/api/designs/?ordering=filename&page_size=30";
    HttpResult plain = s.get(page, alice);
    assertThat(storedEntry(Tier.DEFAULT, keys.designList(scopeOf(aliceId, orgA), "ordering=filename&page=1&page_size=30"))
        .compressed()).isTrue();

    HttpResult deflated = s.get(page, alice, Map.of("Accept-Encoding", "gzip, deflate"));
    HttpResult plainHit = s.get(page, alice);

    assertThat(deflated.status()).isEqualTo(200);
    assertThat(deflated.xCache()).isEqualTo("HIT");
    assertThat(deflated.header("Content-Encoding")).isEqualTo("deflate");
    assertThat(deflated.header("Vary")).contains("Accept-Encoding");
    assertThat(deflated.body().length()).isLessThan(plain.body().length());
    assertThat(Zlib.inflate(deflated.body().getBytes())).isEqualTo(plain.body().getBytes());
    assertThat(plainHit.header("Content-Encoding")).isNull();
    assertThat(plainHit.body()).isEqualTo(plain.body());
  }

  @Test
  void clientThatRefusesDeflateGetsThePlainBodyOnAHit() {
    String page = "/api/designs/?ordering=-version&page_size=30";
    HttpResult plain = s.get(page, alice);
    assertThat(storedEntry(Tier.DEFAULT, keys.designList(scopeOf(aliceId, orgA), "ordering=-version&page=1&page_size=30"))
        .compressed()).isTrue();

    HttpResult refused = s.get(page, alice, Map.of("Accept-Encoding", "deflate;q=0, identity"));

    assertThat(refused.xCache()).isEqualTo("HIT");
    assertThat(refused.header("Content-Encoding")).isNull();
    assertThat(refused.body()).isEqualTo(plain.body());
  }

  // ------------------------------------------------------------------ single flight

  @Test
  void concurrentMissesOfOneKeyMakeOneDatabaseQuery() {
    String path = "/api/designs/" + designCold;
    assertThat(s.get("/api/users/me", alice).status()).isEqualTo(200); // the token is known: no session reads below
    long before = s.queryCount("get:designs");

    List<Future<HttpResult>> all = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      all.add(s.sendAsync(HttpMethod.GET, path, alice, null, Map.of()));
    }
    TestServer.await(Future.all(all));

    assertThat(s.queryCount("get:designs") - before).isEqualTo(1);
    Buffer body = all.get(0).result().body();
    assertThat(all).allSatisfy(f -> {
      assertThat(f.result().status()).isEqualTo(200);
      assertThat(f.result().body()).isEqualTo(body);
    });
    assertThat(body.toJsonObject().getString("id")).isEqualTo(designCold.toString());
  }

  // ------------------------------------------------------------------ what is stored, and for how long

  @Test
  void detailAndListKeysCarryTheConfiguredTtl() {
    s.get("/api/designs/" + designA + "/", dave);
    s.get("/api/designs/?ordering=version&page_size=2", dave);

    long detailTtl = s.redis(Tier.DEFAULT, "TTL", keys.designDetail(designA.toString())).toLong();
    long listTtl = s.redis(Tier.DEFAULT, "TTL",
        keys.designList(scopeOf(daveId, orgA), "ordering=version&page=1&page_size=2")).toLong();

    assertThat(detailTtl).isBetween(290L, 300L);
    assertThat(listTtl).isBetween(290L, 300L);
  }

  @Test
  void bomLivesInTheLongtermTierForAnHour() {
    HttpResult bom = s.get("/api/designs/" + designA + "/bom/", alice);
    String key = keys.designBom(designA.toString());

    assertThat(bom.status()).isEqualTo(200);
    assertThat(s.config.redis().tierDbs().get(Tier.LONGTERM)).isEqualTo(3);
    assertThat(s.redisExists(Tier.LONGTERM, key)).isTrue();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
    assertThat(s.redis(Tier.LONGTERM, "TTL", key).toLong()).isBetween(3590L, 3600L);
    assertThat(s.get("/api/designs/" + designA + "/bom", alice).xCache()).isEqualTo("HIT");
  }

  @Test
  void sessionLivesInTheSessionsTierForADay() throws Exception {
    String token = s.login("dave");
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(token.getBytes(StandardCharsets.US_ASCII)));
    String key = keys.session(hash);
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200); // the session is cached on first use

    assertThat(s.config.redis().tierDbs().get(Tier.SESSIONS)).isEqualTo(2);
    assertThat(s.redisExists(Tier.SESSIONS, key)).isTrue();
    assertThat(s.redisExists(Tier.DEFAULT, key)).isFalse();
    assertThat(s.redis(Tier.SESSIONS, "TTL", key).toLong()).isBetween(86390L, 86400L);
  }

  // ------------------------------------------------------------------ robustness

  @Test
  void corruptStoredEntryIsAnsweredAsAMissFromTheDatabase() throws Exception {
    String path = "/api/designs/" + designCorrupt;
    HttpResult good = s.get(path, alice);
    String key = keys.designDetail(designCorrupt.toString());
    ResponseEntry stored = storedEntry(Tier.DEFAULT, key);
    // the same header (current incarnation, ETag, owners) before a zlib marker and bytes that are not zlib
    Buffer corrupt = Buffer.buffer().appendByte((byte) 'E').appendByte((byte) 1);
    for (String part : List.of(stored.incarnation(), stored.etag(), String.join(",", stored.owners()))) {
      corrupt.appendUnsignedShort(part.length()).appendString(part, "US-ASCII");
    }
    corrupt.appendByte(ValueCodec.ZLIB).appendString("this is not a zlib stream");
    s.redis(Tier.DEFAULT, "SET", key, corrupt.toString(StandardCharsets.ISO_8859_1), "EX", "300");

    HttpResult again = s.sendAsync(HttpMethod.GET, path, alice, null, Map.of()).await(5, TimeUnit.SECONDS);

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(good.body());
  }

  // ------------------------------------------------------------------ helpers

  private static ResponseEntry storedEntry(Tier tier, String key) {
    var raw = s.redis(tier, "GET", key);
    assertThat(raw).as("stored value of " + key).isNotNull();
    ResponseEntry entry = ResponseEntry.parse(raw.toBuffer());
    assertThat(entry).as("entry at " + key).isNotNull();
    return entry;
  }

  private static String scopeOf(long userId, UUID... orgs) {
    Map<String, Role> memberships = Stream.of(orgs).collect(Collectors.toMap(UUID::toString, o -> Role.VIEWER));
    return Principal.of(userId, "any", false, memberships).scopeKey();
  }

  private static Set<String> ids(HttpResult r) {
    JsonArray results = r.results();
    return results.stream().map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toSet());
  }
}
