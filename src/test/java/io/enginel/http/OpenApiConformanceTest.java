package io.enginel.http;

import io.enginel.domain.Filter;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Response;
import io.vertx.openapi.validation.ResponseParameter;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static io.enginel.http.ApiTestSupport.team;
import static io.enginel.http.ApiTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The server answers as {@code /openapi.json} says: every documented operation is called with valid input (and
 * many with invalid input), and each real answer — status, headers, body — is validated against the document's
 * response for that operation and status (vertx-openapi's {@link ResponseValidator}). Bodies the server accepts
 * must be valid by the document's request schemas, and several it refuses must be invalid by them too. The last
 * test fails when an operation of the document was not exercised.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiConformanceTest {
  static TestServer s;
  static OpenAPIContract contract;
  static ResponseValidator validator;
  /** operationId → the statuses it answered in this class. */
  static final Map<String, Set<Integer>> exercised = new TreeMap<>();

  static Team team;
  static String outsider;
  static String staff;

  @BeforeAll
  static void start() {
    // one job worker that looks for work only when woken (by an upload): jobs created through the API stay as written
    s = TestServer.start(Map.of("http.bodyLimitBytes", 65_536, "storage.maxUploadBytes", 4096, "jobs.workers", 1,
        "jobs.pollMs", 600_000));
    JsonObject doc = s.get("/openapi.json", null).json();
    contract = TestServer.await(OpenAPIContract.from(s.vertx, doc));
    validator = ResponseValidator.create(s.vertx, contract);
    team = team(s, "Conformance");
    outsider = team(s, "Elsewhere").admin();
    String staffName = unique("conformance-staff");
    s.fixtures.user(staffName, true);
    staff = s.login(staffName);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  // ------------------------------------------------------------------ accounts and operations

  @Test
  @Order(1)
  void accountsAndOperationalEndpoints() {
    call("health", HttpMethod.GET, "/health", null, null);
    call("ready", HttpMethod.GET, "/ready", null, null);
    call("metrics", HttpMethod.GET, "/metrics", null, null);
    HttpResult document = call("openApiDocument", HttpMethod.GET, "/openapi.json", null, null);
    expect(call("openApiDocument", HttpMethod.GET, "/openapi.json", null, null,
        Map.of("If-None-Match", document.header("ETag"))), 304);
    HttpResult docs = call("apiDocs", HttpMethod.GET, "/docs", null, null);
    assertThat(docs.body().toString()).contains("/openapi.json");
    HttpResult css = s.get("/docs/swagger-ui.css", null);
    assertThat(css.status()).as("the Swagger UI's files are served").isEqualTo(200);

    String name = unique("conformance-login");
    s.fixtures.user(name);
    HttpResult login = call("login", HttpMethod.POST, "/api/auth/login", null,
        new JsonObject().put("username", name).put("password", "pass-" + name));
    String token = login.json().getString("token");
    expect(call("login", HttpMethod.POST, "/api/auth/login", null,
        new JsonObject().put("username", name).put("password", "wrong")), 401);
    expect(call("login", HttpMethod.POST, "/api/auth/login", null, new JsonObject().put("username", name)), 400);
    assertDocumentRejects("login", new JsonObject().put("username", name));
    expect(send("login", HttpMethod.POST, "/api/auth/login", null, Buffer.buffer("username=x"),
        Map.of("Content-Type", "text/plain")), 415);

    HttpResult me = call("retrieveMe", HttpMethod.GET, "/api/users/me", token, null);
    assertThat(me.json().getString("username")).isEqualTo(name);
    expect(call("retrieveMe", HttpMethod.GET, "/api/users/me", token, null, Map.of("If-None-Match", me.header("ETag"))),
        304);
    expect(call("retrieveMe", HttpMethod.GET, "/api/users/me", null, null), 401);
    expect(call("retrieveMe", HttpMethod.GET, "/api/users/me", "not-a-token", null), 401);

    expect(call("logout", HttpMethod.POST, "/api/auth/logout", token, null), 204);
    expect(call("logout", HttpMethod.POST, "/api/auth/logout", token, null), 401);

    String throttled = unique("conformance-throttled");
    int status = 0;
    for (int i = 0; i < 12 && status != 429; i++) {
      status = call("login", HttpMethod.POST, "/api/auth/login", null,
          new JsonObject().put("username", throttled).put("password", "wrong")).status();
    }
    assertThat(status).as("the eleventh attempt in a minute").isEqualTo(429);
  }

  // ------------------------------------------------------------------ resources

  @Test
  @Order(2)
  void organizationsAndTheirMembers() {
    String admin = team.admin();
    String org = team.org().toString();
    exerciseList(Resources.ORGANIZATIONS, "listOrganizations", "/api/organizations", admin, null);
    exerciseRetrieve("retrieveOrganization", "/api/organizations/" + org, admin);
    expect(call("retrieveOrganization", HttpMethod.GET, "/api/organizations/" + org, outsider, null), 404);
    expect(call("retrieveOrganization", HttpMethod.GET, "/api/organizations/not-a-uuid", admin, null), 400);
    JsonObject read = call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin,
        new JsonObject().put("description", "Described")).json();
    // what was read may be sent back whole: the fields the server sets are ignored
    call("replaceOrganization", HttpMethod.PUT, "/api/organizations/" + org, admin, read.put("name", team.orgName()));
    expect(call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, team.editor(),
        new JsonObject().put("description", "not allowed")), 403);
    JsonObject badSlug = new JsonObject().put("slug", "Not A Slug");
    expect(call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin, badSlug), 400);
    assertDocumentRejects("updateOrganization", badSlug);
    JsonObject unknownField = new JsonObject().put("colour", "blue");
    expect(call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin, unknownField), 400);
    assertDocumentRejects("updateOrganization", unknownField);
    JsonObject tooBig = new JsonObject().put("description", "x".repeat(70_000));
    expect(call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin, tooBig), 413);
    expect(send("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin,
        Buffer.buffer("{\"description\": \"x\"}"), Map.of("Content-Type", "text/plain")), 415);
    expect(call("replaceOrganization", HttpMethod.PUT, "/api/organizations/" + org, admin,
        new JsonObject().put("description", "no name")), 400);
    // conditional writes: the current ETag goes ahead (and answers the new one), an old one is a 412
    HttpResult current = call("retrieveOrganization", HttpMethod.GET, "/api/organizations/" + org, admin, null);
    String etag = current.header("ETag");
    HttpResult changed = call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin,
        new JsonObject().put("description", "Conditional"), Map.of("If-Match", etag));
    expect(changed, 200);
    expect(call("updateOrganization", HttpMethod.PATCH, "/api/organizations/" + org, admin,
        new JsonObject().put("description", "Lost update"), Map.of("If-Match", etag)), 412);
    expect(call("deleteOrganization", HttpMethod.DELETE, "/api/organizations/" + org, admin, null,
        Map.of("If-Match", etag)), 412);
    expect(call("retrieveOrganization", HttpMethod.GET, "/api/organizations/" + org, admin, null,
        Map.of("If-None-Match", changed.header("ETag"))), 304);
    assertDocumentRejects("replaceOrganization", new JsonObject().put("description", "no name"));

    String slug = "conf-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject created = call("createOrganization", HttpMethod.POST, "/api/organizations", admin,
        new JsonObject().put("name", unique("Conformance Two")).put("slug", slug)).json();
    expect(call("createOrganization", HttpMethod.POST, "/api/organizations", admin,
        new JsonObject().put("name", unique("Conformance Three")).put("slug", slug)), 409);
    String second = created.getString("id");

    call("retrieveOrganizationStorage", HttpMethod.GET, "/api/organizations/" + org + "/storage", admin, null);
    expect(call("retrieveOrganizationStorage", HttpMethod.GET, "/api/organizations/" + org + "/storage", outsider, null),
        404);

    String members = "/api/organizations/" + org + "/members";
    exerciseList(Resources.MEMBERS, "listOrganizationsMembers", members, team.viewer(), Set.of("organization"));
    long joiner = s.fixtures.user(unique("conformance-joiner"));
    call("createMembership", HttpMethod.POST, members, admin, new JsonObject().put("user", joiner).put("role", "VIEWER"));
    expect(call("createMembership", HttpMethod.POST, members, admin,
        new JsonObject().put("user", joiner).put("role", "VIEWER")), 409);
    expect(call("createMembership", HttpMethod.POST, members, team.editor(),
        new JsonObject().put("user", joiner).put("role", "VIEWER")), 403);
    JsonObject badRole = new JsonObject().put("user", joiner).put("role", "OWNER");
    expect(call("createMembership", HttpMethod.POST, members, admin, badRole), 400);
    assertDocumentRejects("createMembership", badRole);
    call("updateMembership", HttpMethod.PATCH, members + "/" + joiner, admin, new JsonObject().put("role", "EDITOR"));
    call("replaceMembership", HttpMethod.PUT, members + "/" + joiner, admin, new JsonObject().put("role", "VIEWER"));
    expect(call("updateMembership", HttpMethod.PATCH, members + "/" + team.adminId(), admin,
        new JsonObject().put("role", "VIEWER")), 409);
    expect(call("deleteMembership", HttpMethod.DELETE, members + "/" + joiner, team.viewer(), null), 403);
    expect(call("deleteMembership", HttpMethod.DELETE, members + "/" + joiner, admin, null), 204);
    expect(call("deleteMembership", HttpMethod.DELETE, members + "/" + joiner, admin, null), 404);

    expect(call("deleteOrganization", HttpMethod.DELETE, "/api/organizations/" + second, team.viewer(), null), 404);
    expect(call("deleteOrganization", HttpMethod.DELETE, "/api/organizations/" + second, admin, null), 204);
  }

  @Test
  @Order(3)
  void users() {
    exerciseList(Resources.USERS, "listUsers", "/api/users", team.admin(), null);
    exerciseRetrieve("retrieveUser", "/api/users/" + team.editorId(), team.admin());
    expect(call("retrieveUser", HttpMethod.GET, "/api/users/0", team.admin(), null), 400);
    String username = unique("conformance-new");
    JsonObject body = new JsonObject().put("username", username).put("password", "a-good-password")
        .put("email", username + "@example.test");
    expect(call("createUser", HttpMethod.POST, "/api/users", team.admin(), body), 403);
    JsonObject user = call("createUser", HttpMethod.POST, "/api/users", staff, body).json();
    assertThat(user.containsKey("password")).as("a password is never shown").isFalse();
    JsonObject badName = new JsonObject().put("username", "no spaces").put("password", "a-good-password");
    expect(call("createUser", HttpMethod.POST, "/api/users", staff, badName), 400);
    assertDocumentRejects("createUser", badName);
    String path = "/api/users/" + user.getLong("id");
    String token = call("login", HttpMethod.POST, "/api/auth/login", null,
        new JsonObject().put("username", username).put("password", "a-good-password")).json().getString("token");
    call("updateUser", HttpMethod.PATCH, path, token, new JsonObject().put("first_name", "Ada"));
    JsonObject asRead = user.copy();
    asRead.remove("is_staff"); // only staff may send what only staff may set, even unchanged
    asRead.remove("is_active");
    call("replaceUser", HttpMethod.PUT, path, token, asRead.put("last_name", "Lovelace")
        .put("password", "another-good-password"));
    expect(call("updateUser", HttpMethod.PATCH, path, token, new JsonObject().put("is_staff", true)), 403);
    expect(call("deleteUser", HttpMethod.DELETE, "/api/users/" + team.viewerId(), team.editor(), null), 403);
    expect(call("deleteUser", HttpMethod.DELETE, path, staff, null), 204);
  }

  @Test
  @Order(4)
  void seriesDesignsAndAssemblies() {
    String editor = team.editor();
    String org = team.org().toString();
    JsonObject series = call("createDesignSeries", HttpMethod.POST, "/api/series", editor,
        new JsonObject().put("organization", org).put("part_number", "PN-CONF")).json();
    assertThat(series.getValue("latest_version")).as("a series without designs has no latest version").isNull();
    String seriesPath = "/api/series/" + series.getString("id");
    expect(call("createDesignSeries", HttpMethod.POST, "/api/series", editor,
        new JsonObject().put("organization", org).put("part_number", "PN-CONF")), 409);
    expect(call("createDesignSeries", HttpMethod.POST, "/api/series", team.viewer(),
        new JsonObject().put("organization", org).put("part_number", "PN-VIEWER")), 403);
    // an organization one is not a member of is, to them, one that does not exist
    expect(call("createDesignSeries", HttpMethod.POST, "/api/series", outsider,
        new JsonObject().put("organization", org).put("part_number", "PN-OUTSIDER")), 400);
    JsonObject noPartNumber = new JsonObject().put("organization", org);
    expect(call("createDesignSeries", HttpMethod.POST, "/api/series", editor, noPartNumber), 400);
    assertDocumentRejects("createDesignSeries", noPartNumber);

    JsonObject design = call("createDesignAsset", HttpMethod.POST, "/api/designs", editor,
        new JsonObject().put("series", series.getString("id")).put("filename", "bracket.step").put("file_format", "step"))
        .json();
    String designPath = "/api/designs/" + design.getString("id");
    JsonObject badFormat = new JsonObject().put("series", series.getString("id")).put("filename", "x.dwg")
        .put("file_format", "dwg");
    expect(call("createDesignAsset", HttpMethod.POST, "/api/designs", editor, badFormat), 400);
    assertDocumentRejects("createDesignAsset", badFormat);
    JsonObject longName = new JsonObject().put("filename", "x".repeat(300));
    expect(call("updateDesignAsset", HttpMethod.PATCH, designPath, editor, longName), 400);
    assertDocumentRejects("updateDesignAsset", longName);

    exerciseList(Resources.SERIES, "listSeries", "/api/series", team.viewer(), null);
    exerciseRetrieve("retrieveDesignSeries", seriesPath, team.viewer());
    exerciseList(Resources.DESIGNS, "listSeriesVersions", seriesPath + "/versions", team.viewer(), Set.of("series"));
    expect(call("listSeriesVersions", HttpMethod.GET, seriesPath + "/versions", outsider, null), 404);
    exerciseList(Resources.DESIGNS, "listDesigns", "/api/designs", team.viewer(), null);
    exerciseRetrieve("retrieveDesignAsset", designPath, team.viewer());
    call("updateDesignSeries", HttpMethod.PATCH, seriesPath, editor, new JsonObject().put("name", "Bracket"));
    call("replaceDesignSeries", HttpMethod.PUT, seriesPath, editor, new JsonObject().put("part_number", "PN-CONF")
        .put("name", "Bracket").put("description", "Replaced"));
    call("updateDesignAsset", HttpMethod.PATCH, designPath, editor, new JsonObject().put("description", "Revised"));
    call("replaceDesignAsset", HttpMethod.PUT, designPath, editor, design.copy().put("filename", "bracket-2.step"));

    JsonObject root = call("createAssemblyNode", HttpMethod.POST, "/api/assembly-nodes", editor,
        new JsonObject().put("design", design.getString("id")).put("part_number", "PN-ROOT")).json();
    JsonObject child = call("createAssemblyNode", HttpMethod.POST, "/api/assembly-nodes", editor,
        new JsonObject().put("design", design.getString("id")).put("parent", root.getString("id"))
            .put("part_number", "PN-BOLT").put("quantity", 4)).json();
    String childPath = "/api/assembly-nodes/" + child.getString("id");
    JsonObject zeroQuantity = new JsonObject().put("quantity", 0);
    expect(call("updateAssemblyNode", HttpMethod.PATCH, childPath, editor, zeroQuantity), 400);
    assertDocumentRejects("updateAssemblyNode", zeroQuantity);
    exerciseList(Resources.ASSEMBLY_NODES, "listAssemblyNodes", "/api/assembly-nodes", team.viewer(), null);
    exerciseRetrieve("retrieveAssemblyNode", childPath, team.viewer());
    call("updateAssemblyNode", HttpMethod.PATCH, childPath, editor, new JsonObject().put("quantity", 6));
    call("replaceAssemblyNode", HttpMethod.PUT, childPath, editor, new JsonObject().put("part_number", "PN-BOLT")
        .put("parent", root.getString("id")).put("quantity", 8));

    HttpResult bom = exerciseRetrieve("retrieveDesignBom", designPath + "/bom", team.viewer());
    assertThat(bom.json().getJsonArray("parts").size()).isEqualTo(2);
    expect(call("retrieveDesignBom", HttpMethod.GET, designPath + "/bom", outsider, null), 404);

    expect(call("deleteAssemblyNode", HttpMethod.DELETE, childPath, team.viewer(), null), 403);
    expect(call("deleteAssemblyNode", HttpMethod.DELETE, childPath, editor, null), 204);
    expect(call("deleteAssemblyNode", HttpMethod.DELETE, childPath, editor, null), 404);
    JsonObject spare = call("createDesignAsset", HttpMethod.POST, "/api/designs", editor,
        new JsonObject().put("series", series.getString("id")).put("filename", "spare.step").put("file_format", "step"))
        .json();
    expect(call("deleteDesignAsset", HttpMethod.DELETE, "/api/designs/" + spare.getString("id"), editor, null), 204);
    JsonObject other = call("createDesignSeries", HttpMethod.POST, "/api/series", editor,
        new JsonObject().put("organization", org).put("part_number", "PN-GONE")).json();
    expect(call("deleteDesignSeries", HttpMethod.DELETE, "/api/series/" + other.getString("id"), editor, null), 204);
  }

  @Test
  @Order(5)
  void jobsReviewsMarkupsAndAuditLogs() {
    String editor = team.editor();
    String design = designOf(team);
    JsonObject job = call("createAnalysisJob", HttpMethod.POST, "/api/analysis-jobs", editor,
        new JsonObject().put("design", design).put("job_type", "MASS_PROPERTIES")).json();
    String jobPath = "/api/analysis-jobs/" + job.getString("id");
    JsonObject badProgress = new JsonObject().put("progress", 101);
    expect(call("updateAnalysisJob", HttpMethod.PATCH, jobPath, editor, badProgress), 400);
    assertDocumentRejects("updateAnalysisJob", badProgress);
    exerciseList(Resources.ANALYSIS_JOBS, "listAnalysisJobs", "/api/analysis-jobs", team.viewer(), null);
    exerciseRetrieve("retrieveAnalysisJob", jobPath, team.viewer());
    call("updateAnalysisJob", HttpMethod.PATCH, jobPath, editor, new JsonObject().put("progress", 50)
        .put("result", (Object) null));
    call("replaceAnalysisJob", HttpMethod.PUT, jobPath, editor, new JsonObject().put("status", "COMPLETED")
        .put("progress", 100).put("parameters", new JsonObject()).put("result", new JsonObject().put("ok", true)));
    expect(call("deleteAnalysisJob", HttpMethod.DELETE, jobPath, editor, null), 204);

    JsonObject review = call("createReviewSession", HttpMethod.POST, "/api/reviews", editor,
        new JsonObject().put("design", design).put("title", "First look")).json();
    String reviewPath = "/api/reviews/" + review.getString("id");
    exerciseList(Resources.REVIEWS, "listReviews", "/api/reviews", team.viewer(), null);
    exerciseRetrieve("retrieveReviewSession", reviewPath, team.viewer());
    call("updateReviewSession", HttpMethod.PATCH, reviewPath, editor, new JsonObject().put("status", "IN_REVIEW"));
    call("replaceReviewSession", HttpMethod.PUT, reviewPath, editor, new JsonObject().put("title", "Second look"));
    JsonObject reviewer = new JsonObject().put("user", team.viewerId());
    expect(call("addReviewer", HttpMethod.POST, reviewPath + "/reviewers", team.viewer(), reviewer), 403);
    JsonObject withReviewer = call("addReviewer", HttpMethod.POST, reviewPath + "/reviewers", editor, reviewer).json();
    assertThat(withReviewer.getJsonArray("reviewers").stream().map(u -> ((Number) u).longValue()))
        .contains(team.viewerId());
    expect(call("addReviewer", HttpMethod.POST, reviewPath + "/reviewers", editor, new JsonObject().put("user", "x")),
        400);
    assertDocumentRejects("addReviewer", new JsonObject().put("user", "x"));

    JsonObject markup = call("createMarkup", HttpMethod.POST, "/api/markups", team.viewer(),
        new JsonObject().put("review", review.getString("id")).put("comment", "Check the fillet")).json();
    String markupPath = "/api/markups/" + markup.getString("id");
    exerciseList(Resources.MARKUPS, "listMarkups", "/api/markups", team.viewer(), null);
    exerciseList(Resources.MARKUPS, "listReviewsMarkups", reviewPath + "/markups", team.viewer(), Set.of("review"));
    exerciseRetrieve("retrieveMarkup", markupPath, team.viewer());
    call("updateMarkup", HttpMethod.PATCH, markupPath, team.viewer(), new JsonObject().put("status", "RESOLVED"));
    call("replaceMarkup", HttpMethod.PUT, markupPath, team.viewer(), new JsonObject().put("comment", "Fillet checked")
        .put("anchor", new JsonObject().put("x", 1)).put("status", "OPEN"));
    expect(call("deleteMarkup", HttpMethod.DELETE, markupPath, team.viewer(), null), 204);

    expect(call("removeReviewer", HttpMethod.DELETE, reviewPath + "/reviewers/" + team.viewerId(), editor, null), 204);
    expect(call("deleteReviewSession", HttpMethod.DELETE, reviewPath, editor, null), 204);

    exerciseList(Resources.AUDIT_LOGS, "listAuditLogs", "/api/audit-logs", team.admin(), null);
    HttpResult logs = call("listAuditLogs", HttpMethod.GET, "/api/audit-logs", staff, null);
    assertThat(logs.json().getJsonArray("results").stream().map(o -> (JsonObject) o)
        .anyMatch(l -> l.getValue("organization") == null)).as("staff see the logs of user accounts").isTrue();
    String logId = call("listAuditLogs", HttpMethod.GET, "/api/audit-logs", team.admin(), null).results()
        .getJsonObject(0).getValue("id").toString();
    exerciseRetrieve("retrieveAuditLog", "/api/audit-logs/" + logId, team.admin());
    expect(call("retrieveAuditLog", HttpMethod.GET, "/api/audit-logs/" + logId, outsider, null), 404);
  }

  @Test
  @Order(6)
  void uploadsAndGeometry() {
    String editor = team.editor();
    String series = call("createDesignSeries", HttpMethod.POST, "/api/series", editor,
        new JsonObject().put("organization", team.org().toString()).put("part_number", "PN-MESH")).json()
        .getString("id");
    String design = call("createDesignAsset", HttpMethod.POST, "/api/designs", editor,
        new JsonObject().put("series", series).put("filename", "tetra.stl").put("file_format", "stl")).json()
        .getString("id");
    String designPath = "/api/designs/" + design;
    expect(call("retrieveDesignMetadata", HttpMethod.GET, designPath + "/metadata", team.viewer(), null), 404);

    Buffer stl = Buffer.buffer(TETRAHEDRON, StandardCharsets.US_ASCII.name());
    Map<String, String> raw = Map.of("Content-Type", "application/octet-stream");
    expect(send("uploadDesignFile", HttpMethod.POST, designPath + "/file", team.viewer(), stl, raw), 403);
    HttpResult accepted = send("uploadDesignFile", HttpMethod.POST, designPath + "/file", editor, stl, raw);
    expect(accepted, 202);
    expect(send("uploadDesignFile", HttpMethod.POST, designPath + "/file", editor, Buffer.buffer(new byte[5000]), raw),
        413);
    expect(send("uploadDesignFile", HttpMethod.POST, designPath + "/file?density=-1", editor, stl, raw), 400);

    String job = "/api/analysis-jobs/" + accepted.json().getString("job");
    Waits.until(() -> "COMPLETED".equals(call("retrieveAnalysisJob", HttpMethod.GET, job, editor, null).json()
        .getString("status")), Duration.ofSeconds(20), "the geometry job completes");
    HttpResult metadata = exerciseRetrieve("retrieveDesignMetadata", designPath + "/metadata", team.viewer());
    assertThat(metadata.json().getLong("triangle_count")).isEqualTo(4);
  }

  @Test
  @Order(7)
  void cacheAdministration() {
    call("cacheStats", HttpMethod.GET, "/api/cache/stats", staff, null);
    expect(call("cacheStats", HttpMethod.GET, "/api/cache/stats", team.admin(), null), 403);
    call("cacheHealth", HttpMethod.GET, "/api/cache/health", staff, null);
    String design = designOf(team);
    for (JsonObject body : new JsonObject[] {
        new JsonObject().put("keys", new JsonArray().add(s.server.cache().keys().designDetail(design))),
        new JsonObject().put("pattern", s.prefix() + ":design:*"),
        new JsonObject().put("model", "DesignAsset"),
        new JsonObject().put("model", "DesignAsset").put("id", design)}) {
      call("invalidateCache", HttpMethod.POST, "/api/cache/invalidate", staff, body);
    }
    expect(call("invalidateCache", HttpMethod.POST, "/api/cache/invalidate", staff, new JsonObject().put("model", "Nope")),
        400);
    assertDocumentRejects("invalidateCache", new JsonObject().put("model", "Nope"));
    expect(call("invalidateCache", HttpMethod.POST, "/api/cache/invalidate", team.admin(),
        new JsonObject().put("model", "DesignAsset")), 403);
    String warm = "/api/cache/warm/organizations/" + team.org();
    call("warmOrganization", HttpMethod.POST, warm, staff, null);
    expect(call("warmOrganization", HttpMethod.POST, "/api/cache/warm/organizations/" + UUID.randomUUID(), staff, null),
        404);
  }

  @Test
  @Order(100)
  void everyDocumentedOperationWasExercisedWithASuccessfulAnswer() {
    Set<String> documented = new TreeSet<>();
    JsonObject paths = s.get("/openapi.json", null).json().getJsonObject("paths");
    paths.forEach(p -> ((JsonObject) p.getValue()).forEach(op -> {
      if (!op.getKey().equals("parameters")) {
        documented.add(((JsonObject) op.getValue()).getString("operationId"));
      }
    }));
    assertThat(exercised.keySet()).as("operations called").containsExactlyInAnyOrderElementsOf(documented);
    exercised.forEach((operation, statuses) -> assertThat(statuses).as("statuses of " + operation)
        .anyMatch(status -> status < 300));
  }

  // ------------------------------------------------------------------ exercising

  /**
   * A list: plain, with every filter (a value of the rows listed where there is one), with a search, in every
   * ordering ascending and descending, on a second page; a 304 for its ETag; 400 for a bad ordering and page size,
   * which the document's parameter schemas refuse too.
   */
  private static void exerciseList(Resource r, String operationId, String path, String token, Set<String> fixed) {
    HttpResult page = call(operationId, HttpMethod.GET, path, token, null);
    JsonObject row = page.json().getJsonArray("results").isEmpty() ? new JsonObject()
        : page.json().getJsonArray("results").getJsonObject(0);
    expect(call(operationId, HttpMethod.GET, path, token, null, Map.of("If-None-Match", page.header("ETag"))), 304);
    for (Filter f : r.filters().values()) {
      if (fixed == null || !fixed.contains(f.param())) {
        call(operationId, HttpMethod.GET, path + "?" + f.param() + "=" + encode(filterValue(f, row)), token, null);
      }
    }
    call(operationId, HttpMethod.GET, path + "?search=a&page_size=1&page=2", token, null);
    for (String o : r.orderings().keySet()) {
      call(operationId, HttpMethod.GET, path + "?ordering=" + o + ",-" + o, token, null);
    }
    expect(call(operationId, HttpMethod.GET, path + "?ordering=nonsense", token, null), 400);
    assertParameterRejected(operationId, "ordering", "nonsense");
    String tooMany = Integer.toString(s.config.http().maxPageSize() + 1);
    expect(call(operationId, HttpMethod.GET, path + "?page_size=" + tooMany, token, null), 400);
    assertParameterRejected(operationId, "page_size", tooMany);
    expect(call(operationId, HttpMethod.GET, path, null, null), 401);
  }

  /** A cached read: 200, then 304 for its ETag. */
  private static HttpResult exerciseRetrieve(String operationId, String path, String token) {
    HttpResult r = call(operationId, HttpMethod.GET, path, token, null);
    expect(r, 200);
    expect(call(operationId, HttpMethod.GET, path, token, null, Map.of("If-None-Match", r.header("ETag"))), 304);
    return r;
  }

  /** A valid value for a filter: the row's own value of the field of the same name, else one of its type. */
  private static String filterValue(Filter f, JsonObject row) {
    Object own = row.getValue(f.param());
    if (own != null && !(own instanceof JsonObject) && !(own instanceof JsonArray)) {
      return own.toString();
    }
    if (f.choices() != null) {
      return f.choices().get(0);
    }
    return switch (f.type()) {
      case UUID -> UUID.randomUUID().toString();
      case LONG, INT -> "1";
      case BOOL -> "true";
      case TIMESTAMP -> OffsetDateTime.now().toString();
      default -> "a";
    };
  }

  private static String designOf(Team t) {
    return s.get("/api/designs?organization=" + t.org(), t.viewer()).results().getJsonObject(0).getString("id");
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static HttpResult call(String operationId, HttpMethod method, String path, String token, JsonObject body) {
    return call(operationId, method, path, token, body, Map.of());
  }

  private static HttpResult call(String operationId, HttpMethod method, String path, String token, JsonObject body,
                                 Map<String, String> headers) {
    return send(operationId, method, path, token, body == null ? null : body.toBuffer(), headers);
  }

  /**
   * Sends a request for the named operation (the method and path must be the operation's), validates the answer
   * against the document, and when it succeeded, validates the JSON body sent against the operation's request
   * schema: what the server accepts, the document must accept.
   */
  private static HttpResult send(String operationId, HttpMethod method, String path, String token, Buffer body,
                                 Map<String, String> headers) {
    Operation op = contract.operation(operationId);
    assertThat(op).as("operation " + operationId).isNotNull();
    assertThat(op.getHttpMethod()).as("method of " + operationId).isEqualTo(method);
    String bare = path.replaceAll("\\?.*", "").replaceAll("(.)/$", "$1");
    assertThat(bare).as("path of " + operationId).matches(op.getOpenAPIPath().replaceAll("\\{[^}]+}", "[^/]+"));

    HttpResult r = s.send(method, path, token, body, headers);
    String where = method + " " + path + " → " + r;
    exercised.computeIfAbsent(operationId, k -> new TreeSet<>()).add(r.status());
    validateAnswer(operationId, op, r, where);
    if (r.status() < 300 && body != null && op.getRequestBody() != null
        && "application/json".equals(headers.getOrDefault("Content-Type", "application/json"))) {
      OutputUnit result = requestSchemaCheck(op, new JsonObject(body));
      assertThat(result.getValid()).as("the document accepts the body the server accepted: " + where + " "
          + result.getErrors()).isTrue();
    }
    return r;
  }

  private static void validateAnswer(String operationId, Operation op, HttpResult r, String where) {
    Response documented = op.getResponse(r.status());
    if (documented == null) {
      fail("status " + r.status() + " is not documented for " + operationId + ": " + where);
    }
    Map<String, ResponseParameter> headers = new HashMap<>();
    for (Parameter h : documented.getHeaders()) {
      String value = r.header(h.getName());
      if (value != null) {
        headers.put(h.getName(), () -> value);
      }
    }
    String type = r.header("Content-Type") == null ? null : r.header("Content-Type").split(";")[0].trim();
    boolean hasBody = r.body() != null && r.body().length() > 0;
    ValidatableResponse answer = new ValidatableResponse() {
      @Override
      public Map<String, ResponseParameter> getHeaders() {
        return headers;
      }

      @Override
      public ResponseParameter getBody() {
        return hasBody ? () -> r.body() : null;
      }

      @Override
      public String getContentType() {
        return type;
      }

      @Override
      public int getStatusCode() {
        return r.status();
      }
    };
    try {
      TestServer.await(validator.validate(answer, operationId));
    } catch (RuntimeException e) {
      fail("the answer does not match the document for " + operationId + ": " + where + "\n" + e.getMessage(), e);
    }
  }

  private static OutputUnit requestSchemaCheck(Operation op, JsonObject body) {
    MediaType json = op.getRequestBody().getContent().get("application/json");
    return contract.getSchemaRepository().validator(json.getSchema()).validate(body);
  }

  /** A body the server refused with a 400 is refused by the document's request schema too. */
  private static void assertDocumentRejects(String operationId, JsonObject body) {
    assertThat(requestSchemaCheck(contract.operation(operationId), body).getValid())
        .as("the document refuses " + body.encode() + " for " + operationId).isFalse();
  }

  /** A query parameter value the server refused with a 400 is refused by the document's parameter schema too. */
  private static void assertParameterRejected(String operationId, String name, String value) {
    Parameter p = contract.operation(operationId).getParameters().stream().filter(x -> x.getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError(operationId + " documents no parameter " + name));
    JsonSchema schema = p.getSchema();
    Object typed = "integer".equals(schema.get("type")) ? (Object) Long.parseLong(value) : value;
    assertThat(contract.getSchemaRepository().validator(schema).validate(typed).getValid())
        .as("the document refuses " + name + "=" + value + " for " + operationId).isFalse();
  }

  private static void expect(HttpResult r, int status) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
  }

  /** A regular tetrahedron-ish mesh: four outward facets. */
  private static final String TETRAHEDRON = """
      solid tetra
        facet normal 0 0 -1
          outer loop
            vertex 0 0 0
            vertex 0 1 0
            vertex 1 0 0
          endloop
        endfacet
        facet normal 0 -1 0
          outer loop
            vertex 0 0 0
            vertex 1 0 0
            vertex 0 0 1
          endloop
        endfacet
        facet normal -1 0 0
          outer loop
            vertex 0 0 0
            vertex 0 0 1
            vertex 0 1 0
          endloop
        endfacet
        facet normal 1 1 1
          outer loop
            vertex 1 0 0
            vertex 0 1 0
            vertex 0 0 1
          endloop
        endfacet
      endsolid tetra
      """;
}
