package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createNode;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.created;
import static io.enginel.http.ApiTestSupport.team;
import static io.enginel.http.ApiTestSupport.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Every path is accepted with and without the trailing slash, for reads and for writes alike. */
class TrailingSlashApiTest {
  static TestServer s;
  static Team t;
  static String series;
  static String design;
  static String node;
  static String review;
  static String markup;
  static String job;
  static long auditId;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
    t = team(s, "Slash");
    series = createSeries(s, t.editor(), t.org(), "PN-SLASH").getString("id");
    design = createDesign(s, t.editor(), series, "slash.step", 1).getString("id");
    node = createNode(s, t.editor(), design, null, "PN-N", 1, 0).getString("id");
    job = created(s, "/api/analysis-jobs", t.editor(), new JsonObject().put("design", design)
        .put("job_type", "MASS_PROPERTIES")).getString("id");
    review = created(s, "/api/reviews", t.editor(), new JsonObject().put("design", design).put("title", "r"))
        .getString("id");
    markup = created(s, "/api/markups", t.editor(), new JsonObject().put("review", review).put("comment", "c"))
        .getString("id");
    auditId = s.fixtures.queryLong("SELECT max(id) FROM audit_logs WHERE organization_id = ?", t.org());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void everyReadAnswersTheSameWithAndWithoutTheSlash() {
    List<String> paths = List.of("/api/organizations", "/api/organizations/" + t.org(),
        "/api/organizations/" + t.org() + "/storage", "/api/users", "/api/users/" + t.viewerId(), "/api/users/me",
        "/api/series", "/api/series/" + series, "/api/series/" + series + "/versions", "/api/designs",
        "/api/designs/" + design, "/api/designs/" + design + "/bom", "/api/assembly-nodes",
        "/api/assembly-nodes/" + node, "/api/analysis-jobs", "/api/analysis-jobs/" + job, "/api/reviews",
        "/api/reviews/" + review, "/api/reviews/" + review + "/markups", "/api/markups", "/api/markups/" + markup,
        "/api/audit-logs", "/api/audit-logs/" + auditId);
    List<String> failures = new ArrayList<>();
    for (String path : paths) {
      HttpResult bare = s.get(path, t.viewer());
      HttpResult slashed = s.get(path + "/", t.viewer());
      if (bare.status() != 200 || slashed.status() != 200 || !bare.json().equals(slashed.json())) {
        failures.add(path + " → " + bare.status() + " / " + slashed.status());
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void aRowsIdInUpperCaseReadsTheSameCachedAnswerAsInLowerCase() {
    for (String suffix : List.of("/", "/bom/")) {
      HttpResult lower = s.get("/api/designs/" + design + suffix, t.viewer());
      HttpResult upper = s.get("/api/designs/" + design.toUpperCase() + suffix, t.viewer());
      assertThat(lower.status()).as(suffix).isEqualTo(200);
      assertThat(upper.status()).as(suffix).isEqualTo(200);
      assertThat(upper.json()).as(suffix).isEqualTo(lower.json());
      assertThat(upper.header("X-Cache")).as("one key for both spellings " + suffix).isEqualTo("HIT");
    }
  }

  @Test
  void aRowsIdReadsTheSameRowWrittenPlainOrPercentEncoded() {
    // the detail and the BOM are taken from the path by hand, other ids go to the row's router: the same row either way
    String encoded = "%" + Integer.toHexString(design.charAt(0)).toUpperCase() + design.substring(1);
    for (String suffix : List.of("", "/", "/bom", "/bom/")) {
      HttpResult plain = s.get("/api/designs/" + design + suffix, t.viewer());
      HttpResult decoded = s.get("/api/designs/" + encoded + suffix, t.viewer());
      assertThat(plain.status()).as(suffix).isEqualTo(200);
      assertThat(decoded.status()).as(suffix).isEqualTo(200);
      assertThat(decoded.json()).as(suffix).isEqualTo(plain.json());
    }
  }

  @Test
  void whatIsNotARowsReadUnderARowIsAnsweredAsBefore() {
    HttpResult malformed = s.get("/api/designs/not-a-design", t.viewer());
    HttpResult malformedEncoded = s.get("/api/designs/not%2Da%2Ddesign", t.viewer());
    HttpResult unknownPart = s.get("/api/designs/" + design + "/nothing", t.viewer());
    HttpResult tooDeep = s.get("/api/designs/" + design + "/bom/more", t.viewer());
    HttpResult me = s.get("/api/users/me", t.viewer());

    assertThat(malformedEncoded.status()).isEqualTo(malformed.status()).isBetween(400, 404);
    assertThat(malformedEncoded.json().getString("error")).isEqualTo(malformed.json().getString("error"));
    assertThat(unknownPart.status()).isEqualTo(404);
    assertThat(tooDeep.status()).isEqualTo(404);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().getLong("id")).isEqualTo(t.viewerId());
  }

  @Test
  void membersAnswerWithAndWithoutTheSlash() {
    HttpResult bare = s.get("/api/organizations/" + t.org() + "/members", t.viewer());
    HttpResult slashed = s.get("/api/organizations/" + t.org() + "/members/", t.viewer());
    assertThat(bare.status()).isEqualTo(200);
    assertThat(slashed.status()).isEqualTo(200);
    assertThat(slashed.json()).isEqualTo(bare.json());
  }

  @Test
  void createsAnswer201WithAndWithoutTheSlash() {
    for (String path : List.of("/api/series", "/api/series/")) {
      HttpResult r = s.post(path, t.editor(), new JsonObject().put("organization", t.org().toString())
          .put("part_number", unique("PN-S")));
      assertThat(r.status()).as(path).isEqualTo(201);
    }
    for (String path : List.of("/api/auth/login", "/api/auth/login/")) {
      HttpResult r = s.post(path, null, new JsonObject().put("username", t.viewerName())
          .put("password", io.enginel.support.Fixtures.passwordOf(t.viewerName())));
      assertThat(r.status()).as(path).isEqualTo(200);
    }
  }

  @Test
  void updatesAndDeletesWorkWithAndWithoutTheSlash() {
    for (String suffix : List.of("", "/")) {
      String id = createDesign(s, t.editor(), series, "u" + suffix.length() + ".step", 1).getString("id");
      assertThat(s.patch("/api/designs/" + id + suffix, t.editor(), new JsonObject().put("description", "p"))
          .status()).as("PATCH" + suffix).isEqualTo(200);
      assertThat(s.put("/api/designs/" + id + suffix, t.editor(), new JsonObject().put("filename", "x.step")
          .put("file_format", "step")).status()).as("PUT" + suffix).isEqualTo(200);
      assertThat(s.delete("/api/designs/" + id + suffix, t.editor()).status()).as("DELETE" + suffix).isEqualTo(204);
    }
  }

  @Test
  void subResourceWritesWorkWithAndWithoutTheSlash() {
    for (String suffix : List.of("", "/")) {
      long user = s.fixtures.user(unique("slashmember"));
      assertThat(s.post("/api/organizations/" + t.org() + "/members" + suffix, t.admin(),
          new JsonObject().put("user", user).put("role", "VIEWER")).status()).isEqualTo(201);
      assertThat(s.patch("/api/organizations/" + t.org() + "/members/" + user + suffix, t.admin(),
          new JsonObject().put("role", "EDITOR")).status()).isEqualTo(200);
      assertThat(s.post("/api/reviews/" + review + "/reviewers" + suffix, t.editor(),
          new JsonObject().put("user", user)).status()).isEqualTo(200);
      assertThat(s.delete("/api/reviews/" + review + "/reviewers/" + user + suffix, t.editor()).status())
          .isEqualTo(204);
      assertThat(s.delete("/api/organizations/" + t.org() + "/members/" + user + suffix, t.admin()).status())
          .isEqualTo(204);
    }
  }

  @Test
  void logoutWorksWithAndWithoutTheSlash() {
    for (String path : List.of("/api/auth/logout", "/api/auth/logout/")) {
      String token = s.login(t.editorName());
      assertThat(s.post(path, token, null).status()).as(path).isEqualTo(204);
      assertThat(s.get("/api/users/me", token).status()).as(path).isEqualTo(401);
    }
  }
}
