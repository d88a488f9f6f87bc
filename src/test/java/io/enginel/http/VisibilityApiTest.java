package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.auditRows;
import static io.enginel.http.ApiTestSupport.created;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createNode;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.ids;
import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who sees what: a member of another organization gets 404 for everything of an organization they are not in
 * (never a 403 that would confirm it exists), lists never show foreign rows, a VIEWER may read but not write,
 * and naming a parent you cannot see is a 400 on that field, worded exactly as for a parent that does not exist.
 */
class VisibilityApiTest {
  static TestServer s;
  static Team a;
  static Team b;
  static String series;
  static String design;
  static String node;
  static String job;
  static String review;
  static String markup;
  static long auditId;
  static String bSeries;
  static String bDesign;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
    a = team(s, "Visible Alpha");
    b = team(s, "Visible Bravo");
    series = createSeries(s, a.editor(), a.org(), "PN-SECRET").getString("id");
    design = createDesign(s, a.editor(), series, "secret-bracket.step", 4242).getString("id");
    node = createNode(s, a.editor(), design, null, "PN-SECRET-ROOT", 2, 0).getString("id");
    createNode(s, a.editor(), design, node, "PN-SECRET-LEAF", 3, 0);
    job = created(s, "/api/analysis-jobs", a.editor(), new JsonObject().put("design", design)
        .put("job_type", "MESH_VALIDATION")).getString("id");
    review = created(s, "/api/reviews", a.editor(), new JsonObject().put("design", design)
        .put("title", "secret review")).getString("id");
    assertThat(s.post("/api/reviews/" + review + "/reviewers", a.editor(), new JsonObject().put("user", a.viewerId()))
        .status()).isEqualTo(200);
    markup = created(s, "/api/markups", a.editor(), new JsonObject().put("review", review)
        .put("comment", "secret comment")).getString("id");
    auditId = s.fixtures.queryLong("SELECT max(id) FROM audit_logs WHERE organization_id = ?", a.org());
    bSeries = createSeries(s, b.editor(), b.org(), "PN-BRAVO").getString("id");
    bDesign = createDesign(s, b.editor(), bSeries, "bravo.step", 1).getString("id");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** A 404 that says nothing of what it hides. */
  private static void assertHidden(HttpResult r, String path) {
    assertThat(r.status()).as("%s answered %s", path, r).isEqualTo(404);
    assertError(r, 404, "not_found");
    assertThat(r.body().toString()).doesNotContain("secret").doesNotContain("PN-SECRET")
        .doesNotContain(a.orgName());
  }

  /** Asks as the outsider, then as a member (which fills the cache), then as the outsider again. */
  private static void assertHiddenFromOutsider(String path) {
    assertHidden(s.get(path, b.editor()), path);
    assertThat(s.get(path, a.viewer()).status()).as("%s for a member", path).isEqualTo(200);
    assertHidden(s.get(path, b.editor()), path);
    assertHidden(s.get(path + "/", b.admin()), path + "/");
  }

  @Test
  void everyRetrieveOfAnotherOrganizationIs404() {
    for (String path : List.of("/api/organizations/" + a.org(), "/api/series/" + series, "/api/designs/" + design,
        "/api/assembly-nodes/" + node, "/api/analysis-jobs/" + job, "/api/reviews/" + review, "/api/markups/" + markup,
        "/api/audit-logs/" + auditId, "/api/users/" + a.adminId())) {
      assertHiddenFromOutsider(path);
    }
  }

  @Test
  void storageOfAnotherOrganizationIs404() {
    assertHiddenFromOutsider("/api/organizations/" + a.org() + "/storage");
  }

  @Test
  void membersOfAnotherOrganizationAre404() {
    assertHiddenFromOutsider("/api/organizations/" + a.org() + "/members");
  }

  @Test
  void versionsOfAnotherOrganizationsSeriesAre404() {
    assertHiddenFromOutsider("/api/series/" + series + "/versions");
  }

  @Test
  void bomOfAnotherOrganizationsDesignIs404() {
    assertHiddenFromOutsider("/api/designs/" + design + "/bom");
  }

  @Test
  void markupsOfAnotherOrganizationsReviewAre404() {
    assertHiddenFromOutsider("/api/reviews/" + review + "/markups");
  }

