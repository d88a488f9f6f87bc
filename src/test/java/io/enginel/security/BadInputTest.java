package io.enginel.security;

import io.enginel.security.SecuritySupport.Raw;
import io.enginel.security.SecuritySupport.Tenant;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static io.enginel.security.SecuritySupport.assertError;
import static io.enginel.security.SecuritySupport.assertNoLeak;
import static io.enginel.security.SecuritySupport.dbFingerprint;
import static io.enginel.security.SecuritySupport.responseKeys;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input is refused: every malformed, mistyped, incomplete, oversized, injected or otherwise hostile request
 * to a write or list endpoint answers a 4xx JSON error naming what is wrong, writes nothing to PostgreSQL (the
 * fingerprint of every table is unchanged), leaves no cache entry in Redis (the response keys under the
 * prefix are unchanged), shows no stack trace or SQL, and the server keeps answering. The cases are tables.
 * The node runs with a 4 KiB body limit and a 4 KiB upload limit.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {
  static final int BODY_LIMIT = 4096;
  static final int UPLOAD_LIMIT = 4096;
  static final String TOO_BIG = "x".repeat(BODY_LIMIT * 2);

  static TestServer s;
  static Tenant t;
  static Tenant other;
  static String admin;
  static String viewer;
  static Raw raw;
  static Connection db;
  static Path storageRoot;

  @BeforeAll
  static void start() throws IOException {
    storageRoot = Files.createTempDirectory("enginel-badinput");
    SeededServer.Seeded<Tenant[]> seeded = SeededServer.start(Map.of("http.bodyLimitBytes", BODY_LIMIT,
        "storage.maxUploadBytes", UPLOAD_LIMIT, "storage.dir", storageRoot.resolve("store").toString()),
        f -> new Tenant[] {Tenant.create(f, "Bad Input"), Tenant.create(f, "Other Org")});
    s = seeded.server();
    t = seeded.data()[0];
    other = seeded.data()[1];
    admin = s.login(t.adminName());
    viewer = s.login(t.viewerName());
    raw = new Raw(s);
    db = s.db.jdbc();
    // some entries in the cache, so that "unchanged" is compared with something
    for (String path : List.of("/api/designs/", "/api/series/", "/api/designs/" + t.design(),
        "/api/designs/" + t.design() + "/bom", "/api/reviews/" + t.review() + "/markups")) {
      assertThat(s.get(path, viewer).status()).as(path).isEqualTo(200);
    }
    assertThat(responseKeys(s)).isNotEmpty();
  }

  @AfterAll
  static void stop() throws SQLException {
    if (raw != null) {
      raw.close();
    }
    if (db != null) {
      db.close();
    }
    if (s != null) {
      s.close();
    }
  }

  // ------------------------------------------------------------------ the table

  /**
   * One refused request: method, path and body ({@code {org}}, {@code {series}}, {@code {design}}, {@code {node}},
   * {@code {review}}, {@code {markup}}, {@code {job}}, {@code {viewerId}} filled in), its content type (null: none
   * sent), and the expected status, error code and the field ({@code details.field}) or parameter
   * ({@code details.parameter}) it names.
   */
  record Case(String what, HttpMethod method, String path, String contentType, String body, int status, String code,
              String field, String parameter) {
    @Override
    public String toString() {
      return what + ": " + method + " " + path;
    }
  }

  static final String JSON = "application/json";

  static Case field(String what, HttpMethod m, String path, String body, String field) {
    return new Case(what, m, path, JSON, body, 400, null, field, null);
  }

  static Case param(String what, HttpMethod m, String path, String parameter) {
    return new Case(what, m, path, null, null, 400, "invalid_parameter", null, parameter);
  }

  static Case of(String what, HttpMethod m, String path, String contentType, String body, int status, String code) {
    return new Case(what, m, path, contentType, body, status, code, null, null);
  }

  /** The write endpoints: a collection to POST to and an item to PATCH, with a valid body for each. */
  static final Map<String, String[]> WRITES = new LinkedHashMap<>();

  static {
    WRITES.put("organizations", new String[] {"/api/organizations/{org}", "{\"name\": \"N\", \"slug\": \"new-org\"}"});
    WRITES.put("series", new String[] {"/api/series/{series}",
        "{\"organization\": \"{org}\", \"part_number\": \"PN-NEW\"}"});
    WRITES.put("designs", new String[] {"/api/designs/{design}",
        "{\"series\": \"{series}\", \"filename\": \"n.step\", \"file_format\": \"step\"}"});
    WRITES.put("assembly-nodes", new String[] {"/api/assembly-nodes/{node}",
        "{\"design\": \"{design}\", \"part_number\": \"P-NEW\"}"});
    WRITES.put("reviews", new String[] {"/api/reviews/{review}", "{\"design\": \"{design}\", \"title\": \"new\"}"});
    WRITES.put("markups", new String[] {"/api/markups/{markup}", "{\"review\": \"{review}\", \"comment\": \"new\"}"});
    WRITES.put("analysis-jobs", new String[] {"/api/analysis-jobs/{job}",
        "{\"design\": \"{design}\", \"job_type\": \"MASS_PROPERTIES\"}"});
  }

  static Stream<Case> malformedBodies() {
    List<Case> cases = new ArrayList<>();
    WRITES.forEach((name, w) -> {
      String collection = "/api/" + name;
      String item = w[0];
      cases.add(new Case("truncated JSON", HttpMethod.POST, collection, JSON, "{\"name\": \"x\", ", 400, "malformed_json",
          "body", null));
      cases.add(new Case("truncated JSON", HttpMethod.PATCH, item, JSON, "{\"description\": ", 400, "malformed_json",
          "body", null));
      cases.add(new Case("XML sent as JSON", HttpMethod.POST, collection, JSON, "<design/>", 400, "malformed_json",
          "body", null));
      cases.add(new Case("a trailing comma", HttpMethod.PATCH, item, JSON, "{\"a\": 1,}", 400, "malformed_json",
          "body", null));
      cases.add(field("an array, not an object", HttpMethod.POST, collection, "[" + w[1] + "]", "body"));
      cases.add(field("a string, not an object", HttpMethod.PATCH, item, "\"text\"", "body"));
      cases.add(field("null, not an object", HttpMethod.PUT, item, "null", "body"));
      cases.add(field("an empty body", HttpMethod.POST, collection, "", "body"));
      cases.add(field("an unknown field", HttpMethod.POST, collection,
          w[1].replaceFirst("\\{", "{\"storage_path\": \"/etc/passwd\", "), "storage_path"));
      cases.add(field("an unknown field with a NUL in its name", HttpMethod.PATCH, item, "{\"a\\u0000b\": 1}",
          "a\u0000b"));
      cases.add(of("a body over the limit", HttpMethod.POST, collection, JSON,
          w[1].replaceFirst("\\{", "{\"description\": \"" + TOO_BIG + "\", "), 413, "too_large"));
      cases.add(of("a body over the limit", HttpMethod.PATCH, item, JSON,
          "{\"description\": \"" + TOO_BIG + "\"}", 413, "too_large"));
      cases.add(of("text/plain", HttpMethod.POST, collection, "text/plain", w[1], 415, "unsupported_media_type"));
      cases.add(of("no content type", HttpMethod.POST, collection, null, w[1], 415, "unsupported_media_type"));
      cases.add(of("a form", HttpMethod.PATCH, item, "application/x-www-form-urlencoded", "description=x", 415,
          "unsupported_media_type"));
      cases.add(of("multipart", HttpMethod.PATCH, item, "multipart/form-data; boundary=b",
          "--b\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nx\r\n--b--\r\n", 415,
          "unsupported_media_type"));
      cases.add(of("XML", HttpMethod.PUT, item, "application/xml", "<a/>", 415, "unsupported_media_type"));
    });
    return cases.stream();
  }

  static Stream<Case> wrongTypesAndMissingFields() {
    HttpMethod post = HttpMethod.POST;
    HttpMethod patch = HttpMethod.PATCH;
    HttpMethod put = HttpMethod.PUT;
    return Stream.of(
        // wrong types
        field("a number for a string", post, "/api/organizations", "{\"name\": 42, \"slug\": \"s-x\"}", "name"),
        field("a string for an integer", patch, "/api/organizations/{org}", "{\"storage_quota_bytes\": \"lots\"}",
            "storage_quota_bytes"),
        field("a boolean for an integer", patch, "/api/organizations/{org}", "{\"storage_quota_bytes\": true}",
            "storage_quota_bytes"),
        field("a number for a UUID", post, "/api/series", "{\"organization\": 12, \"part_number\": \"PN-1\"}",
            "organization"),
        field("a boolean for a string", patch, "/api/series/{series}", "{\"name\": true}", "name"),
        field("a string for an integer", post, "/api/designs",
            "{\"series\": \"{series}\", \"filename\": \"a.step\", \"file_format\": \"step\", \"file_size\": \"big\"}",
            "file_size"),
        field("a fraction for an integer", patch, "/api/designs/{design}", "{\"file_size\": 1.5}", "file_size"),
        field("an integer beyond 64 bits", patch, "/api/designs/{design}",
            "{\"file_size\": 99999999999999999999999999}", "file_size"),
        field("a negative size", patch, "/api/designs/{design}", "{\"file_size\": -1}", "file_size"),
        field("a string for an integer", post, "/api/assembly-nodes",
            "{\"design\": \"{design}\", \"part_number\": \"P-1\", \"quantity\": \"2\"}", "quantity"),
        field("an integer beyond 32 bits", patch, "/api/assembly-nodes/{node}", "{\"quantity\": 3000000000}",
            "quantity"),
        field("a number for a UUID", patch, "/api/assembly-nodes/{node}", "{\"parent\": 5}", "parent"),
        field("a malformed UUID", post, "/api/reviews", "{\"design\": \"{design}x\", \"title\": \"t\"}", "design"),
        field("an object for a string", post, "/api/reviews", "{\"design\": \"{design}\", \"title\": {\"x\": 1}}",
            "title"),
        field("a number for a choice", patch, "/api/reviews/{review}", "{\"status\": 1}", "status"),
        field("an unknown choice", patch, "/api/reviews/{review}", "{\"status\": \"DONE\"}", "status"),
        field("a string for an object", post, "/api/markups",
            "{\"review\": \"{review}\", \"comment\": \"c\", \"anchor\": \"face 1\"}", "anchor"),
        field("null for a required string", patch, "/api/markups/{markup}", "{\"comment\": null}", "comment"),
        field("an array for an object", post, "/api/analysis-jobs",
            "{\"design\": \"{design}\", \"job_type\": \"MASS_PROPERTIES\", \"parameters\": [1]}", "parameters"),
        field("a fraction for an integer", patch, "/api/analysis-jobs/{job}", "{\"progress\": 50.5}", "progress"),
        field("an unknown job type", post, "/api/analysis-jobs", "{\"design\": \"{design}\", \"job_type\": \"RENDER\"}",
            "job_type"),
        field("a string for a user id", post, "/api/reviews/{review}/reviewers", "{\"user\": \"me\"}", "user"),
        field("a string for a user id", post, "/api/organizations/{org}/members",
            "{\"user\": \"x\", \"role\": \"VIEWER\"}", "user"),
        field("an unknown role", patch, "/api/organizations/{org}/members/{viewerId}", "{\"role\": \"OWNER\"}", "role"),
        // missing required fields
        field("no slug", post, "/api/organizations", "{\"name\": \"No slug\"}", "slug"),
        field("no part number", post, "/api/series", "{\"organization\": \"{org}\"}", "part_number"),
        field("no file format", post, "/api/designs", "{\"series\": \"{series}\", \"filename\": \"a.step\"}",
            "file_format"),
        field("no design", post, "/api/assembly-nodes", "{\"part_number\": \"P-2\"}", "design"),
        field("no title", post, "/api/reviews", "{\"design\": \"{design}\"}", "title"),
        field("no comment", post, "/api/markups", "{\"review\": \"{review}\"}", "comment"),
        field("no job type", post, "/api/analysis-jobs", "{\"design\": \"{design}\"}", "job_type"),
        field("no role", post, "/api/organizations/{org}/members", "{\"user\": {viewerId}}", "role"),
        field("no user", post, "/api/reviews/{review}/reviewers", "{}", "user"),
        field("PUT without the required fields", put, "/api/designs/{design}", "{}", "filename"),
        field("PUT without the required fields", put, "/api/series/{series}", "{\"name\": \"n\"}", "part_number"),
        // hostile strings in fields: SQL, NUL, broken unicode, path traversal, control characters
        field("SQL in a slug", post, "/api/organizations", "{\"name\": \"n\", \"slug\": \"x' OR '1'='1\"}", "slug"),
        field("SQL in a part number", post, "/api/series",
            "{\"organization\": \"{org}\", \"part_number\": \"PN'; DROP TABLE design_series;--\"}", "part_number"),
        field("SQL in a UUID", patch, "/api/assembly-nodes/{node}", "{\"parent\": \"' OR 1=1; --\"}", "parent"),
        field("SQL in a choice", post, "/api/designs",
            "{\"series\": \"{series}\", \"filename\": \"a.step\", \"file_format\": \"step' OR '1'='1\"}", "file_format"),
        field("a NUL in a string", post, "/api/organizations", "{\"name\": \"a\\u0000b\", \"slug\": \"nul-org\"}",
            "name"),
        field("a NUL in a description", patch, "/api/designs/{design}", "{\"description\": \"\\u0000\"}",
            "description"),
        field("a NUL inside a JSON object", post, "/api/markups",
            "{\"review\": \"{review}\", \"comment\": \"c\", \"anchor\": {\"k\": [\"\\u0000\"]}}", "anchor"),
        field("a NUL in a JSON object key", patch, "/api/analysis-jobs/{job}", "{\"parameters\": {\"a\\u0000\": 1}}",
            "parameters"),
        field("an unpaired surrogate", patch, "/api/designs/{design}", "{\"description\": \"a\\ud800b\"}",
            "description"),
        field("a lone low surrogate", patch, "/api/reviews/{review}", "{\"title\": \"\\udc00\"}", "title"),
        field("path traversal in a file name", post, "/api/designs",
            "{\"series\": \"{series}\", \"filename\": \"../../etc/passwd\", \"file_format\": \"step\"}", "filename"),
        field("backslash traversal in a file name", patch, "/api/designs/{design}",
            "{\"filename\": \"..\\\\..\\\\boot.ini\"}", "filename"),
        field("CR/LF in a file name", patch, "/api/designs/{design}", "{\"filename\": \"a\\r\\nb.step\"}", "filename"),
        field("glob characters in a slug", post, "/api/organizations", "{\"name\": \"n\", \"slug\": \"a*b?[c]\"}",
            "slug"),
        field("a string over its length", post, "/api/organizations",
            "{\"name\": \"" + "n".repeat(201) + "\", \"slug\": \"long\"}", "name"));
  }

  static final List<String> LISTS = List.of("/api/organizations", "/api/users", "/api/series", "/api/designs",
      "/api/assembly-nodes", "/api/analysis-jobs", "/api/reviews", "/api/markups", "/api/audit-logs",
      "/api/series/{series}/versions", "/api/reviews/{review}/markups", "/api/organizations/{org}/members");

  static Stream<Case> badListParameters() {
    List<Case> cases = new ArrayList<>();
    for (String list : LISTS) {
      String l = list + "/";
      cases.add(param("page 0", HttpMethod.GET, l + "?page=0", "page"));
      cases.add(param("page -1", HttpMethod.GET, l + "?page=-1", "page"));
      cases.add(param("page 10^12", HttpMethod.GET, l + "?page=1000000000000", "page"));
      cases.add(param("page past the largest allowed", HttpMethod.GET, l + "?page=2147484", "page"));
      cases.add(param("page not a number", HttpMethod.GET, l + "?page=two", "page"));
      cases.add(param("page with SQL", HttpMethod.GET, l + "?page=1%3B%20DROP%20TABLE%20users", "page"));
      cases.add(param("page repeated", HttpMethod.GET, l + "?page=1&page=2", "page"));
      cases.add(param("page_size over 100", HttpMethod.GET, l + "?page_size=101", "page_size"));
      cases.add(param("page_size 0", HttpMethod.GET, l + "?page_size=0", "page_size"));
      cases.add(param("page_size 10^12", HttpMethod.GET, l + "?page_size=1000000000000", "page_size"));
      cases.add(param("unknown ordering", HttpMethod.GET, l + "?ordering=password_hash", "ordering"));
      cases.add(param("ordering with SQL", HttpMethod.GET, l + "?ordering=id%3B%20DROP%20TABLE%20users--",
          "ordering"));
      cases.add(param("ordering, one good one bad", HttpMethod.GET, l + "?ordering=-created_at,bogus", "ordering"));
      cases.add(param("a NUL in search", HttpMethod.GET, l + "?search=a%00b", "search"));
      cases.add(param("a search over 200 characters", HttpMethod.GET, l + "?search=" + "s".repeat(201), "search"));
      cases.add(param("a broken percent escape", HttpMethod.GET, l + "?search=a%G1", "query"));
      cases.add(param("a lone percent sign", HttpMethod.GET, l + "?page%=%", "query"));
      cases.add(new Case("the largest page, past the end", HttpMethod.GET, l + "?page=2147483&page_size=100", null,
          null, 404, "not_found", null, "page"));
    }
    // filters with bad values: SQL, NUL, wrong types
    cases.add(param("SQL in a choice filter", HttpMethod.GET, "/api/designs/?upload_status=%27%20OR%201%3D1--",
        "upload_status"));
    cases.add(param("SQL in a UUID filter", HttpMethod.GET, "/api/designs/?series=%27%20OR%20%271%27%3D%271",
        "series"));
    cases.add(param("SQL in an integer filter", HttpMethod.GET, "/api/designs/?uploaded_by=1%3BDROP%20TABLE%20users",
        "uploaded_by"));
    cases.add(param("SQL in a timestamp filter", HttpMethod.GET,
        "/api/designs/?created_after=2024-01-01%27%20OR%20%271%27%3D%271", "created_after"));
    cases.add(param("an integer filter of 10^30", HttpMethod.GET, "/api/reviews/?reviewer=1000000000000000000000000000000",
        "reviewer"));
    cases.add(param("SQL in an integer filter", HttpMethod.GET, "/api/reviews/?reviewer=1%20OR%201%3D1", "reviewer"));
    cases.add(param("a NUL in a choice filter", HttpMethod.GET, "/api/analysis-jobs/?status=%00", "status"));
    cases.add(param("a NUL in a string filter", HttpMethod.GET, "/api/series/?part_number=PN%00", "part_number"));
    cases.add(param("a NUL in a string filter", HttpMethod.GET, "/api/audit-logs/?resource_type=%00%00",
        "resource_type"));
    cases.add(param("not a boolean", HttpMethod.GET, "/api/assembly-nodes/?root=maybe", "root"));
    cases.add(param("not a boolean", HttpMethod.GET, "/api/users/?is_staff=yes", "is_staff"));
    cases.add(param("an unknown action", HttpMethod.GET, "/api/audit-logs/?action=DROP", "action"));
    cases.add(param("a glob for a UUID", HttpMethod.GET, "/api/markups/?review=*", "review"));
    cases.add(param("a glob for an integer", HttpMethod.GET, "/api/markups/?author=%3F", "author"));
    cases.add(param("a CR/LF for a UUID", HttpMethod.GET, "/api/assembly-nodes/?design=%0D%0A", "design"));
    cases.add(param("a string filter over 255 characters", HttpMethod.GET, "/api/series/?part_number=" + "p".repeat(256),
        "part_number"));
    cases.add(param("a filter repeated", HttpMethod.GET, "/api/designs/?file_format=step&file_format=stl",
        "file_format"));
    return cases.stream();
  }

  static Stream<Case> badPathIds() {
    return Stream.of(
        param("not a UUID", HttpMethod.GET, "/api/designs/not-a-uuid", "id"),
        param("not a UUID", HttpMethod.PATCH, "/api/series/1234", "id"),
        param("a UUID with a character more", HttpMethod.PUT, "/api/assembly-nodes/{node}x", "id"),
        param("a UUID with a character less", HttpMethod.DELETE, "/api/analysis-jobs/0000000-0000-0000-0000-000000000000", "id"),
        param("36 characters, not hex", HttpMethod.DELETE, "/api/reviews/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "id"),
        param("SQL for a UUID", HttpMethod.DELETE, "/api/markups/%27%20OR%201%3D1--", "id"),
        param("a NUL for a UUID", HttpMethod.GET, "/api/analysis-jobs/%00", "id"),
        param("a glob for a UUID", HttpMethod.GET, "/api/reviews/*", "id"),
        param("CR/LF in a UUID", HttpMethod.GET, "/api/markups/%0D%0Aa", "id"),
        param("unicode for a UUID", HttpMethod.GET, "/api/series/%E6%97%A5%E6%9C%AC", "id"),
        param("not a UUID, sub-resource", HttpMethod.GET, "/api/designs/nope/bom", "id"),
        param("not a UUID, sub-resource", HttpMethod.GET, "/api/designs/nope/metadata", "id"),
        param("not a UUID, sub-list", HttpMethod.GET, "/api/series/nope/versions", "id"),
        param("not a UUID, sub-list", HttpMethod.GET, "/api/reviews/nope/markups", "id"),
        param("not a UUID, storage", HttpMethod.GET, "/api/organizations/{org}x/storage", "id"),
        param("not a UUID, members", HttpMethod.GET, "/api/organizations/nope/members", "id"),
        param("not a UUID, upload", HttpMethod.POST, "/api/designs/..%2F..%2Fetc%2Fpasswd/file", "id"),
        param("user 0", HttpMethod.GET, "/api/users/0", "id"),
        param("user -1", HttpMethod.PATCH, "/api/users/-1", "id"),
        param("user 10^30", HttpMethod.GET, "/api/users/1000000000000000000000000000000", "id"),
        param("audit id not a number", HttpMethod.GET, "/api/audit-logs/1%20OR%201%3D1", "id"),
        param("member not a number", HttpMethod.DELETE, "/api/organizations/{org}/members/abc", "user"),
        param("reviewer not a number", HttpMethod.DELETE, "/api/reviews/{review}/reviewers/0", "user"));
  }

  static Stream<Case> badUploads() {
    String file = "/api/designs/{design}/file";
    String boundary = "----b";
    return Stream.of(
        new Case("an empty upload", HttpMethod.POST, file, "application/octet-stream", "", 400, null, "file", null),
        new Case("a form without a file", HttpMethod.POST, file, "multipart/form-data; boundary=" + boundary,
            "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + boundary
                + "--\r\n", 400, null, "file", null),
        param("density not a number", HttpMethod.POST, file + "?density=heavy", "density"),
        param("density negative", HttpMethod.POST, file + "?density=-1", "density"),
        param("density NaN", HttpMethod.POST, file + "?density=NaN", "density"),
        param("density infinite", HttpMethod.POST, file + "?density=Infinity", "density"),
        param("a broken percent escape", HttpMethod.POST, file + "?density=%zz", "query"),
        of("an upload over the limit", HttpMethod.POST, file, "application/octet-stream", "z".repeat(UPLOAD_LIMIT + 1),
            413, "too_large"),
        of("a viewer's upload", HttpMethod.POST, file, "application/octet-stream", "solid x", 403, "forbidden"),
        of("an upload to another organization's design", HttpMethod.POST, "/api/designs/{otherDesign}/file",
            "application/octet-stream", "solid x", 404, "not_found"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("malformedBodies")
  @Order(1)
  void aMalformedOrMistypedBodyIsRefused(Case c) {
    refused(c, admin);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("wrongTypesAndMissingFields")
  @Order(2)
  void aWrongTypeAMissingFieldOrAHostileStringIsRefusedNamingTheField(Case c) {
    refused(c, admin);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badListParameters")
  @Order(3)
  void aBadListParameterIsRefusedNamingIt(Case c) {
    refused(c, viewer);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badPathIds")
  @Order(4)
  void anInvalidIdInThePathIsRefusedNamingIt(Case c) {
    refused(c, admin);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badUploads")
  @Order(5)
  void aBadUploadIsRefusedAndLeavesNoFile(Case c) throws IOException {
    refused(c, c.what().startsWith("a viewer") ? viewer : admin);
    // a refused upload's temporary file is deleted right after the answer
    long deadline = System.nanoTime() + 3_000_000_000L;
    List<Path> left = filesIn(storageRoot);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      left = filesIn(storageRoot);
    }
    assertThat(left).as("files left in the store after %s", c).isEmpty();
  }

  static List<Path> filesIn(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ hostile values that are data, not errors

  /**
   * Query values full of SQL, NUL-free control characters, unicode and Redis glob characters are searched for as
   * text: 200, nothing matches, nothing is written, and the list entry cached for them has a key without a glob
   * character, a space or a line break (so it can neither be a pattern nor split a key).
   */
  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("dataNotCode")
  @Order(6)
  void hostileFilterValuesAreSearchedForAsText(String query) {
    String before = dbFingerprint(db);
    Set<String> keysBefore = responseKeys(s);
    HttpResult r = raw.send(HttpMethod.GET, fill(query), viewer, null, Map.of());
    assertThat(r.status()).as("%s → %s", query, r).isEqualTo(200);
    assertThat(r.json().getLong("count")).as("%s → %s", query, r).isZero();
    assertThat(r.xCache()).isEqualTo("MISS");
    assertNoLeak(r, query);
    // a design search page is built from kept matches, stored from its second ask (docs/searches.md)
    HttpResult second = raw.send(HttpMethod.GET, fill(query), viewer, null, Map.of());
    assertThat(second.body()).isEqualTo(r.body());
    assertThat(dbFingerprint(db)).as("the database after %s", query).isEqualTo(before);
    Set<String> added = new java.util.TreeSet<>(responseKeys(s));
    added.removeAll(keysBefore);
    // a design search also keeps the matches of each of the viewer's organizations (docs/searches.md)
    assertThat(added.stream().filter(k -> !k.contains(":design:matches:")))
        .as("one new list entry for %s", query).hasSize(1);
    for (String key : added) {
      assertThat(key.substring(key.indexOf(' ') + 1)).as("key of %s", query).doesNotContain("*", "?", "[", "]", " ",
          "\r", "\n", "\\", "'", ";");
    }
    HttpResult again = raw.send(HttpMethod.GET, fill(query), viewer, null, Map.of());
    assertThat(again.xCache()).isEqualTo("HIT");
    assertThat(again.body()).isEqualTo(r.body());
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_series")).as("tables intact").isEqualTo(2);
  }

  static Stream<String> dataNotCode() {
    return Stream.of(
        "/api/designs/?search=%27%20OR%201%3D1--",
        "/api/designs/?search=%27%3B%20DROP%20TABLE%20design_assets%3B--",
        "/api/designs/?search=%25%27%20UNION%20SELECT%20password_hash%20FROM%20users--",
        "/api/series/?part_number=%27%20OR%20%271%27%3D%271",
        "/api/organizations/?slug=x%27%20OR%201%3D1--",
        "/api/audit-logs/?resource_type=DesignAsset%27--",
        "/api/users/?username=admin%27--",
        "/api/designs/?search=%E6%97%A5%E6%9C%AC%E8%AA%9E%F0%9F%94%A9",
        "/api/designs/?search=a%0D%0ASET%20x%201",
        "/api/reviews/?search=*",
        "/api/markups/?search=%3F",
        "/api/assembly-nodes/?part_number=%5Ba-z%5D*",
        "/api/series/?search=a*b%3F%5Bc%5D%5C",
        "/api/designs/?search=%25",
        "/api/designs/?search=_",
        "/api/analysis-jobs/?search=%5C",
        "/api/reviews/{review}/markups/?search=%27%20OR%20%27%27%3D%27",
        "/api/series/{series}/versions/?search=%2A%3A%2A");
  }

  /** A free-text field with SQL in it is stored as it is and read back as it is; the tables are intact. */
  @Test
  @Order(7)
  void sqlInAFreeTextFieldIsStoredAsText() {
    String name = "Robert'); DROP TABLE organizations;-- \u65e5\u672c \r\n *?[";
    HttpResult r = s.post("/api/organizations", admin, new JsonObject().put("name", name).put("slug", "bobby-tables"));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().getString("name")).isEqualTo(name);
    String id = r.json().getString("id");
    assertThat(s.get("/api/organizations/" + id, admin).json().getString("name")).isEqualTo(name);
    assertThat(s.fixtures.queryString("SELECT name FROM organizations WHERE id = ?::uuid", id)).isEqualTo(name);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM organizations")).isEqualTo(3);
  }

  // ------------------------------------------------------------------ uploads: the client's file name is never a path

  /**
   * An upload's file name (a multipart {@code filename}, a {@code Content-Disposition}) is ignored: the file is
   * stored under its content address inside the store, nothing is created where the name points.
   */
  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("traversalNames")
  @Order(8)
  void anUploadsFileNameCannotLeaveTheStore(String name) throws Exception {
    UUID design = UUID.randomUUID();
    s.fixtures.update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, "
        + "upload_status) SELECT ?, s.id, s.organization_id, 100 + (SELECT count(*) FROM design_assets), 'u.stl', "
        + "'stl', 'PENDING' FROM design_series s WHERE s.id = ?", design, t.series());
    byte[] content = ("solid " + name + " " + UUID.randomUUID() + "\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n"
        + "vertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid\n").getBytes(StandardCharsets.UTF_8); // an ASCII STL
    String boundary = "----enginel" + UUID.randomUUID();
    Buffer form = Buffer.buffer()
        .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
            + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        .appendBytes(content)
        .appendString("\r\n--" + boundary + "--\r\n");
    HttpResult r = raw.send(HttpMethod.POST, "/api/designs/" + design + "/file", admin, form,
        Map.of("Content-Type", "multipart/form-data; boundary=" + boundary));
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    assertThat(r.json().getString("file_hash")).isEqualTo(hash);
    String stored = s.fixtures.queryString("SELECT storage_path FROM design_assets WHERE id = ?", design);
    assertThat(stored).isEqualTo(hash.substring(0, 2) + "/" + hash.substring(2, 4) + "/" + hash);
    assertThat(s.fixtures.queryString("SELECT filename FROM design_assets WHERE id = ?", design)).isEqualTo("u.stl");

    HttpResult rawBody = raw.send(HttpMethod.POST, "/api/designs/" + design + "/file", admin, Buffer.buffer(content),
        Map.of("Content-Type", "application/octet-stream", "Content-Disposition", "attachment; filename=\"" + name
            + "\""));
    assertThat(rawBody.status()).as(rawBody.toString()).isEqualTo(202);

    Path store = storageRoot.resolve("store");
    try (Stream<Path> files = Files.walk(storageRoot)) {
      assertThat(files.filter(Files::isRegularFile).toList()).as("every file is in the store, at a content address")
          .allSatisfy(f -> {
            assertThat(f.startsWith(store)).isTrue();
            assertThat(f.getFileName().toString()).matches("[0-9a-f]{64}");
          });
    }
    assertThat(storageRoot.resolve("store").resolve(hash.substring(0, 2)).resolve(hash.substring(2, 4)).resolve(hash))
        .exists().hasBinaryContent(content);
  }

  static Stream<String> traversalNames() {
    return Stream.of("../../etc/passwd", "..\\..\\escaped.stl", "/tmp/absolute.stl", "....//....//x.stl",
        "%2e%2e%2fencoded.stl", "tmp/../../up.stl");
  }

  @Test
  @Order(100)
  void theServerIsStillUpAndServesTheData() {
    assertThat(s.get("/health", null).status()).isEqualTo(200);
    HttpResult designs = s.get("/api/designs/", viewer);
    assertThat(designs.status()).isEqualTo(200);
    assertThat(designs.json().getLong("count")).isGreaterThanOrEqualTo(1);
    assertThat(s.get("/api/designs/" + t.design(), viewer).json().getString("description"))
        .isEqualTo("design of Bad Input");
  }

  // ------------------------------------------------------------------ the check

  static String fill(String template) {
    return template.replace("{org}", t.org().toString()).replace("{series}", t.series().toString())
        .replace("{design}", t.design().toString()).replace("{node}", t.node().toString())
        .replace("{review}", t.review().toString()).replace("{markup}", t.markup().toString())
        .replace("{job}", t.job().toString()).replace("{viewerId}", Long.toString(t.viewerId()))
        .replace("{otherDesign}", other.design().toString());
  }

  /**
   * Sends the case and checks: its status and error, the field or parameter named, the database unchanged, no
   * response entry added or removed in Redis, nothing internal in the answer, and the server still healthy.
   */
  static void refused(Case c, String token) {
    String path = fill(c.path());
    String body = c.body() == null ? null : fill(c.body());
    String dbBefore = dbFingerprint(db);
    Set<String> keysBefore = responseKeys(s);
    Map<String, String> headers = new HashMap<>();
    if (c.contentType() != null) {
      headers.put("Content-Type", c.contentType());
    }
    HttpResult r = raw.send(c.method(), path, token, body == null ? null : Buffer.buffer(body), headers);

    JsonObject error = assertError(r, c.status(), c.code(), path + " " + (body == null ? "" : body));
    if (c.field() != null) {
      assertThat(error.getJsonObject("details")).as("details of %s", r).isNotNull();
      assertThat(error.getJsonObject("details").getString("field")).as("field named by %s", r).isEqualTo(c.field());
    }
    if (c.parameter() != null) {
      assertThat(error.getJsonObject("details")).as("details of %s", r).isNotNull();
      assertThat(error.getJsonObject("details").getString("parameter")).as("parameter named by %s", r)
          .isEqualTo(c.parameter());
    }
    assertThat(dbFingerprint(db)).as("the database after %s", c).isEqualTo(dbBefore);
    assertThat(responseKeys(s)).as("the cached responses after %s", c).isEqualTo(keysBefore);
    assertThat(s.get("/health", null).status()).as("health after %s", c).isEqualTo(200);
  }
}
