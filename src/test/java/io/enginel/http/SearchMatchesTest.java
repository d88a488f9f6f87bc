package io.enginel.http;

import io.enginel.config.Tier;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Resources;
import io.enginel.repository.RepositoryApi;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A search's page is read from each organization's kept matches (the count and the page's ids merged from them, only
 * the page's rows read from PostgreSQL), and answers exactly what the one statement answers: for readers of one,
 * two and three organizations, ranges on ties and between them, both directions, any page. The matches are kept per
 * organization, shared by every reader who sees it, dropped by a write that changes them, and a set that no longer
 * holds — a row that left it, or moved, before its invalidation — is never served: the statement answers instead.
 */
class SearchMatchesTest {
  static final String[] WORDS = {"pump", "valve", "gear", "bracket"};
  /** Few distinct creation instants, so that most rows tie on their order key. */
  static final String[] INSTANTS = {"2025-03-01T10:00:00Z", "2025-03-01T10:00:00.000001Z", "2025-06-15T00:00:00Z",
      "2025-09-30T23:59:59.999999Z"};

  static final String SUB_MICROSECOND = "2025-03-01T10:00:00.0000005Z";

  static TestServer s;
  static UUID orgA;
  static UUID orgB;
  static UUID orgC;
  static UUID seriesA;
  /** An organization of its own for rows changed behind the server's back, so that no other test reads them. */
  static UUID seriesD;
  static Map<String, List<String>> orgsOf = new HashMap<>();
  static Map<String, Long> userOf = new HashMap<>();
  static Map<String, String> tokens = new HashMap<>();

  @BeforeAll
  static void start() {
    s = TestServer.start();
    orgA = s.fixtures.organization("Matches A");
    orgB = s.fixtures.organization("Matches B");
    orgC = s.fixtures.organization("Matches C");
    reader("one", orgA);
    reader("two", orgA, orgB);
    reader("three", orgA, orgB, orgC);
    UUID orgD = s.fixtures.organization("Matches D");
    reader("four", orgD);
    seriesD = s.fixtures.series(orgD, "PN-ASIDE-04");
    seriesA = s.fixtures.series(orgA, "PN-PUMP-01");
    UUID seriesB = s.fixtures.series(orgB, "PN-GEAR-02");
    UUID seriesC = s.fixtures.series(orgC, "PN-OTHER-03");
    Random random = new Random(11);
    UUID[] series = {seriesA, seriesB, seriesC};
    for (int i = 0; i < 90; i++) {
      String word = WORDS[random.nextInt(WORDS.length)];
      UUID d = s.fixtures.design(series[i % 3], "part-" + i + ".step", "a " + word + " of batch " + i,
          i % 4 == 0 ? "PENDING" : "COMPLETED");
      s.fixtures.update("UPDATE design_assets SET created_at = ?::timestamptz WHERE id = ?",
          INSTANTS[random.nextInt(INSTANTS.length)], d);
    }
    s.awaitNotificationsSettled();
  }

  static void reader(String name, UUID... orgs) {
    long user = s.fixtures.user(name);
    List<String> ids = new ArrayList<>();
    for (UUID org : orgs) {
      s.fixtures.member(org, user, "EDITOR");
      ids.add(org.toString());
    }
    ids.sort(null);
    orgsOf.put(name, ids);
    userOf.put(name, user);
    tokens.put(name, s.login(name));
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** The one statement's answer, asked of the repository as the HTTP verticle asks it. */
  static JsonObject statement(String reader, Map<String, String> params) {
    ListQuery q = ListQuery.parse(Resources.DESIGNS, params, Map.of(), null, 20, 100);
    JsonObject scope = new JsonObject().put("orgs", new JsonArray(new ArrayList<>(orgsOf.get(reader))))
        .put("user", userOf.get(reader)).put("staff", false);
    return s.requestHere(RepositoryApi.LIST, new JsonObject().put("query", q.toJson()).put("scope", scope));
  }

  static String path(Map<String, String> params) {
    StringBuilder sb = new StringBuilder("/api/designs/?");
    params.forEach((k, v) -> sb.append(k).append('=').append(v.replace("+", "%2B").replace(":", "%3A")).append('&'));
    return sb.toString();
  }

  @Test
  void aSearchPageIsExactlyWhatTheStatementAnswers() {
    Random random = new Random(3);
    String[] bounds = {INSTANTS[0], INSTANTS[1], INSTANTS[2], INSTANTS[3], SUB_MICROSECOND,
        "2025-06-15T00:00:00.000001Z", "2024-01-01T00:00:00Z", "2026-01-01T00:00:00+02:00"};
    int pages = 0;
    int nonEmpty = 0;
    long statementsBefore = s.queryCount("list:designs");
    long statementsAsked = 0;
    long httpByStatement = 0;
    for (int i = 0; i < 150; i++) {
      String reader = List.of("one", "two", "three").get(random.nextInt(3));
      Map<String, String> params = new HashMap<>();
      params.put("search", random.nextInt(6) == 0 ? "PN-" : WORDS[random.nextInt(WORDS.length)]);
      if (random.nextBoolean()) {
        params.put("ordering", "created_at");
      }
      if (random.nextBoolean()) {
        params.put("created_before", bounds[random.nextInt(bounds.length)]);
      }
      if (random.nextInt(3) == 0) {
        params.put("created_after", bounds[random.nextInt(bounds.length)]);
      }
      if (random.nextInt(4) == 0) {
        params.put("upload_status", "COMPLETED");
      }
      params.put("page_size", String.valueOf(List.of(1, 3, 7, 20).get(random.nextInt(4))));
      params.put("page", String.valueOf(random.nextInt(8) == 0 ? 30 : 1 + random.nextInt(3)));

      HttpResult page = s.get(path(params), tokens.get(reader));
      if (params.containsValue(SUB_MICROSECOND) && !"HIT".equals(page.xCache())) {
        httpByStatement++;
      }
      JsonObject expected;
      try {
        expected = statement(reader, params);
        statementsAsked++;
      } catch (RuntimeException e) {
        statementsAsked++;
        assertThat(page.status()).as("%s as %s: a page past the end", params, reader).isEqualTo(404);
        assertThat(page.json().getString("message")).isEqualTo("Invalid page.");
        continue;
      }
      assertThat(page.status()).as("%s as %s", params, reader).isEqualTo(200);
      assertThat(page.json().getLong("count")).as("count of %s as %s", params, reader)
          .isEqualTo(expected.getLong("count"));
      assertThat(page.results()).as("rows of %s as %s", params, reader).isEqualTo(expected.getJsonArray("rows"));
      pages++;
      nonEmpty += page.results().isEmpty() ? 0 : 1;
    }
    assertThat(pages).isGreaterThan(80);
    assertThat(nonEmpty).isGreaterThan(pages / 2);
    // besides the ones this test asked for itself, the statement read only the pages with a bound finer than a
    // microsecond: every other page came from the kept matches
    assertThat(s.queryCount("list:designs") - statementsBefore - statementsAsked).isEqualTo(httpByStatement);
    assertThat(s.queryCount("matches:designs")).isPositive();
  }

  @Test
  void eachOrganizationsMatchesAreKeptOnceUnderTheirOwnKeyForEveryReader() {
    String search = "/api/designs/?search=valve&page_size=2&created_before=2025-07-01T00%3A00%3A00Z";
    long before = s.queryCount("matches:designs");
    assertThat(s.get(search, tokens.get("three")).status()).isEqualTo(200);
    long afterThree = s.queryCount("matches:designs");
    assertThat(s.get(search.replace("page_size=2", "page_size=3"), tokens.get("two")).status()).isEqualTo(200);
    assertThat(s.get(search.replace("2025-07", "2025-08"), tokens.get("one")).status()).isEqualTo(200);

    assertThat(afterThree - before).as("one set per organization of the reader").isLessThanOrEqualTo(3);
    assertThat(s.queryCount("matches:designs")).as("the other readers, pages and ranges share them")
        .isEqualTo(afterThree);
    for (UUID org : List.of(orgA, orgB, orgC)) {
      String key = s.prefix() + ":design:matches:v1:" + org + ":ordering=-created_at&search=valve";
      assertThat(s.redisExists(Tier.DEFAULT, key)).as(key).isTrue();
    }

    // a change to a searched column in one organization drops that organization's set only
    String inA = s.get("/api/designs/?search=valve&page_size=1", tokens.get("one")).results().getJsonObject(0)
        .getString("id");
    assertThat(s.patch("/api/designs/" + inA, tokens.get("one"), new JsonObject().put("description", "a valve seat"))
        .status()).isEqualTo(200);
    assertThat(s.get(search.replace("page_size=2", "page_size=4"), tokens.get("three")).status()).isEqualTo(200);
    assertThat(s.queryCount("matches:designs")).isEqualTo(afterThree + 1);
  }

  @Test
  void aWriteThroughTheApiIsInTheNextSearch() {
    String search = "/api/designs/?search=quokka";
    String editor = tokens.get("two");
    assertThat(s.get(search, editor).json().getLong("count")).isZero();

    HttpResult created = s.post("/api/designs/", editor, new JsonObject().put("series", seriesA.toString())
        .put("filename", "q.step").put("file_format", "step").put("description", "a quokka mount"));
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().getString("id");
    JsonObject found = s.get(search + "&page_size=5", editor).json();
    assertThat(found.getLong("count")).isEqualTo(1);
    assertThat(found.getJsonArray("results").getJsonObject(0).getString("id")).isEqualTo(id);

    assertThat(s.patch("/api/designs/" + id, editor, new JsonObject().put("description", "a wombat mount")).status())
        .isEqualTo(200);
    assertThat(s.get(search + "&page_size=6", editor).json().getLong("count")).isZero();
    assertThat(s.get("/api/designs/?search=wombat", editor).json().getLong("count")).isEqualTo(1);

    assertThat(s.delete("/api/designs/" + id, editor).status()).isEqualTo(204);
    assertThat(s.get("/api/designs/?search=wombat&page_size=7", editor).json().getLong("count")).isZero();
  }

  /**
   * A write is answered once its invalidation is stamped in Redis and every near-cache copy evicted; a search that
   * looks its page up between the two gets a ticket after the stamp but may read a set's copy from before it. Such a
   * page is filled at its sets' clock, not its own ticket, so the fill is refused: the next search after the answer
   * never finds it (a review found 1–3 stale pages per 150 writes in every run before).
   */
  @Test
  void aSearchAfterAWriteIsAnsweredIsNeverAPageBuiltFromTheSetsBeforeIt() throws Exception {
    String editor = tokens.get("two");
    UUID design = s.fixtures.design(seriesA, "race.step", "emu0.");
    s.awaitNotificationsSettled();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> searchers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Random random = new Random(t);
      Thread searcher = new Thread(() -> {
        while (!stop.get()) {
          s.get("/api/designs/?search=emu" + (written.get() + random.nextInt(2)) + ".&page_size="
              + (1 + random.nextInt(3)), tokens.get(random.nextBoolean() ? "one" : "two"));
        }
      });
      searcher.start();
      searchers.add(searcher);
    }
    List<String> stale = new ArrayList<>();
    try {
      for (int i = 1; i <= 150; i++) {
        written.set(i);
        assertThat(s.patch("/api/designs/" + design, editor, new JsonObject().put("description", "emu" + i + "."))
            .status()).isEqualTo(200);
        String reader = i % 2 == 0 ? "one" : "two";
        long now = s.get("/api/designs/?search=emu" + i + ".&page_size=" + (1 + i % 3), tokens.get(reader)).json()
            .getLong("count");
        long before = s.get("/api/designs/?search=emu" + (i - 1) + ".&page_size=" + (1 + (i + 1) % 3),
            tokens.get(reader)).json().getLong("count");
        if (now != 1 || before != 0) {
          stale.add("write " + i + ": its value found " + now + " times, the one before " + before + " times");
        }
      }
    } finally {
      stop.set(true);
      for (Thread searcher : searchers) {
        searcher.join();
      }
    }
    assertThat(stale).isEmpty();
  }

  @Test
  void aSetThatNoLongerHoldsIsNeverServed() {
    String reader = tokens.get("four");
    UUID gone = s.fixtures.design(seriesD, "leaving.step", "a platypus flange");
    UUID moved = s.fixtures.design(seriesD, "moving.step", "a platypus flange");
    s.awaitNotificationsSettled();
    assertThat(s.get("/api/designs/?search=platypus", reader).json().getLong("count")).isEqualTo(2);

    // changed behind the server's back: no notification, so the kept set still lists both as they were
    s.fixtures.execute("SET session_replication_role = replica; "
        + "UPDATE design_assets SET description = 'a plain flange' WHERE id = '" + gone + "'; "
        + "UPDATE design_assets SET created_at = '2020-01-01T00:00:00Z' WHERE id = '" + moved + "'");
    long statements = s.queryCount("list:designs");

    JsonObject page = s.get("/api/designs/?search=platypus&page_size=5", reader).json();

    assertThat(page.getLong("count")).isEqualTo(1);
    assertThat(page.getJsonArray("results").getJsonObject(0).getString("id")).isEqualTo(moved.toString());
    assertThat(page.getJsonArray("results").getJsonObject(0).getString("created_at")).startsWith("2020-01-01");
    assertThat(s.queryCount("list:designs")).as("read by the statement instead").isEqualTo(statements + 1);
  }

  @Test
  void aSetThatCannotBeReadOrThatHoldsAnInfiniteInstantIsLeftToTheStatement() {
    UUID infinite = s.fixtures.design(seriesD, "forever.step", "a dingo clip");
    s.fixtures.design(seriesD, "dingo.step", "a dingo clamp");
    s.fixtures.design(seriesD, "koala.step", "a koala clamp");
    s.fixtures.update("UPDATE design_assets SET created_at = 'infinity' WHERE id = ?", infinite);
    s.awaitNotificationsSettled();
    Map<String, String> params = new HashMap<>(Map.of("search", "dingo", "page_size", "5"));

    HttpResult page = s.get(path(params), tokens.get("four"));

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.json().getLong("count")).isEqualTo(2);
    assertThat(page.results()).isEqualTo(statement("four", params).getJsonArray("rows"));

    // a set's value overwritten by something that is not one: answered by the statement, not a 500
    assertThat(s.get("/api/designs/?search=koala&page_size=9", tokens.get("four")).status()).isEqualTo(200);
    String key = s.prefix() + ":design:matches:v1:" + orgsOf.get("four").get(0) + ":ordering=-created_at&search=koala";
    assertThat(s.redisExists(Tier.DEFAULT, key)).isTrue();
    s.redis(Tier.DEFAULT, "SET", s.storedKey(Tier.DEFAULT, key), "not a set");
    params = new HashMap<>(Map.of("search", "koala", "page_size", "8"));
    HttpResult afterCorruption = s.get(path(params), tokens.get("four"));
    assertThat(afterCorruption.status()).isEqualTo(200);
    assertThat(afterCorruption.results()).isEqualTo(statement("four", params).getJsonArray("rows"));
    assertThat(afterCorruption.json().getLong("count")).isEqualTo(1);
  }

  @Test
  void aBoundFinerThanAMicrosecondIsLeftToTheStatement() {
    long statements = s.queryCount("list:designs");
    Map<String, String> params = Map.of("search", "gear", "created_before", "2025-03-01T10:00:00.0000005Z");

    HttpResult page = s.get(path(params), tokens.get("three"));

    assertThat(page.results()).isEqualTo(statement("three", params).getJsonArray("rows"));
    assertThat(s.queryCount("list:designs")).isEqualTo(statements + 2);
  }
}