  @Test
  void listsNeverShowForeignRows() {
    Map<String, String> listed = new LinkedHashMap<>();
    listed.put("/api/organizations/", a.org().toString());
    listed.put("/api/series/", series);
    listed.put("/api/designs/", design);
    listed.put("/api/assembly-nodes/", node);
    listed.put("/api/analysis-jobs/", job);
    listed.put("/api/reviews/", review);
    listed.put("/api/markups/", markup);
    listed.put("/api/audit-logs/", Long.toString(auditId));
    listed.put("/api/users/", Long.toString(a.adminId()));
    listed.forEach((path, foreignId) -> {
      assertThat(ids(s.get(path + "?page_size=100", a.viewer()))).as("%s for a member", path).contains(foreignId);
      HttpResult outsider = s.get(path + "?page_size=100", b.editor());
      assertThat(ids(outsider)).as("%s for an outsider", path).doesNotContain(foreignId);
      assertThat(outsider.body().toString()).as(path).doesNotContain("SECRET").doesNotContain(a.org().toString());
    });
  }

  @Test
  void listsFilteredByAForeignParentAreEmpty() {
    for (String path : List.of("/api/designs/?series=" + series, "/api/designs/?organization=" + a.org(),
        "/api/series/?organization=" + a.org(), "/api/assembly-nodes/?design=" + design,
        "/api/analysis-jobs/?design=" + design, "/api/reviews/?design=" + design, "/api/markups/?review=" + review,
        "/api/users/?organization=" + a.org(), "/api/audit-logs/?organization=" + a.org(),
        "/api/designs/?search=secret")) {
      HttpResult r = s.get(path, b.editor());
      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(r.json().getLong("count")).as(path).isZero();
      assertThat(r.results()).as(path).isEmpty();
    }
  }

