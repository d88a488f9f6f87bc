package io.enginel.security;

import io.enginel.security.SecuritySupport.Tenant;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static io.enginel.security.SecuritySupport.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No cached answer leaks across users. Two organizations A and B, each with a row of every kind; a user in both;
 * a staff user in none; two users in no organization. Every cached retrieve and list URL is asked by each of
 * them, in both orders, so that the second asker could be served the first one's entry: nobody ever receives
 * a row of an organization they are not a member of — a retrieve of another organization's row is the same 404
 * whether it is cached or not, and lists hold only one's own rows (a different organization set never gets a
 * HIT of another set's list).
 */
class CacheIsolationTest {
  static TestServer s;
  static Tenant a;
  static Tenant b;
  static long auditA;
  static long auditB;
  static UUID fileDesignB;
  static UUID fileJobB;
  static UUID bareDesignB;
  static String tokenA;
  static String tokenB;
  static String dual;
  static String staff;
  static String lone1;
  static String lone2;
  static String dualName;
  static String staffName;
  static String lone1Name;
  static String lone2Name;

  @BeforeAll
  static void start() {
    dualName = SecuritySupport.unique("dual");
    staffName = SecuritySupport.unique("staffer");
    lone1Name = SecuritySupport.unique("loner-a");
    lone2Name = SecuritySupport.unique("loner-b");
    SeededServer.Seeded<Tenant[]> seeded = SeededServer.start(Map.of("auth.loginAttemptsPerMinute", 1000), f -> {
      Tenant ta = Tenant.create(f, "Iso A");
      Tenant tb = Tenant.create(f, "Iso B");
      long d = f.user(dualName);
      f.member(ta.org(), d, "VIEWER");
      f.member(tb.org(), d, "VIEWER");
      f.user(staffName, true);
      f.user(lone1Name);
      f.user(lone2Name);
      return new Tenant[] {ta, tb};
    });
    s = seeded.server();
    a = seeded.data()[0];
    b = seeded.data()[1];
    auditA = s.fixtures.queryLong("SELECT min(id) FROM audit_logs WHERE organization_id = ?", a.org());
    auditB = s.fixtures.queryLong("SELECT min(id) FROM audit_logs WHERE organization_id = ?", b.org());
    tokenA = s.login(a.viewerName());
    tokenB = s.login(b.viewerName());
    dual = s.login(dualName);
    staff = s.login(staffName);
    lone1 = s.login(lone1Name);
    lone2 = s.login(lone2Name);
  }

  @AfterAll
  static void stop() {
    if (s != null) {
      s.close();
    }
  }

  // ------------------------------------------------------------------ what must not be seen

  /** Text that identifies a tenant's rows: its ids, its organization's name, its users' names. */
  static List<String> marks(Tenant t) {
    List<String> m = new ArrayList<>(t.ids());
    m.add(t.adminName());
    m.add(t.editorName());
    m.add(t.viewerName());
    m.add("design of " + t.name());
    m.add("review of " + t.name());
    m.add("markup of " + t.name());
    return m;
  }

  static void assertNothingOf(HttpResult r, Tenant foreign, String who, String url) {
    String body = r.body() == null ? "" : r.body().toString();
    for (String mark : marks(foreign)) {
      assertThat(body).as("%s's answer to %s must hold nothing of %s", who, url, foreign.name()).doesNotContain(mark);
    }
  }

  static void assertNotFound(HttpResult r, String who, String url) {
    JsonObject e = assertError(r, 404, "not_found", url);
    assertThat(e.getString("message")).as("%s's 404 for %s is the plain one", who, url).isEqualTo("Not found.");
    assertThat(e.getValue("details")).as("%s's 404 for %s has no details", who, url).isNull();
  }

  static String fill(String template, Tenant t) {
    return template.replace("{org}", t.org().toString()).replace("{series}", t.series().toString())
        .replace("{design}", t.design().toString()).replace("{node}", t.node().toString())
        .replace("{child}", t.child().toString()).replace("{review}", t.review().toString())
        .replace("{markup}", t.markup().toString()).replace("{job}", t.job().toString())
        .replace("{adminId}", Long.toString(t.adminId())).replace("{viewerId}", Long.toString(t.viewerId()))
        .replace("{audit}", Long.toString(t == a ? auditA : auditB));
  }

  // ------------------------------------------------------------------ retrieves

  static Stream<String> retrieves() {
    return Stream.of("/api/organizations/{org}", "/api/organizations/{org}/storage", "/api/organizations/{org}/members/",
        "/api/series/{series}", "/api/series/{series}/versions/", "/api/designs/{design}", "/api/designs/{design}/bom",
        "/api/assembly-nodes/{node}", "/api/assembly-nodes/{child}", "/api/analysis-jobs/{job}",
        "/api/reviews/{review}", "/api/reviews/{review}/markups/", "/api/markups/{markup}", "/api/audit-logs/{audit}",
        "/api/users/{adminId}");
  }

