package io.enginel.invalidation;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write invalidates what it changed and nothing else: another organization's cached lists stay, and a
 * list page stays unless the write changed a column the page depends on (its filters, ordering, search) or a
 * row the page shows.
 */
class PrecisionTest {
  static TestServer s;
  static UUID orgA;
  static UUID seriesA;
  static UUID seriesPage;
  static UUID seriesOrder;
  static UUID a1;
  static UUID shownOnPage;
  static UUID offPage;
  static UUID reordered;
  static UUID b1;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      orgA = f.organization("Precision A");
      UUID orgB = f.organization("Precision B");
      f.member(orgA, f.user("alice"), "ADMIN");
      f.member(orgB, f.user("bob"), "ADMIN");
      seriesA = f.series(orgA, "PN-PA");
      UUID seriesB = f.series(orgB, "PN-PB");
      a1 = f.design(seriesA, "b-first.stl", "a1");
      seriesPage = f.series(orgA, "PN-PAGE");
      shownOnPage = f.design(seriesPage, "b-first.stl", "first");
      offPage = f.design(seriesPage, "y-off-page.stl", "off");
      seriesOrder = f.series(orgA, "PN-ORDER");
      f.design(seriesOrder, "b-first.stl", "first");
      reordered = f.design(seriesOrder, "z-last.stl", "z");
      b1 = f.design(seriesB, "b-first.stl", "b1");
      f.design(seriesB, "c-second.stl", "b2");
      return null;
    }).server();
    alice = s.login("alice");
    bob = s.login("bob");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static HttpResult cachedHit(String path, String token) {
    s.get(path, token);
    HttpResult hit = s.get(path, token);
    assertThat(hit.xCache()).as(path).isEqualTo("HIT");
    return hit;
  }

  static Set<String> listKeys() {
    return new HashSet<>(s.redisKeys(Tier.DEFAULT, "*:list:*"));
  }

  @Test
  void aWriteInOrganizationALeavesOrganizationBsCachedListsAndDetailsInPlace() {
    String list = "/api/designs/?ordering=filename";
    cachedHit(list, alice);
    Set<String> before = listKeys();
    cachedHit(list, bob);
    Set<String> bobsKeys = listKeys();
    bobsKeys.removeAll(before);
    assertThat(bobsKeys).hasSize(1);
    cachedHit("/api/designs/" + b1, bob);

    assertThat(s.patch("/api/designs/" + a1, alice, new JsonObject().put("description", "a1 changed")).status())
        .isEqualTo(200);

    HttpResult aList = s.get(list, alice);
    assertThat(aList.xCache()).isEqualTo("MISS");
    assertThat(aList.json().encode()).contains("a1 changed");
    assertThat(s.redisExists(Tier.DEFAULT, bobsKeys.iterator().next())).as("B's list entry is still in Redis").isTrue();
    assertThat(s.get(list, bob).xCache()).isEqualTo("HIT");
    assertThat(s.get("/api/designs/" + b1, bob).xCache()).isEqualTo("HIT");
  }

  @Test
  void aCreateInOrganizationAReachesAsListsOnly() {
    String list = "/api/designs/?ordering=-created_at";
    cachedHit(list, alice);
    cachedHit(list, bob);
    HttpResult created = s.post("/api/designs", alice, new JsonObject().put("series", seriesA.toString())
        .put("filename", "new.stl").put("file_format", "stl").put("description", "created"));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);

    HttpResult aList = s.get(list, alice);
    assertThat(aList.xCache()).isEqualTo("MISS");
    assertThat(aList.json().encode()).contains(created.json().getString("id"));
    assertThat(s.get(list, bob).xCache()).isEqualTo("HIT");
  }

  @Test
  void anUpdateOfAColumnThePageDoesNotDependOnLeavesThePageUnlessItShowsTheRow() {
    // page 1 of one, by file name: shows b-first.stl only
    String page = "/api/designs/?series=" + seriesPage + "&ordering=filename&page_size=1";
    assertThat(cachedHit(page, alice).json().getJsonArray("results").getJsonObject(0).getString("id"))
        .isEqualTo(shownOnPage.toString());

    // the description of a design the page does not show: neither a filter, the ordering nor the search
    assertThat(s.patch("/api/designs/" + offPage, alice, new JsonObject().put("description", "elsewhere")).status())
        .isEqualTo(200);
    assertThat(s.get(page, alice).xCache()).isEqualTo("HIT");

    // the description of the design the page shows: through the row's own tag
    assertThat(s.patch("/api/designs/" + shownOnPage, alice, new JsonObject().put("description", "shown")).status())
        .isEqualTo(200);
    HttpResult shown = s.get(page, alice);
    assertThat(shown.xCache()).isEqualTo("MISS");
    assertThat(shown.json().getJsonArray("results").getJsonObject(0).getString("description")).isEqualTo("shown");
  }

  @Test
  void anUpdateOfTheOrderingColumnOfARowNotShownStillReachesThePage() {
    String page = "/api/designs/?series=" + seriesOrder + "&ordering=filename&page_size=1";
    cachedHit(page, alice);
    // z-last.stl becomes first by file name: the page must now show it
    assertThat(s.patch("/api/designs/" + reordered, alice, new JsonObject().put("filename", "a-now-first.stl"))
        .status()).isEqualTo(200);
    HttpResult after = s.get(page, alice);
    assertThat(after.xCache()).isEqualTo("MISS");
    assertThat(after.json().getJsonArray("results").getJsonObject(0).getString("id")).isEqualTo(reordered.toString());
  }
}
