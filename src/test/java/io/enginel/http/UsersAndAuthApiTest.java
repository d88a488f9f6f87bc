package io.enginel.http;

import io.enginel.config.Tier;
import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.team;
import static io.enginel.http.ApiTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Users (staff creates them, everyone changes only themselves), {@code /api/users/me}, login and logout. */
class UsersAndAuthApiTest {
  static TestServer s;
  static long staffId;
  static String staff;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
    String name = unique("staffer");
    staffId = s.fixtures.user(name, true);
    staff = s.login(name);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static HttpResult login(String username, String password) {
    return s.post("/api/auth/login", null, new JsonObject().put("username", username).put("password", password));
  }

  private static String tokenHash(String token) throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return java.util.HexFormat.of().formatHex(d);
  }

  // ------------------------------------------------------------------ users

  @Test
  void staffCreatesAUserWhoCanThenLogIn() {
    String username = unique("created");
    HttpResult r = s.post("/api/users/", staff, new JsonObject().put("username", username)
        .put("password", "s3cret-pass").put("email", username + "@example.test").put("first_name", "Ada"));

    assertThat(r.status()).isEqualTo(201);
    JsonObject user = r.json();
    long id = user.getLong("id");
    assertThat(r.header("Location")).isEqualTo("/api/users/" + id + "/");
    assertThat(user.getString("username")).isEqualTo(username);
    assertThat(user.getString("first_name")).isEqualTo("Ada");
    assertThat(user.getBoolean("is_staff")).isFalse();
    assertThat(user.getBoolean("is_active")).isTrue();
    assertThat(user.containsKey("password")).isFalse();
    assertThat(user.containsKey("password_hash")).isFalse();
    assertThat(r.body().toString()).doesNotContain("s3cret-pass").doesNotContain("$2");

    HttpResult in = login(username, "s3cret-pass");
    assertThat(in.status()).isEqualTo(200);
    HttpResult me = s.get("/api/users/me", in.json().getString("token"));
    assertThat(me.json().getLong("id")).isEqualTo(id);
  }

  @Test
  void aUserWithoutPasswordIsRefusedNamingIt() {
    String username = unique("nopass");
    assertInvalidField(s.post("/api/users", staff, new JsonObject().put("username", username)), "password");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM users WHERE username = ?", username)).isZero();
  }

  @Test
  void onlyStaffCreatesUsers() {
    Team t = team(s, "Users Create");
    String username = unique("sneaky");
    assertError(s.post("/api/users", t.admin(), new JsonObject().put("username", username).put("password", "pw-12345")),
        403, "forbidden");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM users WHERE username = ?", username)).isZero();
  }

  @Test
  void aDuplicateUsernameIs409NamingIt() {
    Team t = team(s, "Users Dup");
    JsonObject body = assertError(s.post("/api/users", staff, new JsonObject().put("username", t.editorName())
        .put("password", "pw-12345")), 409, "conflict");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("username");
  }

  @Test
  void aUserChangesTheirOwnAccount() {
    Team t = team(s, "Users Self");
    assertThat(s.get("/api/users/" + t.editorId(), t.viewer()).json().getString("first_name")).isEmpty();
    HttpResult r = s.patch("/api/users/" + t.editorId() + "/", t.editor(),
        new JsonObject().put("first_name", "Grace").put("last_name", "Hopper"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("first_name")).isEqualTo("Grace");
    assertThat(r.json().getString("last_name")).isEqualTo("Hopper");
    assertThat(s.get("/api/users/" + t.editorId(), t.viewer()).json().getString("first_name")).isEqualTo("Grace");
  }

  @Test
  void aUserMayNotChangeAnotherMember() {
    Team t = team(s, "Users Other");
    assertError(s.patch("/api/users/" + t.viewerId(), t.admin(), new JsonObject().put("first_name", "Mallory")),
        403, "forbidden");
    assertThat(s.fixtures.queryString("SELECT first_name FROM users WHERE id = ?", t.viewerId())).isEmpty();
  }

  @Test
  void onlyStaffMaySetIsStaff() {
    Team t = team(s, "Users Escalate");
    JsonObject body = assertError(s.patch("/api/users/" + t.editorId(), t.editor(),
        new JsonObject().put("is_staff", true)), 403, "forbidden");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("is_staff");
    assertThat(s.fixtures.queryString("SELECT is_staff::text FROM users WHERE id = ?", t.editorId())).isEqualTo("false");
  }

  @Test
  void onlyStaffMayDeactivateAnAccount() {
    Team t = team(s, "Users Deactivate");
    JsonObject body = assertError(s.patch("/api/users/" + t.editorId(), t.editor(),
        new JsonObject().put("is_active", false)), 403, "forbidden");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("is_active");
    assertThat(s.fixtures.queryString("SELECT is_active::text FROM users WHERE id = ?", t.editorId())).isEqualTo("true");
  }

  @Test
  void aDeactivatedUserIsLoggedOutAtOnce() {
    Team t = team(s, "Users Deactivated");
    assertThat(s.get("/api/users/me", t.viewer()).status()).isEqualTo(200);

    assertThat(s.patch("/api/users/" + t.viewerId(), staff, new JsonObject().put("is_active", false)).status())
        .isEqualTo(200);

    assertError(s.get("/api/users/me", t.viewer()), 401, "not_authenticated");
    assertError(login(t.viewerName(), Fixtures.passwordOf(t.viewerName())), 401, "invalid_credentials");
  }

  @Test
  void staffMaySetIsStaffOfAnotherUser() {
    Team t = team(s, "Users Promote");
    HttpResult r = s.patch("/api/users/" + t.viewerId(), staff, new JsonObject().put("is_staff", true));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getBoolean("is_staff")).isTrue();
    assertThat(s.fixtures.queryString("SELECT is_staff::text FROM users WHERE id = ?", t.viewerId())).isEqualTo("true");
  }

  @Test
  void aChangedPasswordReplacesTheOldOne() {
    Team t = team(s, "Users Password");
    assertThat(s.patch("/api/users/" + t.viewerId(), t.viewer(), new JsonObject().put("password", "brand-new-pw"))
        .status()).isEqualTo(200);

    assertThat(login(t.viewerName(), "brand-new-pw").status()).isEqualTo(200);
    assertError(login(t.viewerName(), Fixtures.passwordOf(t.viewerName())), 401, "invalid_credentials");
  }

  @Test
  void putOfAUserReplacesItsFields() {
    Team t = team(s, "Users Put");
    HttpResult r = s.put("/api/users/" + t.editorId(), t.editor(), new JsonObject().put("email", "new@example.test")
        .put("first_name", "F").put("last_name", "L").put("password", "another-pw"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("email")).isEqualTo("new@example.test");
    assertThat(r.json().getString("username")).isEqualTo(t.editorName());
  }

  @Test
  void listShowsTheMembersOfMyOrganizations() {
    Team t = team(s, "Users List");
    HttpResult r = s.get("/api/users/?ordering=username", t.viewer());
    assertThat(r.status()).isEqualTo(200);
    assertThat(ApiTestSupport.ids(r)).containsExactly(String.valueOf(t.adminId()), String.valueOf(t.editorId()),
        String.valueOf(t.viewerId()));
  }

  @Test
  void retrieveAnswersAMemberWithoutSecrets() {
    Team t = team(s, "Users Retrieve");
    HttpResult r = s.get("/api/users/" + t.adminId(), t.viewer());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("username")).isEqualTo(t.adminName());
    assertThat(r.json().fieldNames()).doesNotContain("password", "password_hash");
  }

  @Test
  void staffDeletesAUserWhoCanNoLongerLogIn() {
    Team t = team(s, "Users Delete");
    HttpResult r = s.delete("/api/users/" + t.viewerId() + "/", staff);
    assertThat(r.status()).isEqualTo(204);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM users WHERE id = ?", t.viewerId())).isZero();
    assertError(login(t.viewerName(), Fixtures.passwordOf(t.viewerName())), 401, "invalid_credentials");
    assertError(s.get("/api/users/me", t.viewer()), 401, "not_authenticated");
  }

  @Test
  void staffCannotDeleteTheirOwnAccount() {
    String name = unique("selfdelete");
    long id = s.fixtures.user(name, true);
    String token = s.login(name);
    assertError(s.delete("/api/users/" + id, token), 409, "conflict");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM users WHERE id = ?", id)).isEqualTo(1);
  }

  @Test
  void aNonStaffUserCannotDeleteUsers() {
    Team t = team(s, "Users No Delete");
    assertError(s.delete("/api/users/" + t.viewerId(), t.admin()), 403, "forbidden");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM users WHERE id = ?", t.viewerId())).isEqualTo(1);
  }

  @Test
  void aNonStaffUserInNoOrganizationCannotDeleteTheirOwnAccountAndIsToldSo() {
    String name = unique("loner");
    long id = s.fixtures.user(name);
    assertError(s.delete("/api/users/" + id, s.login(name)), 403, "forbidden");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM users WHERE id = ?", id)).isEqualTo(1);
  }

  // ------------------------------------------------------------------ me

  @Test
  void meAnswersTheUserWithTheirOrganizationsAndRoles() {
    Team a = team(s, "Me Alpha");
    UUID second = s.fixtures.organization(unique("Me Beta"));
    s.fixtures.member(second, a.editorId(), "VIEWER");
    String token = s.login(a.editorName());

    HttpResult r = s.get("/api/users/me/", token);

    assertThat(r.status()).isEqualTo(200);
    JsonObject me = r.json();
    assertThat(me.getLong("id")).isEqualTo(a.editorId());
    assertThat(me.getString("username")).isEqualTo(a.editorName());
    assertThat(me.fieldNames()).doesNotContain("password", "password_hash");
    JsonArray orgs = me.getJsonArray("organizations");
    assertThat(orgs).hasSize(2);
    String secondName = s.fixtures.queryString("SELECT name FROM organizations WHERE id = ?", second);
    assertThat(orgs.getJsonObject(0)).isEqualTo(new JsonObject().put("id", a.org().toString()).put("name", a.orgName())
        .put("role", "EDITOR"));
    assertThat(orgs.getJsonObject(1)).isEqualTo(new JsonObject().put("id", second.toString()).put("name", secondName)
        .put("role", "VIEWER"));
  }

  @Test
  void meFollowsANewMembershipAtOnce() {
    Team a = team(s, "Me Join");
    Team b = team(s, "Me Joined");
    assertThat(s.get("/api/users/me", a.viewer()).json().getJsonArray("organizations")).hasSize(1);

    assertThat(s.post("/api/organizations/" + b.org() + "/members", b.admin(),
        new JsonObject().put("user", a.viewerId()).put("role", "EDITOR")).status()).isEqualTo(201);

    JsonArray orgs = s.get("/api/users/me", a.viewer()).json().getJsonArray("organizations");
    assertThat(orgs).hasSize(2);
    assertThat(orgs).contains(new JsonObject().put("id", b.org().toString()).put("name", b.orgName()).put("role", "EDITOR"));
  }

  @Test
  void meFollowsAnOrganizationRenameAtOnce() {
    Team t = team(s, "Me Rename");
    assertThat(s.get("/api/users/me", t.viewer()).json().getJsonArray("organizations").getJsonObject(0)
        .getString("name")).isEqualTo(t.orgName());

    assertThat(s.patch("/api/organizations/" + t.org(), t.admin(), new JsonObject().put("name", "Renamed Co"))
        .status()).isEqualTo(200);

    assertThat(s.get("/api/users/me", t.viewer()).json().getJsonArray("organizations").getJsonObject(0)
        .getString("name")).isEqualTo("Renamed Co");
  }

  @Test
  void meOfAUserInNoOrganizationHasAnEmptyList() {
    Object[] lone = ApiTestSupport.loneUser(s, "lonely");
    HttpResult r = s.get("/api/users/me", (String) lone[1]);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getLong("id")).isEqualTo((Long) lone[0]);
    assertThat(r.json().getJsonArray("organizations")).isEmpty();
  }

  // ------------------------------------------------------------------ login, logout, sessions

  @Test
  void loginAnswersA43CharacterTokenThatLastsADay() {
    String username = unique("login");
    s.fixtures.user(username);
    HttpResult r = login(username, Fixtures.passwordOf(username));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().fieldNames()).containsExactlyInAnyOrder("token", "expires_in");
    assertThat(r.json().getString("token")).hasSize(43).matches("[A-Za-z0-9_-]{43}");
    assertThat(r.json().getInteger("expires_in")).isEqualTo(86400);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
        + "WHERE u.username = ? AND s.expires_at > now() + interval '23 hours'", username)).isEqualTo(1);
  }

  @Test
  void theTokenAuthenticatesRequests() {
    String username = unique("bearer");
    long id = s.fixtures.user(username);
    String token = login(username, Fixtures.passwordOf(username)).json().getString("token");

    HttpResult r = s.get("/api/users/me", token);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getLong("id")).isEqualTo(id);
  }

  @Test
  void aWrongPasswordIs401() {
    String username = unique("wrongpw");
    s.fixtures.user(username);
    HttpResult r = login(username, "not-the-password");
    assertError(r, 401, "invalid_credentials");
    assertThat(r.json().containsKey("token")).isFalse();
  }

  @Test
  void anUnknownUserIs401WithTheSameAnswerAsAWrongPassword() {
    String username = unique("known");
    s.fixtures.user(username);
    HttpResult unknown = login(unique("nobody"), "whatever-pw");
    HttpResult wrong = login(username, "whatever-pw");
    assertError(unknown, 401, "invalid_credentials");
    assertThat(unknown.json().getString("message")).isEqualTo(wrong.json().getString("message"));
  }

  @Test
  void anInactiveUserCannotLogIn() {
    String username = unique("inactive");
    long id = s.fixtures.user(username);
    s.fixtures.update("UPDATE users SET is_active = false WHERE id = ?", id);
    assertError(login(username, Fixtures.passwordOf(username)), 401, "invalid_credentials");
  }

  @Test
  void loginWithoutAPasswordIs400NamingIt() {
    assertInvalidField(s.post("/api/auth/login/", null, new JsonObject().put("username", "someone")), "password");
  }

  @Test
  void loginWithANonStringUsernameIs400NamingIt() {
    assertInvalidField(s.post("/api/auth/login", null, new JsonObject().put("username", 42).put("password", "x")),
        "username");
  }

  @Test
  void logoutWithoutATokenIs401() {
    HttpResult r = s.post("/api/auth/logout", null, null);
    assertError(r, 401, "not_authenticated");
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void logoutAnswers204AndTheTokenIsRefusedAtOnce() throws Exception {
    String username = unique("leaver");
    s.fixtures.user(username);
    String token = s.login(username);
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200);

    HttpResult out = s.post("/api/auth/logout", token, null);

    assertThat(out.status()).isEqualTo(204);
    HttpResult after = s.get("/api/users/me", token);
    assertError(after, 401, "not_authenticated");
    assertThat(after.header("WWW-Authenticate")).startsWith("Bearer");
    String hash = tokenHash(token);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM sessions WHERE token_hash = ?", hash)).isZero();
    // the session's cached copy is gone, and its tag stamped: a lookup racing the logout cannot put it back
    assertThat(s.redisExists(io.enginel.config.Tier.SESSIONS, s.prefix() + ":session:" + hash)).isFalse();
    assertThat(s.redis(io.enginel.config.Tier.SESSIONS, "HEXISTS", s.prefix() + ":_inv", "t:session:" + hash)
        .toInteger()).isEqualTo(1);
  }

  @Test
  void logoutEndsOnlyThatSession() {
    String username = unique("twodevices");
    s.fixtures.user(username);
    String first = s.login(username);
    String second = s.login(username);

    assertThat(s.post("/api/auth/logout/", first, null).status()).isEqualTo(204);

    assertThat(s.get("/api/users/me", first).status()).isEqualTo(401);
    assertThat(s.get("/api/users/me", second).status()).isEqualTo(200);
  }

  @Test
  void aSessionSurvivesAFlushOfTheSessionsTier() throws Exception {
    String username = unique("survivor");
    long id = s.fixtures.user(username);
    String token = s.login(username);
    String key = s.prefix() + ":session:" + tokenHash(token);
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200);
    assertThat(s.redisExists(Tier.SESSIONS, key)).as("cached on first use").isTrue();

    List<String> keys = s.redisKeys(Tier.SESSIONS, "session:*");
    for (String k : keys) {
      s.redis(Tier.SESSIONS, "DEL", k);
    }
    s.server.principals().clear();
    assertThat(s.redisKeys(Tier.SESSIONS, "session:*")).isEmpty();

    HttpResult r = s.get("/api/users/me", token);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getLong("id")).isEqualTo(id);
    // read back from Postgres, the session is put back into the sessions tier
    ApiTestSupport.eventually(() -> s.redisExists(Tier.SESSIONS, key), "the session refilled into Redis");
  }
}
