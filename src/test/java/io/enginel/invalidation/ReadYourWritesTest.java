package io.enginel.invalidation;

import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write answers only after its invalidation is done: a read sent after the write's answer never sees the
 * old value — whatever was cached, for every kind the invalidation table names. No sleep, no retry: the
 * first read after the answer is checked.
 */
class ReadYourWritesTest {
  static final int WRITERS = 8;
  static TestServer s;
  static UUID org;
  static UUID series;
  static UUID design;
  static UUID deleted;
  static UUID bomDesign;
  static UUID leaf;
  static UUID review;
  static final List<UUID> concurrent = new ArrayList<>();
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    s = SeededServer.start(java.util.Map.of("auth.loginAttemptsPerMinute", 1000), f -> {
      org = f.organization("Writers");
      f.member(org, f.user("alice"), "ADMIN");
      f.user("bob"); // not a member yet
      series = f.series(org, "PN-RYW");
      design = f.design(series, "ryw.stl", "before");
      deleted = f.design(series, "doomed.stl", "before");
      bomDesign = f.design(series, "assembly.stl", "before");
      UUID root = f.node(bomDesign, null, "PN-ROOT", 1);
      leaf = f.node(bomDesign, root, "PN-LEAF", 2);
      review = f.review(design, "first look");
      for (int i = 0; i < WRITERS; i++) {
        concurrent.add(f.design(series, "concurrent-" + i + ".stl", "start"));
      }
      return null;
    }).server();
    alice = s.login("alice");
    bob = s.login("bob");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /**
   * Reads {@code path} until it is a HIT (so the old value is cached), and answers what it showed: a search page
   * built from kept matches is stored from its second ask (docs/searches.md), so it is a HIT from the third.
   */
  static JsonObject cached(String path, String token) {
    HttpResult first = s.get(path, token);
    assertThat(first.status()).as(path).isEqualTo(200);
    s.get(path, token);
    HttpResult third = s.get(path, token);
    assertThat(third.xCache()).as("%s cached before the write", path).isEqualTo("HIT");
    return third.json();
  }

  static JsonObject readAfter(String path, String token) {
    HttpResult r = s.get(path, token);
    assertThat(r.status()).as(path).isEqualTo(200);
    return r.json();
  }

  static void ok(HttpResult write) {
    assertThat(write.status()).as(write.toString()).isBetween(200, 204);
  }

  static List<String> values(JsonObject list, Function<JsonObject, String> field) {
    List<String> out = new ArrayList<>();
    JsonArray results = list.getJsonArray("results");
    for (int i = 0; i < results.size(); i++) {
      out.add(field.apply(results.getJsonObject(i)));
    }
    return out;
  }

  @Test
  void organizationDetail() {
    cached("/api/organizations/" + org, alice);
    ok(s.patch("/api/organizations/" + org, alice, new JsonObject().put("name", "Writers Renamed")));
    assertThat(readAfter("/api/organizations/" + org, alice).getString("name")).isEqualTo("Writers Renamed");
  }

  @Test
  void seriesDetailAndList() {
    cached("/api/series/" + series, alice);
    cached("/api/series/", alice);
    ok(s.patch("/api/series/" + series, alice, new JsonObject().put("description", "series v2")));
    assertThat(readAfter("/api/series/" + series, alice).getString("description")).isEqualTo("series v2");
    assertThat(values(readAfter("/api/series/", alice), r -> r.getString("description"))).contains("series v2");
  }

  @Test
  void designDetailListsAndVersions() {
    String list = "/api/designs/?ordering=-created_at&search=ryw.stl";
    String versions = "/api/series/" + series + "/versions";
    cached("/api/designs/" + design, alice);
    cached(list, alice);
    cached(versions, alice);
    ok(s.patch("/api/designs/" + design, alice, new JsonObject().put("description", "after")));
    assertThat(readAfter("/api/designs/" + design, alice).getString("description")).isEqualTo("after");
    assertThat(values(readAfter(list, alice), r -> r.getString("description"))).containsExactly("after");
    assertThat(values(readAfter(versions, alice), r -> r.getString("description"))).contains("after");
  }

