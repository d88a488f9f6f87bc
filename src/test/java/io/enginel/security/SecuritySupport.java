package io.enginel.security;

import io.enginel.config.Tier;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared pieces of the bad-input and isolation tests: an organization with every kind of row, what the
 * database and the response tiers hold (to prove a refused request changed neither), a raw HTTP client that
 * sends exactly the headers it is given, and the assertions every error answer must pass.
 */
final class SecuritySupport {
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** Text that must never reach a client unless the client sent it itself: stack traces, class names, SQL. */
  static final List<String> LEAKS = List.of("Exception", "\tat ", "at io.", "at java.", "java.", "io.vertx",
      "org.postgresql", "io.netty", "SELECT ", "INSERT INTO", "DELETE FROM", "UPDATE ", " WHERE ", "violates",
      "duplicate key", "_fkey", "_pkey", "_key\"", "SQLSTATE", "ERROR:", "syntax error", "relation \"");

  /** Every table a request could write. */
  static final List<String> TABLES = List.of("organizations", "users", "memberships", "design_series",
      "design_assets", "assembly_nodes", "geometry_metadata", "analysis_jobs", "review_sessions", "review_reviewers",
      "markups", "audit_logs");

  private SecuritySupport() {}

  static String unique(String base) {
    return base + SEQ.incrementAndGet();
  }

  /**
   * An organization with an ADMIN, an EDITOR and a VIEWER and one row of every kind: series, design, assembly
   * node (with a child), review, markup, analysis job. Written with JDBC, so it may be used in a
   * {@code SeededServer} seed; log the users in with {@link #login}.
   */
  record Tenant(String name, UUID org, long adminId, long editorId, long viewerId, String adminName,
                String editorName, String viewerName, UUID series, UUID design, UUID node, UUID child, UUID review,
                UUID markup, UUID job) {

    static Tenant create(Fixtures f, String name) {
      String base = name.toLowerCase().replaceAll("[^a-z0-9]", "");
      UUID org = f.organization(unique(name + " "));
      String admin = unique(base + "-admin");
      String editor = unique(base + "-editor");
      String viewer = unique(base + "-viewer");
      long adminId = f.user(admin);
      long editorId = f.user(editor);
      long viewerId = f.user(viewer);
      f.member(org, adminId, "ADMIN");
      f.member(org, editorId, "EDITOR");
      f.member(org, viewerId, "VIEWER");
      UUID series = f.series(org, "PN-" + base.toUpperCase());
      UUID design = f.design(series, base + ".step", "design of " + name);
      UUID node = f.node(design, null, "ROOT-" + base.toUpperCase(), 1);
      UUID child = f.node(design, node, "CHILD-" + base.toUpperCase(), 2);
      UUID review = f.review(design, "review of " + name);
      f.update("INSERT INTO review_reviewers (review_id, user_id) VALUES (?, ?)", review, viewerId);
      UUID markup = UUID.randomUUID();
      f.update("INSERT INTO markups (id, review_id, organization_id, author_id, comment) "
          + "SELECT ?, r.id, r.organization_id, ?, ? FROM review_sessions r WHERE r.id = ?", markup, editorId,
          "markup of " + name, review);
      UUID job = UUID.randomUUID();
      f.update("INSERT INTO analysis_jobs (id, design_id, organization_id, job_type, created_by) "
          + "SELECT ?, d.id, d.organization_id, 'MASS_PROPERTIES', ? FROM design_assets d WHERE d.id = ?", job,
          editorId, design);
      f.update("INSERT INTO audit_logs (organization_id, actor_id, actor_username, action, resource_type, resource_id) "
          + "VALUES (?, ?, ?, 'CREATE', 'DesignAsset', ?)", org, editorId, editor, design.toString());
      return new Tenant(name, org, adminId, editorId, viewerId, admin, editor, viewer, series, design, node, child,
          review, markup, job);
    }

    /** Every id of this tenant's rows, as text (what must never appear in another tenant's answers). */
    Set<String> ids() {
      return Set.of(org.toString(), series.toString(), design.toString(), node.toString(), child.toString(),
          review.toString(), markup.toString(), job.toString());
    }

    /** The ids of this tenant's users, as text. */
    Set<String> userIds() {
      return Set.of(Long.toString(adminId), Long.toString(editorId), Long.toString(viewerId));
    }
  }

  /**
   * A fingerprint of everything the database holds in the tables a request could write: the md5 of all their
   * rows as text. Equal before and after means the request wrote nothing, not even an update in place.
   */
  static String dbFingerprint(Connection c) {
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < TABLES.size(); i++) {
      String t = TABLES.get(i);
      sql.append(i == 0 ? "" : " || '|' || ").append("'").append(t).append("=' || (SELECT count(*) || ':' || ")
          .append("coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-') FROM ").append(t).append(" x)");
    }
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a key is one of the invalidation scheme's own ({@code _tag}, {@code _inv}, {@code _memory}). */
  static boolean internal(TestServer s, String key) {
    return key.startsWith(s.prefix() + ":_");
  }

  /** The cached responses (default and long-term tiers) under the server's prefix, internals left out. */
  static Set<String> responseKeys(TestServer s) {
    Set<String> keys = new TreeSet<>();
    for (Tier tier : List.of(Tier.DEFAULT, Tier.LONGTERM)) {
      for (String k : s.redisKeys(tier, "*")) {
        if (!internal(s, k)) {
          keys.add(tier.id() + " " + k);
        }
      }
    }
    return keys;
  }

  /** A client that sends exactly the headers it is given (no JSON content type is added). */
  static final class Raw {
    private final WebClient http;

    Raw(TestServer s) {
      this.http = WebClient.create(s.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(s.config.http().port()).setKeepAlive(false));
    }

    HttpResult send(HttpMethod method, String path, String token, Buffer body, Map<String, String> headers) {
      HttpRequest<Buffer> req = http.request(method, path);
      if (token != null) {
        req.putHeader("Authorization", "Bearer " + token);
      }
      headers.forEach(req::putHeader);
      var f = body == null ? req.send() : req.sendBuffer(body);
      return TestServer.await(f.map(r -> new HttpResult(r.statusCode(), r.headers(), r.body())));
    }

    void close() {
      http.close();
    }
  }

  /**
   * An error answer: the status, a JSON body {@code {"error", "message", "request_id"}} matching
   * {@code X-Request-Id}, and nothing of the server's insides that the request did not itself contain.
   */
  static JsonObject assertError(HttpResult r, int status, String code, String sent) {
    assertThat(r.status()).as("status of %s", r).isEqualTo(status);
    assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
    JsonObject body = r.json();
    assertThat(body).as("error body of %s", r).isNotNull();
    if (code != null) {
      assertThat(body.getString("error")).as("error code of %s", r).isEqualTo(code);
    } else {
      assertThat(body.getString("error")).as("error code of %s", r).isNotBlank();
    }
    assertThat(body.getString("message")).as("message of %s", r).isNotBlank();
    assertThat(body.getString("request_id")).as("request_id of %s", r).isNotBlank();
    assertThat(r.header("X-Request-Id")).as("X-Request-Id of %s", r).isEqualTo(body.getString("request_id"));
    assertNoLeak(r, sent);
    return body;
  }

  /** No stack trace, class name or SQL in the body, unless the client sent that very text. */
  static void assertNoLeak(HttpResult r, String sent) {
    String text = r.body() == null ? "" : r.body().toString();
    String mine = sent == null ? "" : sent;
    for (String leak : LEAKS) {
      if (!mine.contains(leak)) {
        assertThat(text).as("answer %s must not show server internals", r).doesNotContain(leak);
      }
    }
  }
}
