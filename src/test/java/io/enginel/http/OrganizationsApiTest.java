package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.ids;
import static io.enginel.http.ApiTestSupport.team;
import static io.enginel.http.ApiTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Organizations, their members and their storage use, through the HTTP API. */
class OrganizationsApiTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** The role of a membership as Postgres holds it, or null. */
  private static String role(UUID org, long user) {
    return s.fixtures.queryString("SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?", org, user);
  }

  // ------------------------------------------------------------------ organizations

  @Test
  void createAnswers201WithLocationAndTheDefaults() {
    Team t = team(s, "Create Org");
    String slug = unique("acme-");
    HttpResult r = s.post("/api/organizations/", t.editor(), new JsonObject().put("name", "Acme").put("slug", slug));

    assertThat(r.status()).isEqualTo(201);
    JsonObject org = r.json();
    assertThat(org.getString("id")).hasSize(36);
    assertThat(r.header("Location")).isEqualTo("/api/organizations/" + org.getString("id") + "/");
    assertThat(org.getString("name")).isEqualTo("Acme");
    assertThat(org.getString("slug")).isEqualTo(slug);
    assertThat(org.getString("description")).isEmpty();
    assertThat(org.getLong("storage_quota_bytes")).isEqualTo(10_737_418_240L);
    assertThat(org.getString("created_at")).endsWith("Z");

    HttpResult read = s.get(r.header("Location"), t.editor());
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json()).isEqualTo(org);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM organizations WHERE slug = ?", slug)).isEqualTo(1);
  }

  @Test
  void theCreatorBecomesTheFirstAdmin() {
    Team t = team(s, "Creator Org");
    JsonObject org = ApiTestSupport.created(s, "/api/organizations", t.viewer(),
        new JsonObject().put("name", "Mine").put("slug", unique("mine-")));

    assertThat(role(UUID.fromString(org.getString("id")), t.viewerId())).isEqualTo("ADMIN");
    JsonArray mine = s.get("/api/users/me", t.viewer()).json().getJsonArray("organizations");
    assertThat(mine.stream().map(o -> ((JsonObject) o).getString("role") + " " + ((JsonObject) o).getString("id")))
        .contains("ADMIN " + org.getString("id"));
  }

  @Test
  void listShowsMyOrganizationsOrderedByName() {
    Team t = team(s, "Zeta List Org");
    assertThat(ids(s.get("/api/organizations/", t.admin()))).containsExactly(t.org().toString());
    JsonObject other = ApiTestSupport.created(s, "/api/organizations/", t.admin(),
        new JsonObject().put("name", "Alpha " + unique("x")).put("slug", unique("alpha-")));

    HttpResult r = s.get("/api/organizations/", t.admin());
    assertThat(r.json().getLong("count")).isEqualTo(2);
    assertThat(ids(r)).containsExactly(other.getString("id"), t.org().toString());
  }

  @Test
  void retrieveAnswersTheOrganization() {
    Team t = team(s, "Retrieve Org");
    HttpResult r = s.get("/api/organizations/" + t.org(), t.viewer());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("id")).isEqualTo(t.org().toString());
    assertThat(r.json().getString("name")).isEqualTo(t.orgName());
  }

  @Test
  void patchChangesOnlyTheGivenFields() {
    Team t = team(s, "Patch Org");
    String before = s.get("/api/organizations/" + t.org(), t.admin()).json().getString("slug");
    HttpResult r = s.patch("/api/organizations/" + t.org() + "/", t.admin(),
        new JsonObject().put("description", "makes brackets"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("description")).isEqualTo("makes brackets");
    assertThat(r.json().getString("slug")).isEqualTo(before);
    assertThat(r.json().getString("name")).isEqualTo(t.orgName());
    HttpResult read = s.get("/api/organizations/" + t.org(), t.viewer());
    assertThat(read.json().getString("description")).isEqualTo("makes brackets");
  }

  @Test
  void putReplacesTheWritableFields() {
    Team t = team(s, "Put Org");
    String slug = unique("renamed-");
    HttpResult r = s.put("/api/organizations/" + t.org(), t.admin(), new JsonObject().put("name", "Renamed")
        .put("slug", slug).put("description", "d").put("storage_quota_bytes", 5000));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("name")).isEqualTo("Renamed");
    assertThat(r.json().getString("slug")).isEqualTo(slug);
    assertThat(r.json().getLong("storage_quota_bytes")).isEqualTo(5000);
    assertThat(s.fixtures.queryString("SELECT name FROM organizations WHERE id = ?", t.org())).isEqualTo("Renamed");
  }

  @Test
  void putWithoutARequiredFieldIs400NamingIt() {
    Team t = team(s, "Put Missing Org");
    HttpResult r = s.put("/api/organizations/" + t.org(), t.admin(), new JsonObject().put("name", "No slug"));
    assertInvalidField(r, "slug");
    assertThat(s.fixtures.queryString("SELECT name FROM organizations WHERE id = ?", t.org())).isEqualTo(t.orgName());
  }

  @Test
  void deleteAnswers204AndTheOrganizationIsGone() {
    Team t = team(s, "Delete Org");
    assertThat(s.get("/api/organizations/" + t.org(), t.admin()).status()).isEqualTo(200);

    HttpResult r = s.delete("/api/organizations/" + t.org() + "/", t.admin());

    assertThat(r.status()).isEqualTo(204);
    assertThat(r.body() == null || r.body().length() == 0).isTrue();
    assertError(s.get("/api/organizations/" + t.org(), t.admin()), 404, "not_found");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM organizations WHERE id = ?", t.org())).isZero();
  }

  @Test
  void aDeletedOrganizationLeavesItsMembersMeAtOnce() {
    Team t = team(s, "Delete Me Org");
    assertThat(s.get("/api/users/me", t.viewer()).json().getJsonArray("organizations")).hasSize(1);

    assertThat(s.delete("/api/organizations/" + t.org(), t.admin()).status()).isEqualTo(204);

    assertThat(s.get("/api/users/me", t.viewer()).json().getJsonArray("organizations")).isEmpty();
    assertThat(ids(s.get("/api/organizations/", t.viewer()))).isEmpty();
  }

  @Test
  void onlyAnAdminMayChangeOrDeleteTheOrganization() {
    Team t = team(s, "Admin Only Org");
    assertError(s.patch("/api/organizations/" + t.org(), t.editor(), new JsonObject().put("description", "x")),
        403, "forbidden");
    assertError(s.delete("/api/organizations/" + t.org(), t.editor()), 403, "forbidden");
    assertThat(s.fixtures.queryString("SELECT description FROM organizations WHERE id = ?", t.org())).isEmpty();
  }

  // ------------------------------------------------------------------ members

  @Test
  void addingAMemberAnswers201WithLocationAndTheMembership() {
    Team t = team(s, "Add Member Org");
    String username = unique("newcomer");
    long user = s.fixtures.user(username);

    HttpResult r = s.post("/api/organizations/" + t.org() + "/members/", t.admin(),
        new JsonObject().put("user", user).put("role", "EDITOR"));

    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Location")).isEqualTo("/api/organizations/" + t.org() + "/members/" + user + "/");
    assertThat(r.json().getLong("user")).isEqualTo(user);
    assertThat(r.json().getString("username")).isEqualTo(username);
    assertThat(r.json().getString("organization")).isEqualTo(t.org().toString());
    assertThat(r.json().getString("role")).isEqualTo("EDITOR");
    assertThat(role(t.org(), user)).isEqualTo("EDITOR");
  }

  @Test
  void aNewMemberSeesTheOrganizationAtOnce() {
    Team t = team(s, "Newcomer Org");
    String username = unique("joiner");
    long user = s.fixtures.user(username);
    String token = s.login(username);
    assertThat(s.get("/api/organizations/" + t.org(), token).status()).isEqualTo(404);

    assertThat(s.post("/api/organizations/" + t.org() + "/members", t.admin(),
        new JsonObject().put("user", user).put("role", "VIEWER")).status()).isEqualTo(201);

    assertThat(s.get("/api/organizations/" + t.org(), token).status()).isEqualTo(200);
  }

  @Test
  void membersListShowsUsernamesAndRoles() {
    Team t = team(s, "Members List Org");
    HttpResult r = s.get("/api/organizations/" + t.org() + "/members", t.viewer());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getLong("count")).isEqualTo(3);
    JsonArray results = r.results();
    // ordered by username: <x>-admin, <x>-editor, <x>-viewer
    assertThat(results.getJsonObject(0).getString("username")).isEqualTo(t.adminName());
    assertThat(results.getJsonObject(0).getString("role")).isEqualTo("ADMIN");
    assertThat(results.getJsonObject(1).getString("role")).isEqualTo("EDITOR");
    assertThat(results.getJsonObject(2).getString("role")).isEqualTo("VIEWER");
    assertThat(results.getJsonObject(2).getLong("user")).isEqualTo(t.viewerId());
  }

  @Test
  void anAdminChangesARoleWithPatchAndPut() {
    Team t = team(s, "Role Change Org");
    HttpResult patch = s.patch("/api/organizations/" + t.org() + "/members/" + t.viewerId(), t.admin(),
        new JsonObject().put("role", "EDITOR"));
    assertThat(patch.status()).isEqualTo(200);
    assertThat(patch.json().getString("role")).isEqualTo("EDITOR");

    HttpResult put = s.put("/api/organizations/" + t.org() + "/members/" + t.viewerId() + "/", t.admin(),
        new JsonObject().put("role", "ADMIN"));
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json().getString("role")).isEqualTo("ADMIN");
    assertThat(role(t.org(), t.viewerId())).isEqualTo("ADMIN");
  }

  @Test
  void aRoleOutsideTheChoicesIs400() {
    Team t = team(s, "Bad Role Org");
    assertInvalidField(s.patch("/api/organizations/" + t.org() + "/members/" + t.viewerId(), t.admin(),
        new JsonObject().put("role", "OWNER")), "role");
  }

  @Test
  void removingAMemberAnswers204AndTheyLoseAccess() {
    Team t = team(s, "Remove Member Org");
    HttpResult r = s.delete("/api/organizations/" + t.org() + "/members/" + t.editorId() + "/", t.admin());

    assertThat(r.status()).isEqualTo(204);
    assertThat(role(t.org(), t.editorId())).isNull();
    assertThat(s.get("/api/organizations/" + t.org(), t.editor()).status()).isEqualTo(404);
  }

  @Test
  void aMemberMayLeaveTheOrganization() {
    Team t = team(s, "Leave Org");
    assertThat(s.delete("/api/organizations/" + t.org() + "/members/" + t.viewerId(), t.viewer()).status())
        .isEqualTo(204);
    assertThat(role(t.org(), t.viewerId())).isNull();
  }

  @Test
  void theLastAdminCannotBeRemoved() {
    Team t = team(s, "Last Admin Remove Org");
    HttpResult r = s.delete("/api/organizations/" + t.org() + "/members/" + t.adminId(), t.admin());
    JsonObject body = assertError(r, 409, "conflict");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("role");
    assertThat(role(t.org(), t.adminId())).isEqualTo("ADMIN");
  }

  @Test
  void theLastAdminCannotBeDemoted() {
    Team t = team(s, "Last Admin Demote Org");
    HttpResult r = s.patch("/api/organizations/" + t.org() + "/members/" + t.adminId(), t.admin(),
        new JsonObject().put("role", "EDITOR"));
    JsonObject body = assertError(r, 409, "conflict");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("role");
    assertThat(role(t.org(), t.adminId())).isEqualTo("ADMIN");
  }

  @Test
  void anAdminMayStepDownWhenAnotherAdminRemains() {
    Team t = team(s, "Two Admins Org");
    assertThat(s.patch("/api/organizations/" + t.org() + "/members/" + t.editorId(), t.admin(),
        new JsonObject().put("role", "ADMIN")).status()).isEqualTo(200);

    HttpResult r = s.patch("/api/organizations/" + t.org() + "/members/" + t.adminId(), t.admin(),
        new JsonObject().put("role", "VIEWER"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("role")).isEqualTo("VIEWER");
  }

  @Test
  void onlyAnAdminManagesMembers() {
    Team t = team(s, "Members Admin Only Org");
    long user = s.fixtures.user(unique("outsider"));
    assertError(s.post("/api/organizations/" + t.org() + "/members", t.editor(),
        new JsonObject().put("user", user).put("role", "VIEWER")), 403, "forbidden");
    assertError(s.patch("/api/organizations/" + t.org() + "/members/" + t.viewerId(), t.editor(),
        new JsonObject().put("role", "ADMIN")), 403, "forbidden");
    assertError(s.delete("/api/organizations/" + t.org() + "/members/" + t.viewerId(), t.editor()), 403, "forbidden");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM memberships WHERE organization_id = ?", t.org())).isEqualTo(3);
  }

  @Test
  void aMemberCannotPromoteThemselves() {
    Team t = team(s, "Self Promotion Org");
    assertError(s.patch("/api/organizations/" + t.org() + "/members/" + t.editorId(), t.editor(),
        new JsonObject().put("role", "ADMIN")), 403, "forbidden");
    assertThat(role(t.org(), t.editorId())).isEqualTo("EDITOR");
  }

  @Test
  void aMembershipIsCreatedInTheOrganizationOfThePathWhateverTheBodySays() {
    Team mine = team(s, "Path Org");
    Team victim = team(s, "Victim Org");

    HttpResult r = s.post("/api/organizations/" + mine.org() + "/members", mine.admin(), new JsonObject()
        .put("user", mine.adminId()).put("role", "ADMIN").put("organization", victim.org().toString()));

    assertThat(role(victim.org(), mine.adminId())).as("membership written into the organization named in the body "
        + "(answer was %s)", r).isNull();
    assertThat(s.get("/api/organizations/" + victim.org(), mine.admin()).status()).isEqualTo(404);
    // already a member of the path's organization
    assertThat(r.status()).as("%s", r).isIn(400, 409);
  }

  @Test
  void aMemberAddedWithAnOrganizationInTheBodyJoinsThePathsOrganization() {
    Team mine = team(s, "Path Org Two");
    Team other = team(s, "Other Org Two");
    long user = s.fixtures.user(unique("bodyorg"));

    HttpResult r = s.post("/api/organizations/" + mine.org() + "/members", mine.admin(), new JsonObject()
        .put("user", user).put("role", "VIEWER").put("organization", other.org().toString()));

    if (r.status() == 201) {
      assertThat(r.json().getString("organization")).isEqualTo(mine.org().toString());
      assertThat(role(mine.org(), user)).isEqualTo("VIEWER");
    } else {
      assertInvalidField(r, "organization");
    }
    assertThat(role(other.org(), user)).isNull();
  }

  @Test
  void membersListFollowsARoleChangeAtOnce() {
    Team t = team(s, "Members Fresh Org");
    HttpResult before = s.get("/api/organizations/" + t.org() + "/members?role=EDITOR", t.viewer());
    assertThat(before.status()).isEqualTo(200);
    assertThat(before.json().getLong("count")).isEqualTo(1);

    s.patch("/api/organizations/" + t.org() + "/members/" + t.viewerId(), t.admin(), new JsonObject().put("role", "EDITOR"));

    HttpResult after = s.get("/api/organizations/" + t.org() + "/members?role=EDITOR", t.viewer());
    assertThat(after.json().getLong("count")).isEqualTo(2);
  }

  @Test
  void addingAnExistingMemberIs409NamingTheUser() {
    Team t = team(s, "Duplicate Member Org");
    JsonObject body = assertError(s.post("/api/organizations/" + t.org() + "/members", t.admin(),
        new JsonObject().put("user", t.viewerId()).put("role", "EDITOR")), 409, "conflict");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("user");
    assertThat(role(t.org(), t.viewerId())).isEqualTo("VIEWER");
  }

  @Test
  void addingAnUnknownUserIs400NamingTheUser() {
    Team t = team(s, "Unknown Member Org");
    assertInvalidField(s.post("/api/organizations/" + t.org() + "/members", t.admin(),
        new JsonObject().put("user", 987_654_321L).put("role", "EDITOR")), "user");
  }

  @Test
  void changingSomeoneWhoIsNotAMemberIs404() {
    Team t = team(s, "Not Member Org");
    long user = s.fixtures.user(unique("stranger"));
    assertError(s.patch("/api/organizations/" + t.org() + "/members/" + user, t.admin(),
        new JsonObject().put("role", "EDITOR")), 404, "not_found");
    assertError(s.delete("/api/organizations/" + t.org() + "/members/" + user, t.admin()), 404, "not_found");
  }

  // ------------------------------------------------------------------ storage

  @Test
  void storageReportsUsedBytesAgainstTheQuota() {
    Team t = team(s, "Storage Org");
    assertThat(s.patch("/api/organizations/" + t.org(), t.admin(), new JsonObject().put("storage_quota_bytes", 10_000))
        .status()).isEqualTo(200);
    String series = createSeries(s, t.editor(), t.org(), "PN-STORE").getString("id");
    createDesign(s, t.editor(), series, "a.step", 1_000);
    createDesign(s, t.editor(), series, "b.step", 2_500);

    HttpResult r = s.get("/api/organizations/" + t.org() + "/storage/", t.viewer());

    assertThat(r.status()).isEqualTo(200);
    JsonObject storage = r.json();
    assertThat(storage.getString("organization")).isEqualTo(t.org().toString());
    assertThat(storage.getLong("quota_bytes")).isEqualTo(10_000);
    assertThat(storage.getLong("used_bytes")).isEqualTo(3_500);
    assertThat(storage.getLong("available_bytes")).isEqualTo(6_500);
    assertThat(storage.getDouble("percent_used")).isEqualTo(35.0);
    assertThat(storage.getLong("design_count")).isEqualTo(2);
  }

  @Test
  void storageFollowsANewDesignAtOnce() {
    Team t = team(s, "Storage Fresh Org");
    String series = createSeries(s, t.editor(), t.org(), "PN-FRESH").getString("id");
    assertThat(s.get("/api/organizations/" + t.org() + "/storage", t.viewer()).json().getLong("used_bytes")).isZero();

    createDesign(s, t.editor(), series, "c.step", 777);

    JsonObject storage = s.get("/api/organizations/" + t.org() + "/storage", t.viewer()).json();
    assertThat(storage.getLong("used_bytes")).isEqualTo(777);
    assertThat(storage.getLong("design_count")).isEqualTo(1);
  }

  @Test
  void storageOfAnUnknownOrganizationIs404() {
    Team t = team(s, "Storage Unknown Org");
    assertError(s.get("/api/organizations/" + UUID.randomUUID() + "/storage", t.admin()), 404, "not_found");
  }
}