  /**
   * A's row asked by an outsider first (a miss: the outsider's request is what fills the entry), then by A, then
   * by the outsiders again (now a hit); B's row asked by B first, then by the outsiders. The outsiders always get
   * the plain 404; the member in both organizations sees both rows.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("retrieves")
  void aRetrieveOfAnotherOrganizationsRowIs404AsAMissAndAsAHit(String template) {
    // A's row: outsiders first
    String urlA = fill(template, a);
    assertNotFound(s.get(urlA, tokenB), "B", urlA);
    assertNotFound(s.get(urlA, staff), "staff", urlA);
    assertNotFound(s.get(urlA, lone1), "a user in no organization", urlA);
    HttpResult ownerA = s.get(urlA, tokenA);
    assertThat(ownerA.status()).as("A's %s → %s", urlA, ownerA).isEqualTo(200);
    assertNothingOf(ownerA, b, "A", urlA);
    HttpResult ownerAgain = s.get(urlA, tokenA);
    assertThat(ownerAgain.xCache()).as("A's second %s", urlA).isEqualTo("HIT");
    assertThat(ownerAgain.body()).isEqualTo(ownerA.body());
    assertNotFound(s.get(urlA, tokenB), "B (cached)", urlA);
    assertNotFound(s.get(urlA, staff), "staff (cached)", urlA);
    assertNotFound(s.get(urlA, lone2), "a user in no organization (cached)", urlA);

    // B's row: the owner first
    String urlB = fill(template, b);
    HttpResult ownerB = s.get(urlB, tokenB);
    assertThat(ownerB.status()).as("B's %s → %s", urlB, ownerB).isEqualTo(200);
    assertThat(ownerB.xCache()).as("B's first %s", urlB).isEqualTo("MISS");
    assertNothingOf(ownerB, a, "B", urlB);
    assertThat(s.get(urlB, tokenB).xCache()).as("B's second %s", urlB).isEqualTo("HIT");
    assertNotFound(s.get(urlB, tokenA), "A (cached)", urlB);
    assertNotFound(s.get(urlB, staff), "staff (cached)", urlB);
    assertNotFound(s.get(urlB, lone1), "a user in no organization (cached)", urlB);

    // the member of both sees both, from the cache
    HttpResult dualA = s.get(urlA, dual);
    HttpResult dualB = s.get(urlB, dual);
    assertThat(dualA.status()).as("dual's %s → %s", urlA, dualA).isEqualTo(200);
    assertThat(dualB.status()).as("dual's %s → %s", urlB, dualB).isEqualTo(200);
    assertThat(dualA.xCache()).isEqualTo("HIT");
    assertThat(dualB.xCache()).isEqualTo("HIT");
    assertThat(dualA.body()).isEqualTo(ownerA.body());
    assertThat(dualB.body()).isEqualTo(ownerB.body());
  }

  // ------------------------------------------------------------------ lists

  static Stream<String> lists() {
    return Stream.of("/api/organizations/", "/api/users/", "/api/series/", "/api/designs/", "/api/assembly-nodes/",
        "/api/analysis-jobs/", "/api/reviews/", "/api/markups/", "/api/audit-logs/",
        "/api/designs/?series={series}", "/api/designs/?organization={org}", "/api/assembly-nodes/?design={design}",
        "/api/markups/?review={review}", "/api/users/?organization={org}", "/api/reviews/?reviewer={viewerId}",
        "/api/audit-logs/?organization={org}", "/api/series/?search=PN-ISO", "/api/analysis-jobs/?design={design}");
  }

  /**
   * The same list URL (filters naming B's rows included) asked by A, B, the member of both, staff and two users in
   * no organization, in one order and then, on an equivalent query not yet cached, in the reverse order: each
   * first answer of a scope is a MISS (never another scope's entry), each second a HIT of its own, and nobody's
   * answer holds a row of an organization they are not in.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("lists")
  void aListHoldsOnlyOnesOwnRowsWhoeverAskedFirst(String template) {
    String url = fill(template, b);
    String variant = url + (url.contains("?") ? "&" : "?") + "page_size=50";
    Map<String, String> users = new LinkedHashMap<>();
    users.put("A", tokenA);
    users.put("B", tokenB);
    users.put("dual", dual);
    users.put("staff", staff);
    users.put("lone1", lone1);
    users.put("lone2", lone2);
    List<String> order = new ArrayList<>(users.keySet());
    for (String u : List.of(url, variant)) {
      Map<String, HttpResult> first = new LinkedHashMap<>();
      for (String who : order) {
        HttpResult r = s.get(u, users.get(who));
        assertThat(r.status()).as("%s's %s → %s", who, u, r).isEqualTo(200);
        assertThat(r.xCache()).as("%s's first %s (after %s)", who, u, first.keySet()).isEqualTo("MISS");
        first.put(who, r);
      }
      for (String who : order) {
        HttpResult again = s.get(u, users.get(who));
        assertThat(again.xCache()).as("%s's second %s", who, u).isEqualTo("HIT");
        assertThat(again.body()).as("%s's second %s", who, u).isEqualTo(first.get(who).body());
      }
      assertNothingOf(first.get("A"), b, "A", u);
      assertNothingOf(first.get("B"), a, "B", u);
      for (String who : List.of("staff", "lone1", "lone2")) {
        assertNothingOf(first.get(who), a, who, u);
        assertNothingOf(first.get(who), b, who, u);
      }
      if (!template.contains("{")) {
        // unfiltered: each sees their own rows, the member of both sees both
        assertThat(first.get("A").body().toString()).as("A's %s", u).containsAnyOf(marks(a).toArray(String[]::new));
        assertThat(first.get("B").body().toString()).as("B's %s", u).containsAnyOf(marks(b).toArray(String[]::new));
        if (!u.startsWith("/api/users/me")) {
          assertThat(first.get("dual").body().toString()).as("dual's %s", u)
              .containsAnyOf(marks(a).toArray(String[]::new)).containsAnyOf(marks(b).toArray(String[]::new));
        }
      } else {
        assertThat(first.get("B").json().getLong("count")).as("B's %s", u).isPositive();
        if (u.startsWith("/api/users/")) {
          // the member of both organizations shares A with A's viewer: the only user of B that A may see
          assertThat(first.get("A").results().stream().map(o -> ((JsonObject) o).getString("username")).toList())
              .as("A's %s", u).containsExactly(dualName);
        } else {
          assertThat(first.get("A").json().getLong("count")).as("A's %s", u).isZero();
        }
      }
      java.util.Collections.reverse(order);
    }
  }

  /** Per-user answers ({@code /api/users/me}) are each user's own, whoever asked first. */
  @Test
  void meIsEachUsersOwn() {
    for (String[] pair : new String[][] {{tokenA, a.viewerName()}, {tokenB, b.viewerName()}, {dual, dualName},
        {staff, staffName}, {lone1, lone1Name}, {lone2, lone2Name}}) {
      for (int i = 0; i < 2; i++) {
        HttpResult r = s.get("/api/users/me", pair[0]);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().getString("username")).isEqualTo(pair[1]);
      }
    }
  }

  // ------------------------------------------------------------------ geometry metadata

  /**
   * The metadata of another organization's design is the plain 404, whatever state the design is in: no file yet,
   * a file whose geometry job is queued, a file whose geometry cannot be computed. An outsider learns neither that
   * the design exists nor anything of its job.
   */
  @Test
  void metadataOfAnotherOrganizationsDesignIsThePlain404() {
    UUID bare = UUID.randomUUID();
    s.fixtures.update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format) "
        + "VALUES (?, ?, ?, 50, 'bare.stl', 'stl')", bare, b.series(), b.org());
    UUID withJob = UUID.randomUUID();
    s.fixtures.update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, "
        + "storage_path, file_hash, upload_status) VALUES (?, ?, ?, 51, 'queued.stl', 'stl', 'aa/bb/cc', 'cc', "
        + "'PROCESSING')", withJob, b.series(), b.org());
    UUID job = UUID.randomUUID();
    s.fixtures.update("INSERT INTO analysis_jobs (id, design_id, organization_id, job_type, error_message) "
        + "VALUES (?, ?, ?, 'GEOMETRY_EXTRACTION', 'secret detail of B')", job, withJob, b.org());
    UUID broken = UUID.randomUUID();
    s.fixtures.update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, "
        + "storage_path, file_hash, upload_status) VALUES (?, ?, ?, 52, 'gone.stl', 'stl', 'dd/ee/missing', 'ff', "
        + "'FAILED')", broken, b.series(), b.org());
    s.awaitNotificationsSettled();

    for (UUID design : List.of(bare, withJob, broken)) {
      String url = "/api/designs/" + design + "/metadata";
      for (String token : List.of(tokenA, staff, lone1)) {
        HttpResult r = s.get(url, token);
        assertNotFound(r, "an outsider", url);
        assertThat(r.body().toString()).doesNotContain(job.toString()).doesNotContain("secret");
      }
      HttpResult owner = s.get(url, tokenB);
      // the owner is told what is the matter (here with no job workers, the broken file's computation is a 503)
      assertThat(owner.json().getString("error")).as("B's %s → %s", url, owner)
          .isEqualTo(design == bare ? "no_file" : design == withJob ? "not_ready" : "unavailable");
      if (design == withJob) {
        assertThat(owner.body().toString()).contains(job.toString());
      }
      assertNotFound(s.get(url, tokenA), "A after B", url);
    }
    assertNotFound(s.get("/api/designs/" + UUID.randomUUID() + "/metadata", tokenA), "A", "an unknown design");
  }

  /** Sanity of the fixture: the two tenants share nothing, so every check above could fail. */
  @Test
  void theTenantsAreDisjoint() {
    assertThat(Set.copyOf(marks(a))).doesNotContainAnyElementsOf(marks(b));
    for (String mark : marks(a)) {
      for (String other : marks(b)) {
        assertThat(other).doesNotContain(mark);
      }
    }
  }
}
