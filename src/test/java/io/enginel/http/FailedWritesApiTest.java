package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.auditRows;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createNode;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing half-written: a write that fails leaves Postgres (and what the API shows) exactly as it was, and
 * writes no audit row; concurrent writes keep the invariants a single write checks.
 */
class FailedWritesApiTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static long count(String table) {
    return s.fixtures.queryLong("SELECT count(*) FROM " + table);
  }

  @Test
  void aDuplicateSlugIs409AndLeavesNoOrganizationMembershipOrAuditRow() {
    Team t = team(s, "Failed Slug");
    String slug = s.fixtures.queryString("SELECT slug FROM organizations WHERE id = ?", t.org());
    long orgs = count("organizations");
    long memberships = count("memberships");
    long audits = auditRows(s);

    JsonObject body = assertError(s.post("/api/organizations", t.editor(),
        new JsonObject().put("name", "Copycat").put("slug", slug)), 409, "conflict");

    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("slug");
    assertThat(count("organizations")).isEqualTo(orgs);
    assertThat(count("memberships")).isEqualTo(memberships);
    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.get("/api/users/me", t.editor()).json().getJsonArray("organizations")).hasSize(1);
  }

  @Test
  void aSlugClashOnUpdateChangesNothingElseOfTheRow() {
    Team t = team(s, "Failed Put");
    Team other = team(s, "Failed Put Other");
    String taken = s.fixtures.queryString("SELECT slug FROM organizations WHERE id = ?", other.org());
    JsonObject before = s.get("/api/organizations/" + t.org(), t.admin()).json();
    long audits = auditRows(s);

    assertError(s.put("/api/organizations/" + t.org(), t.admin(), new JsonObject().put("name", "Should not stick")
        .put("slug", taken).put("description", "nor this")), 409, "conflict");

    assertThat(s.fixtures.queryString("SELECT name FROM organizations WHERE id = ?", t.org())).isEqualTo(t.orgName());
    assertThat(s.fixtures.queryString("SELECT description FROM organizations WHERE id = ?", t.org())).isEmpty();
    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.get("/api/organizations/" + t.org(), t.admin()).json()).isEqualTo(before);
  }

  @Test
  void aDuplicatePartNumberLeavesNoSeriesAndNoAuditRow() {
    Team t = team(s, "Failed Part Number");
    createSeries(s, t.editor(), t.org(), "PN-ONCE");
    long series = count("design_series");
    long audits = auditRows(s);

    assertError(s.post("/api/series", t.editor(), new JsonObject().put("organization", t.org().toString())
        .put("part_number", "PN-ONCE").put("name", "again")), 409, "conflict");

    assertThat(count("design_series")).isEqualTo(series);
    assertThat(auditRows(s)).isEqualTo(audits);
  }

  @Test
  void aDuplicateUsernameLeavesNoUserAndNoAuditRow() {
    String staffName = ApiTestSupport.unique("failstaff");
    s.fixtures.user(staffName, true);
    String staff = s.login(staffName);
    long users = count("users");
    long audits = auditRows(s);

    assertError(s.post("/api/users", staff, new JsonObject().put("username", staffName).put("password", "password-1")),
        409, "conflict");

    assertThat(count("users")).isEqualTo(users);
    assertThat(auditRows(s)).isEqualTo(audits);
  }

  @Test
  void refusingToDemoteTheLastAdminWritesNothing() {
    Team t = team(s, "Failed Demote");
    long audits = auditRows(s);

    assertError(s.put("/api/organizations/" + t.org() + "/members/" + t.adminId(), t.admin(),
        new JsonObject().put("role", "VIEWER")), 409, "conflict");
    assertError(s.delete("/api/organizations/" + t.org() + "/members/" + t.adminId(), t.admin()), 409, "conflict");

    assertThat(s.fixtures.queryString("SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?",
        t.org(), t.adminId())).isEqualTo("ADMIN");
    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.patch("/api/organizations/" + t.org(), t.admin(), new JsonObject().put("description", "still admin"))
        .status()).isEqualTo(200);
  }

  @Test
  void aRefusedCycleWritesNothingAndTheBomIsUnchanged() {
    Team t = team(s, "Failed Cycle");
    String series = createSeries(s, t.editor(), t.org(), "PN-FC").getString("id");
    String design = createDesign(s, t.editor(), series, "fc.step", 1).getString("id");
    String top = createNode(s, t.editor(), design, null, "PN-TOP", 1, 0).getString("id");
    String below = createNode(s, t.editor(), design, top, "PN-BELOW", 2, 0).getString("id");
    JsonObject bom = s.get("/api/designs/" + design + "/bom", t.viewer()).json();
    long audits = auditRows(s);

    assertInvalidField(s.patch("/api/assembly-nodes/" + top, t.editor(), new JsonObject().put("parent", below)
        .put("quantity", 9)), "parent");

    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(s.fixtures.queryLong("SELECT quantity FROM assembly_nodes WHERE id = ?::uuid", top)).isEqualTo(1);
    assertThat(s.get("/api/designs/" + design + "/bom", t.viewer()).json()).isEqualTo(bom);
  }

  @Test
  void aRefusedReviewerWritesNothing() {
    Team t = team(s, "Failed Reviewer");
    long outsider = s.fixtures.user(ApiTestSupport.unique("failout"));
    String series = createSeries(s, t.editor(), t.org(), "PN-FR").getString("id");
    String design = createDesign(s, t.editor(), series, "fr.step", 1).getString("id");
    String review = ApiTestSupport.created(s, "/api/reviews", t.editor(), new JsonObject().put("design", design)
        .put("title", "r")).getString("id");
    long audits = auditRows(s);

    assertInvalidField(s.post("/api/reviews/" + review + "/reviewers", t.editor(), new JsonObject().put("user", outsider)),
        "user");

    assertThat(auditRows(s)).isEqualTo(audits);
    assertThat(count("review_reviewers")).isZero();
  }

  @Test
  void concurrentDesignsOfOneSeriesGetDistinctVersions() {
    Team t = team(s, "Concurrent Versions");
    String series = createSeries(s, t.editor(), t.org(), "PN-CV").getString("id");
    List<Future<HttpResult>> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      all.add(s.sendAsync(HttpMethod.POST, "/api/designs", t.editor(), new JsonObject().put("series", series)
          .put("filename", "c" + i + ".step").put("file_format", "step").toBuffer(), Map.of()));
    }
    List<Integer> versions = new ArrayList<>();
    for (Future<HttpResult> f : all) {
      HttpResult r = TestServer.await(f);
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      versions.add(r.json().getInteger("version"));
    }
    assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM audit_logs WHERE organization_id = ? "
        + "AND resource_type = 'DesignAsset'", t.org())).isEqualTo(12);
  }

  @Test
  void concurrentDemotionsNeverLeaveAnOrganizationWithoutAnAdmin() {
    List<String> orphaned = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      Team t = team(s, "Concurrent Demote");
      assertThat(s.patch("/api/organizations/" + t.org() + "/members/" + t.editorId(), t.admin(),
          new JsonObject().put("role", "ADMIN")).status()).isEqualTo(200);
      Future<HttpResult> first = s.sendAsync(HttpMethod.PATCH, "/api/organizations/" + t.org() + "/members/" + t.adminId(),
          t.admin(), new JsonObject().put("role", "VIEWER").toBuffer(), Map.of());
      Future<HttpResult> second = s.sendAsync(HttpMethod.PATCH, "/api/organizations/" + t.org() + "/members/" + t.editorId(),
          t.editor(), new JsonObject().put("role", "VIEWER").toBuffer(), Map.of());
      int a = TestServer.await(first).status();
      int b = TestServer.await(second).status();
      long admins = s.fixtures.queryLong("SELECT count(*) FROM memberships WHERE organization_id = ? AND role = 'ADMIN'",
          t.org());
      if (admins == 0) {
        orphaned.add("round " + round + ": both demotions answered " + a + " and " + b);
      }
    }
    assertThat(orphaned).as("organizations left without an ADMIN").isEmpty();
  }
}
