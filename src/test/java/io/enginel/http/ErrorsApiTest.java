package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.assertInvalidParameter;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every class of error: the status, a JSON body naming the field or parameter at fault, a request id in the
 * body and in {@code X-Request-Id}, and nothing of the server's insides. The node runs with a 4 KiB body limit.
 */
class ErrorsApiTest {
  static final int BODY_LIMIT = 4096;
  static TestServer s;
  static Team t;
  static String series;
  static String design;

  @BeforeAll
  static void start() {
    Map<String, Object> config = new HashMap<>(ApiTestSupport.MANY_LOGINS);
    config.put("http.bodyLimitBytes", BODY_LIMIT);
    s = TestServer.start(config);
    t = team(s, "Errors");
    series = createSeries(s, t.editor(), t.org(), "PN-ERR").getString("id");
    for (int i = 0; i < 3; i++) {
      design = createDesign(s, t.editor(), series, "e" + i + ".step", 10).getString("id");
    }
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static HttpResult raw(HttpMethod method, String path, String token, String body, String contentType) {
    Map<String, String> headers = contentType == null ? Map.of() : Map.of("Content-Type", contentType);
    return s.send(method, path, token, body == null ? null : Buffer.buffer(body), headers);
  }

  private static JsonObject orgBody() {
    return new JsonObject().put("name", "Org").put("slug", ApiTestSupport.unique("org-"));
  }

  // ------------------------------------------------------------------ bodies

  @Test
  void malformedJsonIs400() {
    long orgs = s.fixtures.queryLong("SELECT count(*) FROM organizations");
    JsonObject body = assertError(raw(HttpMethod.POST, "/api/organizations", t.editor(), "{\"name\": \"x\", ",
        "application/json"), 400, "malformed_json");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("body");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM organizations")).isEqualTo(orgs);
  }

  @Test
  void aBodyThatIsNotAnObjectIs400() {
    assertInvalidField(raw(HttpMethod.POST, "/api/organizations", t.editor(), "[1, 2]", "application/json"), "body");
    assertInvalidField(raw(HttpMethod.PATCH, "/api/designs/" + design, t.editor(), "\"text\"", "application/json"),
        "body");
  }

  @Test
  void anEmptyBodyIs400() {
    assertInvalidField(raw(HttpMethod.POST, "/api/organizations", t.editor(), "", "application/json"), "body");
  }

  @Test
  void aWrongTypeIs400NamingTheField() {
    assertInvalidField(s.post("/api/organizations", t.editor(), orgBody().put("name", 42)), "name");
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("file_size", "big")),
        "file_size");
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("file_size", 1.5)),
        "file_size");
    assertInvalidField(s.post("/api/designs", t.editor(), new JsonObject().put("series", 7).put("filename", "a.step")
        .put("file_format", "step")), "series");
    assertInvalidField(s.post("/api/designs", t.editor(), new JsonObject().put("series", "not-a-uuid")
        .put("filename", "a.step").put("file_format", "step")), "series");
    assertInvalidField(s.patch("/api/organizations/" + t.org(), t.admin(),
        new JsonObject().put("storage_quota_bytes", true)), "storage_quota_bytes");
  }

  @Test
  void nullForAFieldThatIsNotNullableIs400NamingIt() {
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().putNull("description")),
        "description");
  }

  @Test
  void aValueOutOfRangeIs400NamingTheField() {
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("file_size", -1)), "file_size");
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("filename", "a/b.step")),
        "filename");
    assertInvalidField(s.post("/api/organizations", t.editor(), orgBody().put("slug", "Not A Slug")), "slug");
    assertInvalidField(s.post("/api/organizations", t.editor(), orgBody().put("name", "x".repeat(201))), "name");
  }

  @Test
  void anUnknownFieldIs400NamingIt() {
    JsonObject body = assertInvalidField(s.post("/api/organizations", t.editor(), orgBody().put("colour", "red")),
        "colour");
    assertThat(body.getString("message")).contains("colour");
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("storage_path", "/etc")),
        "storage_path");
  }

  @Test
  void aMissingRequiredFieldIs400NamingIt() {
    assertInvalidField(s.post("/api/organizations", t.editor(), new JsonObject().put("name", "No slug")), "slug");
    assertInvalidField(s.post("/api/designs", t.editor(), new JsonObject().put("series", series)
        .put("file_format", "step")), "filename");
    assertInvalidField(s.post("/api/reviews", t.editor(), new JsonObject().put("title", "t")), "design");
    assertInvalidField(s.post("/api/reviews/" + UUID.randomUUID() + "/reviewers", t.editor(), new JsonObject()), "user");
  }

  @Test
  void aWrongContentTypeIs415() {
    HttpResult r = raw(HttpMethod.POST, "/api/organizations", t.editor(), orgBody().encode(), "text/plain");
    assertError(r, 415, "unsupported_media_type");
    assertError(raw(HttpMethod.PATCH, "/api/designs/" + design, t.editor(), "description=x",
        "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
  }

  @Test
  void aJsonContentTypeWithCharsetIsAccepted() {
    HttpResult r = raw(HttpMethod.PATCH, "/api/designs/" + design, t.editor(),
        new JsonObject().put("description", "charset ok").encode(), "application/json; charset=utf-8");
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void aBodyOverTheLimitIs413() {
    String big = new JsonObject().put("description", "x".repeat(BODY_LIMIT * 2)).encode();
    HttpResult r = raw(HttpMethod.PATCH, "/api/designs/" + design, t.editor(), big, "application/json");
    assertError(r, 413, "too_large");
    assertThat(s.get("/api/designs/" + design, t.viewer()).json().getString("description")).doesNotContain("xxxx");
  }

  @Test
  void aBodyJustUnderTheLimitIsAccepted() {
    String body = new JsonObject().put("description", "y".repeat(BODY_LIMIT - 100)).encode();
    assertThat(raw(HttpMethod.PATCH, "/api/designs/" + design, t.editor(), body, "application/json").status())
        .isEqualTo(200);
  }

  // ------------------------------------------------------------------ path and query parameters

  @Test
  void anInvalidUuidInThePathIs400NamingTheParameter() {
    assertInvalidParameter(s.get("/api/designs/not-a-uuid", t.viewer()), "id");
    assertInvalidParameter(s.get("/api/designs/not-a-uuid/bom", t.viewer()), "id");
    assertInvalidParameter(s.get("/api/series/1234/versions", t.viewer()), "id");
    assertInvalidParameter(s.patch("/api/designs/" + design.substring(1) + "x", t.editor(),
        new JsonObject().put("description", "x")), "id");
    assertInvalidParameter(s.delete("/api/reviews/zzz", t.editor()), "id");
    assertInvalidParameter(s.get("/api/organizations/nope/storage", t.viewer()), "id");
  }

  @Test
  void anInvalidIntegerIdInThePathIs400NamingTheParameter() {
    assertInvalidParameter(s.get("/api/users/abc", t.viewer()), "id");
    assertInvalidParameter(s.get("/api/users/0", t.viewer()), "id");
    assertInvalidParameter(s.get("/api/audit-logs/-5", t.viewer()), "id");
    assertInvalidParameter(s.patch("/api/organizations/" + t.org() + "/members/abc", t.admin(),
        new JsonObject().put("role", "EDITOR")), "user");
    assertInvalidParameter(s.patch("/api/organizations/bad/members/" + t.viewerId(), t.admin(),
        new JsonObject().put("role", "EDITOR")), "org");
    assertInvalidParameter(s.delete("/api/reviews/" + UUID.randomUUID() + "/reviewers/x", t.editor()), "user");
  }

  @Test
  void pageZeroIs400NamingPage() {
    assertInvalidParameter(s.get("/api/designs/?page=0", t.viewer()), "page");
    assertInvalidParameter(s.get("/api/designs/?page=-1", t.viewer()), "page");
    assertInvalidParameter(s.get("/api/designs/?page=two", t.viewer()), "page");
  }

  @Test
  void aPageSizeOverOneHundredIs400NamingIt() {
    assertThat(s.get("/api/designs/?page_size=100", t.viewer()).status()).isEqualTo(200);
    assertInvalidParameter(s.get("/api/designs/?page_size=101", t.viewer()), "page_size");
    assertInvalidParameter(s.get("/api/designs/?page_size=0", t.viewer()), "page_size");
  }

  @Test
  void anUnknownOrderingIs400NamingIt() {
    JsonObject body = assertInvalidParameter(s.get("/api/designs/?ordering=password", t.viewer()), "ordering");
    assertThat(body.getString("message")).contains("created_at");
    assertInvalidParameter(s.get("/api/designs/?ordering=-filename,bogus", t.viewer()), "ordering");
  }

  @Test
  void aBadFilterValueIs400NamingTheParameter() {
    assertInvalidParameter(s.get("/api/designs/?upload_status=DONE", t.viewer()), "upload_status");
    assertInvalidParameter(s.get("/api/designs/?series=xyz", t.viewer()), "series");
    assertInvalidParameter(s.get("/api/designs/?uploaded_by=me", t.viewer()), "uploaded_by");
    assertInvalidParameter(s.get("/api/designs/?created_after=yesterday", t.viewer()), "created_after");
    assertInvalidParameter(s.get("/api/designs/?page=1&page=2", t.viewer()), "page");
  }

  @Test
  void aPagePastTheEndIs404() {
    assertThat(s.get("/api/designs/?page_size=2&page=2", t.viewer()).status()).isEqualTo(200);
    JsonObject body = assertError(s.get("/api/designs/?page_size=2&page=3", t.viewer()), 404, "not_found");
    assertThat(body.getJsonObject("details").getString("parameter")).isEqualTo("page");
  }

  @Test
  void theFirstPageOfAnEmptyListIsNotAnError() {
    HttpResult r = s.get("/api/designs/?search=nothing-matches-this", t.viewer());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getLong("count")).isZero();
  }

  // ------------------------------------------------------------------ authentication and permission

  @Test
  void noTokenIs401WithWwwAuthenticate() {
    HttpResult r = s.get("/api/designs/", null);
    assertError(r, 401, "not_authenticated");
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
  }

  @Test
  void aBadTokenIs401WithWwwAuthenticate() {
    String wellFormedButUnknown = "A".repeat(43);
    for (String header : List.of("Bearer nonsense", "Bearer " + wellFormedButUnknown, "Basic dXNlcjpwYXNz",
        "Bearer " + t.viewer() + "x", "Token " + t.viewer())) {
      HttpResult r = s.get("/api/designs/", null, Map.of("Authorization", header));
      assertError(r, 401, "not_authenticated");
      assertThat(r.header("WWW-Authenticate")).as(header).isEqualTo("Bearer");
    }
  }

  @Test
  void writesWithoutATokenAre401AndChangeNothing() {
    long orgs = s.fixtures.queryLong("SELECT count(*) FROM organizations");
    assertError(s.post("/api/organizations", null, orgBody()), 401, "not_authenticated");
    assertError(s.delete("/api/designs/" + design, null), 401, "not_authenticated");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM organizations")).isEqualTo(orgs);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE id = ?::uuid", design)).isEqualTo(1);
  }

  @Test
  void notAllowedIs403() {
    assertError(s.get("/api/cache/stats", t.admin()), 403, "forbidden");
    assertError(s.patch("/api/designs/" + design, t.viewer(), new JsonObject().put("description", "x")), 403,
        "forbidden");
  }

  @Test
  void anAbsentObjectIs404() {
    assertError(s.get("/api/designs/" + UUID.randomUUID(), t.viewer()), 404, "not_found");
    assertError(s.patch("/api/designs/" + UUID.randomUUID(), t.editor(), new JsonObject().put("description", "x")),
        404, "not_found");
    assertError(s.delete("/api/series/" + UUID.randomUUID(), t.editor()), 404, "not_found");
    assertError(s.get("/api/users/999999999", t.viewer()), 404, "not_found");
  }

  // ------------------------------------------------------------------ routing

  @Test
  void anUnknownPathIs404Json() {
    assertError(s.get("/api/widgets/", t.viewer()), 404, "not_found");
    assertError(s.get("/api/designs/" + design + "/thumbnail", t.viewer()), 404, "not_found");
    assertError(s.get("/nothing-here", null), 404, "not_found");
  }

  @Test
  void aMethodTheResourceDoesNotHaveIs405Json() {
    assertError(s.put("/api/designs/", t.editor(), new JsonObject()), 405, "method_not_allowed");
    assertError(s.delete("/api/organizations/", t.admin()), 405, "method_not_allowed");
  }

  // ------------------------------------------------------------------ request ids, no leaks

  @Test
  void everyErrorCarriesTheRequestIdInBodyAndHeader() {
    List<HttpResult> errors = List.of(
        s.get("/api/designs/", null),
        s.get("/api/designs/not-a-uuid", t.viewer()),
        s.get("/api/designs/" + UUID.randomUUID(), t.viewer()),
        s.patch("/api/designs/" + design, t.viewer(), new JsonObject().put("description", "x")),
        raw(HttpMethod.POST, "/api/organizations", t.editor(), "{", "application/json"),
        raw(HttpMethod.POST, "/api/organizations", t.editor(), "{}", "text/plain"),
        s.get("/nothing-here", null));
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (HttpResult r : errors) {
      JsonObject body = assertError(r, r.status(), null);
      ids.add(body.getString("request_id"));
    }
    assertThat(ids).as("a request id per request").hasSize(errors.size());
  }

  @Test
  void aRequestIdSentByTheClientIsEchoed() {
    HttpResult r = s.get("/api/designs/" + UUID.randomUUID(), t.viewer(), Map.of("X-Request-Id", "trace-abc.123"));
    assertThat(assertError(r, 404, "not_found").getString("request_id")).isEqualTo("trace-abc.123");
    HttpResult ok = s.get("/api/designs/" + design, t.viewer(), Map.of("X-Request-Id", "trace-ok"));
    assertThat(ok.header("X-Request-Id")).isEqualTo("trace-ok");
  }

  @Test
  void databaseErrorsShowNoSqlOrConstraintNames() {
    Team other = team(s, "Errors Dup");
    String slug = s.fixtures.queryString("SELECT slug FROM organizations WHERE id = ?", other.org());
    HttpResult dup = s.post("/api/organizations", t.editor(), new JsonObject().put("name", "Dup").put("slug", slug));
    JsonObject body = assertError(dup, 409, "conflict");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("slug");
    assertThat(dup.body().toString()).doesNotContain("organizations_slug_key").doesNotContain("23505");

    HttpResult fk = s.post("/api/organizations/" + t.org() + "/members", t.admin(),
        new JsonObject().put("user", 2_000_000_000L).put("role", "VIEWER"));
    assertInvalidField(fk, "user");
    assertThat(fk.body().toString()).doesNotContain("memberships_user_id_fkey");
  }
}