  @Test
  void foreignRowsCannotBeChangedOrDeleted() {
    long audits = auditRows(s);
    JsonObject change = new JsonObject().put("description", "defaced");
    for (String path : List.of("/api/organizations/" + a.org(), "/api/series/" + series, "/api/designs/" + design,
        "/api/reviews/" + review)) {
      assertHidden(s.patch(path, b.admin(), change), "PATCH " + path);
      assertHidden(s.delete(path, b.admin()), "DELETE " + path);
    }
    assertHidden(s.patch("/api/assembly-nodes/" + node, b.admin(), new JsonObject().put("quantity", 9)), "node");
    assertHidden(s.delete("/api/assembly-nodes/" + node, b.admin()), "node");
    assertHidden(s.patch("/api/analysis-jobs/" + job, b.admin(), new JsonObject().put("status", "FAILED")), "job");
    assertHidden(s.delete("/api/analysis-jobs/" + job, b.admin()), "job");
    assertHidden(s.patch("/api/markups/" + markup, b.admin(), new JsonObject().put("comment", "x")), "markup");
    assertHidden(s.delete("/api/markups/" + markup, b.admin()), "markup");
    assertHidden(s.patch("/api/users/" + a.viewerId(), b.admin(), new JsonObject().put("first_name", "x")), "user");

    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.fixtures.queryString("SELECT description FROM design_assets WHERE id = ?::uuid", design)).isEmpty();
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM markups WHERE id = ?::uuid", markup)).isEqualTo(1);
  }

  @Test
  void membersAndReviewersOfAnotherOrganizationCannotBeManaged() {
    assertHidden(s.post("/api/organizations/" + a.org() + "/members", b.admin(),
        new JsonObject().put("user", b.adminId()).put("role", "ADMIN")), "add member");
    assertHidden(s.patch("/api/organizations/" + a.org() + "/members/" + a.viewerId(), b.admin(),
        new JsonObject().put("role", "ADMIN")), "change member");
    assertHidden(s.delete("/api/organizations/" + a.org() + "/members/" + a.viewerId(), b.admin()), "remove member");
    assertHidden(s.post("/api/reviews/" + review + "/reviewers", b.admin(), new JsonObject().put("user", b.adminId())),
        "add reviewer");
    assertHidden(s.delete("/api/reviews/" + review + "/reviewers/" + a.viewerId(), b.admin()), "remove reviewer");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM memberships WHERE organization_id = ?", a.org())).isEqualTo(3);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM review_reviewers WHERE review_id = ?::uuid", review))
        .isEqualTo(1);
  }

  @Test
  void aViewerGets403OnEveryWrite() {
    long audits = auditRows(s);
    String v = a.viewer();
    assertError(s.post("/api/series", v, new JsonObject().put("organization", a.org().toString())
        .put("part_number", "PN-V")), 403, "forbidden");
    assertError(s.patch("/api/series/" + series, v, new JsonObject().put("name", "x")), 403, "forbidden");
    assertError(s.post("/api/designs", v, new JsonObject().put("series", series).put("filename", "v.step")
        .put("file_format", "step")), 403, "forbidden");
    assertError(s.patch("/api/designs/" + design, v, new JsonObject().put("description", "x")), 403, "forbidden");
    assertError(s.put("/api/designs/" + design, v, new JsonObject().put("filename", "v.step")
        .put("file_format", "step")), 403, "forbidden");
    assertError(s.delete("/api/designs/" + design, v), 403, "forbidden");
    assertError(s.post("/api/assembly-nodes", v, new JsonObject().put("design", design).put("part_number", "PN-V")),
        403, "forbidden");
    assertError(s.delete("/api/assembly-nodes/" + node, v), 403, "forbidden");
    assertError(s.post("/api/analysis-jobs", v, new JsonObject().put("design", design)
        .put("job_type", "MESH_VALIDATION")), 403, "forbidden");
    assertError(s.post("/api/reviews", v, new JsonObject().put("design", design).put("title", "t")), 403, "forbidden");
    assertError(s.patch("/api/reviews/" + review, v, new JsonObject().put("status", "CLOSED")), 403, "forbidden");
    assertError(s.patch("/api/organizations/" + a.org(), v, new JsonObject().put("description", "x")), 403, "forbidden");
    assertError(s.delete("/api/series/" + series, v), 403, "forbidden");

    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_series WHERE organization_id = ?", a.org())).isEqualTo(1);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE organization_id = ?", a.org())).isEqualTo(1);
  }

  @Test
  void aParentYouCannotSeeIs400NamingTheFieldAsIfItDidNotExist() {
    long audits = auditRows(s);
    String absent = UUID.randomUUID().toString();
    Map<String, JsonObject[]> cases = new LinkedHashMap<>();
    cases.put("organization", new JsonObject[] {
        new JsonObject().put("organization", a.org().toString()).put("part_number", "PN-X"),
        new JsonObject().put("organization", absent).put("part_number", "PN-X")});
    cases.put("series", new JsonObject[] {
        new JsonObject().put("series", series).put("filename", "x.step").put("file_format", "step"),
        new JsonObject().put("series", absent).put("filename", "x.step").put("file_format", "step")});
    cases.put("design", new JsonObject[] {
        new JsonObject().put("design", design).put("part_number", "PN-X"),
        new JsonObject().put("design", absent).put("part_number", "PN-X")});
    cases.put("review", new JsonObject[] {
        new JsonObject().put("review", review).put("comment", "x"),
        new JsonObject().put("review", absent).put("comment", "x")});
    Map<String, String> paths = Map.of("organization", "/api/series", "series", "/api/designs",
        "design", "/api/assembly-nodes", "review", "/api/markups");

    cases.forEach((field, bodies) -> {
      HttpResult foreign = s.post(paths.get(field), b.editor(), bodies[0]);
      HttpResult missing = s.post(paths.get(field), b.editor(), bodies[1]);
      JsonObject f = assertInvalidField(foreign, field);
      JsonObject m = assertInvalidField(missing, field);
      assertThat(f.getString("error")).as(field).isEqualTo(m.getString("error"));
      assertThat(f.getString("message")).as(field).isEqualTo(m.getString("message"));
    });
    assertInvalidField(s.post("/api/analysis-jobs", b.editor(), new JsonObject().put("design", design)
        .put("job_type", "MESH_VALIDATION")), "design");
    assertInvalidField(s.post("/api/reviews", b.editor(), new JsonObject().put("design", design).put("title", "t")),
        "design");

    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_series WHERE part_number = 'PN-X'")).isZero();
  }

  @Test
  void aForeignNodeAsParentIs400NamingTheParent() {
    HttpResult r = s.post("/api/assembly-nodes", b.editor(), new JsonObject().put("design", bDesign)
        .put("parent", node).put("part_number", "PN-Y"));
    assertInvalidField(r, "parent");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM assembly_nodes WHERE design_id = ?::uuid", bDesign)).isZero();
  }
}
