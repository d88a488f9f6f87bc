package io.enginel.http;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared pieces of the HTTP API contract tests: a fresh organization with one user per role (so that a test
 * owns its data and its cache scope), and the assertions every error answer must pass.
 */
final class ApiTestSupport {
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** Text that must never reach a client: stack traces, Java/driver class names, SQL. */
  private static final List<String> LEAKS = List.of("Exception", "\tat ", "at io.", "at java.", "java.", "io.vertx",
      "org.postgresql", "io.netty", "SELECT ", "INSERT INTO", "DELETE FROM", "UPDATE ", " WHERE ", "violates",
      "duplicate key", "_fkey", "_pkey", "_key\"", "SQLSTATE", "ERROR:");

  /**
   * Login throttling counts per client address, and every test logs in from 127.0.0.1: classes that log in
   * a fresh team per test raise the limit (the throttle itself is specified in {@code LoginThrottleApiTest}).
   */
  static final Map<String, Object> MANY_LOGINS = Map.of("auth.loginAttemptsPerMinute", 1_000_000);

  private ApiTestSupport() {}

  /** A name no other test of the run uses. */
  static String unique(String base) {
    return base + SEQ.incrementAndGet();
  }

  /** An organization with an ADMIN, an EDITOR and a VIEWER, each logged in. */
  record Team(UUID org, String orgName, long adminId, String admin, long editorId, String editor, long viewerId,
              String viewer, String adminName, String editorName, String viewerName) {}

  static Team team(TestServer s, String name) {
    String orgName = unique(name);
    String base = name.toLowerCase().replaceAll("[^a-z0-9]", "");
    String adminName = unique(base + "-admin");
    String editorName = unique(base + "-editor");
    String viewerName = unique(base + "-viewer");
    UUID org = UUID.randomUUID();
    long[] ids = new long[3];
    // one connection for the whole team: a JDBC connection costs tens of milliseconds
    try (Connection c = s.db.jdbc()) {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO organizations (id, name, slug) VALUES (?, ?, ?)")) {
        ps.setObject(1, org);
        ps.setString(2, orgName);
        ps.setString(3, base + "-" + org.toString().substring(0, 8));
        ps.executeUpdate();
      }
      String[] names = {adminName, editorName, viewerName};
      String[] roles = {"ADMIN", "EDITOR", "VIEWER"};
      for (int i = 0; i < 3; i++) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (username, email, password_hash) "
            + "VALUES (?, ?, ?) RETURNING id")) {
          ps.setString(1, names[i]);
          ps.setString(2, names[i] + "@example.test");
          ps.setString(3, BCrypt.withDefaults().hashToString(4, Fixtures.passwordOf(names[i]).toCharArray()));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            ids[i] = rs.getLong(1);
          }
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO memberships (organization_id, user_id, role) VALUES (?, ?, ?)")) {
          ps.setObject(1, org);
          ps.setLong(2, ids[i]);
          ps.setString(3, roles[i]);
          ps.executeUpdate();
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new Team(org, orgName, ids[0], s.login(adminName), ids[1], s.login(editorName), ids[2], s.login(viewerName),
        adminName, editorName, viewerName);
  }

  /** A user of its own (in no organization), logged in: [id, token]. */
  static Object[] loneUser(TestServer s, String name) {
    String username = unique(name);
    long id = s.fixtures.user(username);
    return new Object[] {id, s.login(username)};
  }

  /**
   * An error answer: the status, a JSON body {@code {"error", "message", "request_id"}} whose request id is the
   * {@code X-Request-Id} header, and nothing of the server's insides (stack traces, SQL).
   */
  static JsonObject assertError(HttpResult r, int status, String code) {
    assertThat(r.status()).as("status of %s", r).isEqualTo(status);
    assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
    JsonObject body = r.json();
    assertThat(body).as("error body").isNotNull();
    if (code != null) {
      assertThat(body.getString("error")).as("error code of %s", r).isEqualTo(code);
    } else {
      assertThat(body.getString("error")).as("error code of %s", r).isNotBlank();
    }
    assertThat(body.getString("message")).as("message of %s", r).isNotBlank();
    assertThat(body.getString("request_id")).as("request_id of %s", r).isNotBlank();
    assertThat(r.header("X-Request-Id")).as("X-Request-Id of %s", r).isEqualTo(body.getString("request_id"));
    assertNoLeak(r);
    return body;
  }

  static void assertNoLeak(HttpResult r) {
    String text = r.body() == null ? "" : r.body().toString();
    for (String leak : LEAKS) {
      assertThat(text).as("error body must not show server internals").doesNotContain(leak);
    }
  }

  /** A 400 naming the body field at fault in {@code details.field}. */
  static JsonObject assertInvalidField(HttpResult r, String field) {
    JsonObject body = assertError(r, 400, null);
    assertThat(body.getJsonObject("details")).as("details of %s", r).isNotNull();
    assertThat(body.getJsonObject("details").getString("field")).as("field of %s", r).isEqualTo(field);
    return body;
  }

  /** A 400 naming the query or path parameter at fault in {@code details.parameter}. */
  static JsonObject assertInvalidParameter(HttpResult r, String parameter) {
    JsonObject body = assertError(r, 400, "invalid_parameter");
    assertThat(body.getJsonObject("details").getString("parameter")).as("parameter of %s", r).isEqualTo(parameter);
    return body;
  }

  /** The ids of a list page's results. */
  static List<String> ids(HttpResult r) {
    assertThat(r.status()).as("list answer %s", r).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    JsonArray results = r.results();
    for (int i = 0; i < results.size(); i++) {
      ids.add(String.valueOf(results.getJsonObject(i).getValue("id")));
    }
    return ids;
  }

  /** Polls a condition for up to three seconds (for effects that follow an answer, never precede it). */
  static void eventually(BooleanSupplier condition, String what) {
    Waits.until(condition, Duration.ofSeconds(3), what);
  }

  static long auditRows(TestServer s) {
    return s.fixtures.queryLong("SELECT count(*) FROM audit_logs");
  }

  static long auditRows(TestServer s, String resourceId) {
    return s.fixtures.queryLong("SELECT count(*) FROM audit_logs WHERE resource_id = ?", resourceId);
  }

  /** Creates through the API, asserting 201, and answers the body. */
  static JsonObject created(TestServer s, String path, String token, JsonObject body) {
    HttpResult r = s.post(path, token, body);
    assertThat(r.status()).as("create %s %s", path, r).isEqualTo(201);
    return r.json();
  }

  static JsonObject createSeries(TestServer s, String token, UUID org, String partNumber) {
    return created(s, "/api/series/", token, new JsonObject().put("organization", org.toString())
        .put("part_number", partNumber).put("name", "Series " + partNumber));
  }

  static JsonObject createDesign(TestServer s, String token, String series, String filename, long size) {
    return created(s, "/api/designs/", token, new JsonObject().put("series", series).put("filename", filename)
        .put("file_format", "step").put("file_size", size));
  }

  static JsonObject createNode(TestServer s, String token, String design, String parent, String partNumber, int quantity,
                               int position) {
    JsonObject body = new JsonObject().put("design", design).put("part_number", partNumber).put("quantity", quantity)
        .put("position", position);
    if (parent != null) {
      body.put("parent", parent);
    }
    return created(s, "/api/assembly-nodes/", token, body);
  }
}
