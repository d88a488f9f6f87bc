package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.auditRows;
import static io.enginel.http.ApiTestSupport.created;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.ids;
import static io.enginel.http.ApiTestSupport.team;
import static io.enginel.http.ApiTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit log: read-only over HTTP, and every mutation writes exactly one row saying who did what to which
 * object, with the changes and the client's address.
 */
class AuditLogApiTest {
  static TestServer s;
  static long staffId;
  static String staff;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
    String name = unique("auditstaff");
    staffId = s.fixtures.user(name, true);
    staff = s.login(name);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** The single audit row of an object, as the API shows it to a member of its organization. */
  private static JsonObject onlyRow(String token, String resourceId, String action) {
    HttpResult r = s.get("/api/audit-logs/?resource_id=" + resourceId + "&action=" + action, token);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.json().getLong("count")).as("audit rows of %s %s", action, resourceId).isEqualTo(1);
    return r.results().getJsonObject(0);
  }

  @Test
  void auditLogsAreReadOnly() {
    Team t = team(s, "Audit Read Only");
    long id = s.fixtures.queryLong("INSERT INTO audit_logs (organization_id, actor_id, action, resource_type, "
        + "resource_id) VALUES (?, ?, 'CREATE', 'Thing', 'x') RETURNING id", t.org(), t.adminId());
    long before = auditRows(s);

    assertError(s.post("/api/audit-logs/", t.admin(), new JsonObject().put("action", "DELETE")), 405,
        "method_not_allowed");
    assertError(s.patch("/api/audit-logs/" + id, t.admin(), new JsonObject().put("action", "DELETE")), 405,
        "method_not_allowed");
    assertError(s.put("/api/audit-logs/" + id + "/", t.admin(), new JsonObject().put("action", "DELETE")), 405,
        "method_not_allowed");
    assertError(s.delete("/api/audit-logs/" + id, t.admin()), 405, "method_not_allowed");

    assertThat(auditRows(s)).isEqualTo(before);
    assertThat(s.fixtures.queryString("SELECT action FROM audit_logs WHERE id = ?", id)).isEqualTo("CREATE");
  }

  @Test
  void aCreateWritesOneRowWithActorActionObjectChangesAndAddress() {
    Team t = team(s, "Audit Create");
    long before = auditRows(s);
    JsonObject series = createSeries(s, t.editor(), t.org(), "PN-AUD");
    String id = series.getString("id");

    assertThat(auditRows(s)).isEqualTo(before + 1);
    JsonObject row = onlyRow(t.viewer(), id, "CREATE");
    assertThat(row.getLong("actor")).isEqualTo(t.editorId());
    assertThat(row.getString("actor_username")).isEqualTo(t.editorName());
    assertThat(row.getString("action")).isEqualTo("CREATE");
    assertThat(row.getString("resource_type")).isEqualTo("DesignSeries");
    assertThat(row.getString("resource_id")).isEqualTo(id);
    assertThat(row.getString("organization")).isEqualTo(t.org().toString());
    assertThat(row.getJsonObject("changes").getString("part_number")).isEqualTo("PN-AUD");
    assertThat(row.getJsonObject("changes").getString("organization")).isEqualTo(t.org().toString());
    assertThat(row.getString("ip_address")).isEqualTo("127.0.0.1");
    assertThat(row.getString("created_at")).isNotBlank();
    assertThat(s.get("/api/audit-logs/" + row.getLong("id"), t.viewer()).json()).isEqualTo(row);
  }

  @Test
  void anUpdateWritesOneRowWithOldAndNewValues() {
    Team t = team(s, "Audit Update");
    String series = createSeries(s, t.editor(), t.org(), "PN-AUP").getString("id");
    String design = createDesign(s, t.editor(), series, "a.step", 1).getString("id");
    long before = auditRows(s);

    s.patch("/api/designs/" + design, t.admin(), new JsonObject().put("description", "second").put("file_size", 1));

    assertThat(auditRows(s)).isEqualTo(before + 1);
    JsonObject row = onlyRow(t.viewer(), design, "UPDATE");
    assertThat(row.getLong("actor")).isEqualTo(t.adminId());
    assertThat(row.getString("resource_type")).isEqualTo("DesignAsset");
    // only what changed: file_size was 1 already
    assertThat(row.getJsonObject("changes")).isEqualTo(new JsonObject()
        .put("description", new JsonObject().put("old", "").put("new", "second")));
  }

  @Test
  void anUpdateThatChangesNothingWritesNoRow() {
    Team t = team(s, "Audit Noop");
    String series = createSeries(s, t.editor(), t.org(), "PN-NOOP").getString("id");
    long before = auditRows(s);

    HttpResult r = s.patch("/api/series/" + series, t.editor(), new JsonObject().put("part_number", "PN-NOOP"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(auditRows(s)).isEqualTo(before);
  }

  @Test
  void aDeleteWritesOneRow() {
    Team t = team(s, "Audit Delete");
    String series = createSeries(s, t.editor(), t.org(), "PN-ADEL").getString("id");
    long before = auditRows(s);

    assertThat(s.delete("/api/series/" + series, t.editor()).status()).isEqualTo(204);

    assertThat(auditRows(s)).isEqualTo(before + 1);
    JsonObject row = onlyRow(t.admin(), series, "DELETE");
    assertThat(row.getLong("actor")).isEqualTo(t.editorId());
    assertThat(row.getString("resource_type")).isEqualTo("DesignSeries");
    assertThat(row.getString("ip_address")).isEqualTo("127.0.0.1");
  }

  @Test
  void everyKindOfMutationWritesExactlyOneRow() {
    Team t = team(s, "Audit Every");
    long newcomer = s.fixtures.user(unique("auditnew"));
    String series = createSeries(s, t.editor(), t.org(), "PN-EV").getString("id");
    String design = createDesign(s, t.editor(), series, "e.step", 1).getString("id");
    String[][] steps = {
        {"POST", "/api/assembly-nodes", new JsonObject().put("design", design).put("part_number", "PN-N").encode()},
        {"POST", "/api/analysis-jobs", new JsonObject().put("design", design).put("job_type", "MASS_PROPERTIES").encode()},
        {"POST", "/api/reviews", new JsonObject().put("design", design).put("title", "r").encode()},
        {"POST", "/api/organizations/" + t.org() + "/members", new JsonObject().put("user", newcomer)
            .put("role", "VIEWER").encode()},
        {"PATCH", "/api/organizations/" + t.org() + "/members/" + newcomer, new JsonObject().put("role", "EDITOR").encode()},
        {"PATCH", "/api/organizations/" + t.org(), new JsonObject().put("description", "audited").encode()},
    };
    for (String[] step : steps) {
      long before = auditRows(s);
      HttpResult r = s.send(io.vertx.core.http.HttpMethod.valueOf(step[0]), step[1], t.admin(),
          io.vertx.core.buffer.Buffer.buffer(step[2]), java.util.Map.of());
      assertThat(r.status()).as("%s %s: %s", step[0], step[1], r).isIn(200, 201);
      assertThat(auditRows(s)).as("%s %s", step[0], step[1]).isEqualTo(before + 1);
      assertThat(s.fixtures.queryLong("SELECT count(*) FROM audit_logs WHERE id > (SELECT max(id) - 1 FROM audit_logs) "
          + "AND actor_id = ? AND ip_address = '127.0.0.1' AND organization_id = ?", t.adminId(), t.org()))
          .as("the row of %s %s", step[0], step[1]).isEqualTo(1);
    }
    assertThat(s.fixtures.queryString("SELECT resource_type FROM audit_logs WHERE resource_id = ? AND action = 'UPDATE'",
        Long.toString(newcomer))).isEqualTo("Membership");
    long before = auditRows(s);
    assertThat(s.delete("/api/organizations/" + t.org() + "/members/" + newcomer, t.admin()).status()).isEqualTo(204);
    assertThat(auditRows(s)).isEqualTo(before + 1);
  }

  @Test
  void aReviewerChangeWritesOneUpdateRowOfTheReview() {
    Team t = team(s, "Audit Reviewer");
    String series = createSeries(s, t.editor(), t.org(), "PN-AR").getString("id");
    String design = createDesign(s, t.editor(), series, "r.step", 1).getString("id");
    String review = created(s, "/api/reviews", t.editor(), new JsonObject().put("design", design).put("title", "r"))
        .getString("id");
    long before = auditRows(s);

    s.post("/api/reviews/" + review + "/reviewers", t.editor(), new JsonObject().put("user", t.viewerId()));

    assertThat(auditRows(s)).isEqualTo(before + 1);
    JsonObject row = onlyRow(t.viewer(), review, "UPDATE");
    assertThat(row.getString("resource_type")).isEqualTo("ReviewSession");
    assertThat(row.getJsonObject("changes").getJsonObject("reviewers").getLong("added")).isEqualTo(t.viewerId());

    s.delete("/api/reviews/" + review + "/reviewers/" + t.viewerId(), t.editor());
    assertThat(auditRows(s)).isEqualTo(before + 2);
  }

  @Test
  void aUserAccountChangeIsAuditedWithoutThePassword() {
    String username = unique("audited");
    HttpResult r = s.post("/api/users", staff, new JsonObject().put("username", username).put("password", "hunter2-secret"));
    assertThat(r.status()).isEqualTo(201);
    String id = String.valueOf(r.json().getLong("id"));
    s.patch("/api/users/" + id, staff, new JsonObject().put("password", "hunter3-secret"));

    assertThat(auditRows(s, id)).isEqualTo(2);
    String changes = s.fixtures.queryString("SELECT string_agg(changes::text, ' ') FROM audit_logs WHERE resource_id = ? "
        + "AND resource_type = 'User'", id);
    assertThat(changes).doesNotContain("hunter").doesNotContain("$2");
    assertThat(s.fixtures.queryString("SELECT changes->>'password' FROM audit_logs WHERE resource_id = ? "
        + "AND action = 'UPDATE'", id)).isEqualTo("changed");
    assertThat(s.fixtures.queryLong("SELECT actor_id FROM audit_logs WHERE resource_id = ? AND action = 'CREATE'", id))
        .isEqualTo(staffId);
  }

  @Test
  void aUserAccountRowIsVisibleToStaffOnly() {
    Team t = team(s, "Audit User Row");
    assertThat(s.patch("/api/users/" + t.viewerId(), t.viewer(), new JsonObject().put("first_name", "V")).status())
        .isEqualTo(200);
    long row = s.fixtures.queryLong("SELECT id FROM audit_logs WHERE resource_type = 'User' AND resource_id = ?",
        Long.toString(t.viewerId()));

    assertError(s.get("/api/audit-logs/" + row, t.viewer()), 404, "not_found");
    assertError(s.get("/api/audit-logs/" + row, t.admin()), 404, "not_found");
    HttpResult forStaff = s.get("/api/audit-logs/" + row, staff);
    assertThat(forStaff.status()).isEqualTo(200);
    assertThat(forStaff.json().getString("resource_type")).isEqualTo("User");
    assertThat(forStaff.json().getValue("organization")).isNull();
  }

  @Test
  void staffFindUserAccountRowsInTheAuditList() {
    Team t = team(s, "Audit Staff List");
    assertThat(s.patch("/api/users/" + t.editorId(), t.editor(), new JsonObject().put("last_name", "E")).status())
        .isEqualTo(200);

    HttpResult r = s.get("/api/audit-logs/?resource_type=User&resource_id=" + t.editorId(), staff);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getLong("count")).as("the row staff can retrieve is in their list too").isEqualTo(1);
    assertThat(s.get("/api/audit-logs/?resource_type=User&resource_id=" + t.editorId(), t.admin()).json()
        .getLong("count")).isZero();
  }

  @Test
  void theAuditListShowsANewRowAtOnce() {
    Team t = team(s, "Audit Fresh");
    String series = createSeries(s, t.editor(), t.org(), "PN-AF").getString("id");
    HttpResult first = s.get("/api/audit-logs/", t.admin());
    assertThat(first.json().getLong("count")).isEqualTo(1);

    s.patch("/api/series/" + series, t.editor(), new JsonObject().put("name", "renamed"));

    HttpResult second = s.get("/api/audit-logs/", t.admin());
    assertThat(second.json().getLong("count")).isEqualTo(2);
    assertThat(second.results().getJsonObject(0).getString("action")).isEqualTo("UPDATE");
  }

  @Test
  void theAuditListShowsOnlyMyOrganizations() {
    Team mine = team(s, "Audit Mine");
    Team theirs = team(s, "Audit Theirs");
    String my = createSeries(s, mine.editor(), mine.org(), "PN-MINE").getString("id");
    String their = createSeries(s, theirs.editor(), theirs.org(), "PN-THEIRS").getString("id");

    HttpResult r = s.get("/api/audit-logs/?page_size=100", mine.viewer());

    assertThat(r.results().stream().map(o -> ((JsonObject) o).getString("resource_id"))).contains(my)
        .doesNotContain(their);
    assertThat(ids(r)).hasSize(r.json().getInteger("count"));
  }
}