  @Test
  void aDeletedDesignIsGoneFromItsDetailAndItsLists() {
    cached("/api/designs/" + deleted, alice);
    cached("/api/designs/?search=doomed", alice);
    ok(s.delete("/api/designs/" + deleted, alice));
    assertThat(s.get("/api/designs/" + deleted, alice).status()).isEqualTo(404);
    assertThat(readAfter("/api/designs/?search=doomed", alice).getInteger("count")).isZero();
  }

  @Test
  void assemblyNodeAndTheBomOfItsDesign() {
    String bom = "/api/designs/" + bomDesign + "/bom";
    cached(bom, alice);
    cached("/api/assembly-nodes/" + leaf, alice);
    ok(s.patch("/api/assembly-nodes/" + leaf, alice, new JsonObject().put("quantity", 7)));
    assertThat(readAfter("/api/assembly-nodes/" + leaf, alice).getInteger("quantity")).isEqualTo(7);
    assertThat(readAfter(bom, alice).encode()).contains("\"quantity\":7").doesNotContain("\"quantity\":2");
  }

  @Test
  void reviewDetailAndItsMarkups() {
    String markups = "/api/reviews/" + review + "/markups";
    cached("/api/reviews/" + review, alice);
    assertThat(cached(markups, alice).getInteger("count")).isZero();
    ok(s.post("/api/markups", alice, new JsonObject().put("review", review.toString()).put("comment", "chamfer")
        .put("anchor", new JsonObject().put("x", 1))));
    assertThat(values(readAfter(markups, alice), r -> r.getString("comment"))).containsExactly("chamfer");
    ok(s.patch("/api/reviews/" + review, alice, new JsonObject().put("title", "second look")));
    assertThat(readAfter("/api/reviews/" + review, alice).getString("title")).isEqualTo("second look");
  }

  @Test
  void analysisJob() {
    HttpResult created = s.post("/api/analysis-jobs", alice, new JsonObject().put("design", design.toString())
        .put("job_type", "MASS_PROPERTIES").put("parameters", new JsonObject().put("density", 2.7)));
    ok(created);
    String job = "/api/analysis-jobs/" + created.json().getString("id");
    cached(job, alice);
    ok(s.patch(job, alice, new JsonObject().put("status", "RUNNING").put("progress", 40)));
    assertThat(readAfter(job, alice).getInteger("progress")).isEqualTo(40);
  }

  @Test
  void aNewMemberSeesTheOrganizationAtOnceAndTheMembersListShowsThem() {
    String members = "/api/organizations/" + org + "/members";
    cached(members, alice);
    assertThat(s.get("/api/organizations/" + org, bob).status()).isEqualTo(404); // not a member: not visible
    cached("/api/users/me", bob);

    long bobId = s.fixtures.queryLong("SELECT id FROM users WHERE username = 'bob'");
    ok(s.post(members, alice, new JsonObject().put("user", bobId).put("role", "VIEWER")));

    assertThat(values(readAfter(members, alice), r -> String.valueOf(r.getValue("username")))).contains("bob");
    assertThat(s.get("/api/organizations/" + org, bob).status()).isEqualTo(200);
    assertThat(readAfter("/api/users/me", bob).getJsonArray("organizations").encode()).contains(org.toString());
  }

  @Test
  void underConcurrentWritersEveryReadAfterAWriteShowsAtLeastThatWrite() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    List<Future<Integer>> done = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      UUID mine = concurrent.get(w);
      done.add(pool.submit(() -> {
        int hits = 0;
        for (int i = 1; i <= 20; i++) {
          ok(s.patch("/api/designs/" + mine, alice, new JsonObject().put("description", "write " + i)));
          for (int r = 0; r < 3; r++) {
            HttpResult read = s.get("/api/designs/" + mine, alice);
            assertThat(read.json().getString("description")).isEqualTo("write " + i);
            hits += "HIT".equals(read.xCache()) ? 1 : 0;
          }
        }
        return hits;
      }));
    }
    int hits = 0;
    for (Future<Integer> f : done) {
      hits += f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(hits).as("reads between the writes were served from the cache").isPositive();
  }
}
