package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.created;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.ids;
import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/** Analysis jobs, review sessions with their reviewers, and markups. */
class JobsReviewsMarkupsApiTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static String design(Team t, String pn) {
    String series = createSeries(s, t.editor(), t.org(), pn).getString("id");
    return createDesign(s, t.editor(), series, pn + ".step", 100).getString("id");
  }

  private static JsonObject job(Team t, String design) {
    return created(s, "/api/analysis-jobs", t.editor(), new JsonObject().put("design", design)
        .put("job_type", "MASS_PROPERTIES").put("parameters", new JsonObject().put("density", 2.7)));
  }

  private static JsonObject review(Team t, String design, String title) {
    return created(s, "/api/reviews", t.editor(), new JsonObject().put("design", design).put("title", title));
  }

  private static JsonObject markup(String token, String review, String comment) {
    return created(s, "/api/markups", token, new JsonObject().put("review", review).put("comment", comment)
        .put("anchor", new JsonObject().put("x", 1).put("y", 2)));
  }

  private static java.util.List<Long> longs(JsonArray a) {
    java.util.List<Long> out = new java.util.ArrayList<>();
    a.forEach(v -> out.add(((Number) v).longValue()));
    return out;
  }

  // ------------------------------------------------------------------ analysis jobs

  @Test
  void createJobAnswers201AsPendingAndNotStarted() {
    Team t = team(s, "Job Create");
    String design = design(t, "PN-JC");
    HttpResult r = s.post("/api/analysis-jobs/", t.editor(), new JsonObject().put("design", design)
        .put("job_type", "GEOMETRY_EXTRACTION").put("parameters", new JsonObject().put("tolerance", 0.01)));

    assertThat(r.status()).isEqualTo(201);
    JsonObject job = r.json();
    assertThat(r.header("Location")).isEqualTo("/api/analysis-jobs/" + job.getString("id") + "/");
    assertThat(job.getString("design")).isEqualTo(design);
    assertThat(job.getString("job_type")).isEqualTo("GEOMETRY_EXTRACTION");
    assertThat(job.getString("status")).isEqualTo("PENDING");
    assertThat(job.getInteger("progress")).isZero();
    assertThat(job.getJsonObject("parameters")).isEqualTo(new JsonObject().put("tolerance", 0.01));
    assertThat(job.getValue("result")).isNull();
    assertThat(job.getLong("created_by")).isEqualTo(t.editorId());
    assertThat(job.getValue("started_at")).isNull();
    assertThat(job.getValue("finished_at")).isNull();
    assertThat(s.get(r.header("Location"), t.viewer()).json()).isEqualTo(job);
  }

  @Test
  void anUnknownJobTypeIs400() {
    Team t = team(s, "Job Type");
    String design = design(t, "PN-JT");
    assertInvalidField(s.post("/api/analysis-jobs", t.editor(), new JsonObject().put("design", design)
        .put("job_type", "RENDER")), "job_type");
  }

  @Test
  void runningSetsStartedAtAndFinishingSetsFinishedAt() {
    Team t = team(s, "Job Lifecycle");
    String id = job(t, design(t, "PN-JL")).getString("id");

    JsonObject running = s.patch("/api/analysis-jobs/" + id, t.editor(),
        new JsonObject().put("status", "RUNNING").put("progress", 40)).json();
    assertThat(running.getString("status")).isEqualTo("RUNNING");
    assertThat(running.getInteger("progress")).isEqualTo(40);
    assertThat(running.getString("started_at")).isNotNull();
    assertThat(running.getValue("finished_at")).isNull();

    JsonObject done = s.patch("/api/analysis-jobs/" + id + "/", t.editor(), new JsonObject().put("status", "COMPLETED")
        .put("progress", 100).put("result", new JsonObject().put("mass_kg", 1.5))).json();
    assertThat(done.getString("status")).isEqualTo("COMPLETED");
    assertThat(done.getString("started_at")).isEqualTo(running.getString("started_at"));
    assertThat(done.getString("finished_at")).isNotNull();
    assertThat(Instant.parse(done.getString("finished_at"))).isAfterOrEqualTo(Instant.parse(done.getString("started_at")));
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("mass_kg", 1.5));
    assertThat(s.get("/api/analysis-jobs/" + id, t.viewer()).json()).isEqualTo(done);
  }

  @Test
  void aJobThatFailsStraightAwayGetsBothTimes() {
    Team t = team(s, "Job Fails");
    String id = job(t, design(t, "PN-JF")).getString("id");
    JsonObject failed = s.patch("/api/analysis-jobs/" + id, t.editor(), new JsonObject().put("status", "FAILED")
        .put("error_message", "mesh is not closed")).json();
    assertThat(failed.getString("status")).isEqualTo("FAILED");
    assertThat(failed.getString("error_message")).isEqualTo("mesh is not closed");
    assertThat(failed.getString("started_at")).isNotNull();
    assertThat(failed.getString("finished_at")).isNotNull();
  }

  @Test
  void backToPendingClearsBothTimes() {
    Team t = team(s, "Job Reset");
    String id = job(t, design(t, "PN-JR")).getString("id");
    s.patch("/api/analysis-jobs/" + id, t.editor(), new JsonObject().put("status", "COMPLETED"));

    JsonObject pending = s.patch("/api/analysis-jobs/" + id, t.editor(), new JsonObject().put("status", "PENDING")).json();

    assertThat(pending.getValue("started_at")).isNull();
    assertThat(pending.getValue("finished_at")).isNull();
  }

  @Test
  void progressOutsideZeroToHundredIs400() {
    Team t = team(s, "Job Progress");
    String id = job(t, design(t, "PN-JP")).getString("id");
    assertInvalidField(s.patch("/api/analysis-jobs/" + id, t.editor(), new JsonObject().put("progress", 101)), "progress");
    assertInvalidField(s.patch("/api/analysis-jobs/" + id, t.editor(), new JsonObject().put("status", "DONE")), "status");
    assertInvalidField(s.patch("/api/analysis-jobs/" + id, t.editor(), new JsonObject().put("parameters", "x")),
        "parameters");
  }

  @Test
  void deleteOfAJobAnswers204() {
    Team t = team(s, "Job Delete");
    String id = job(t, design(t, "PN-JD")).getString("id");
    assertThat(s.delete("/api/analysis-jobs/" + id, t.editor()).status()).isEqualTo(204);
    assertError(s.get("/api/analysis-jobs/" + id, t.editor()), 404, "not_found");
  }

  @Test
  void jobListFiltersByDesignAndStatus() {
    Team t = team(s, "Job List");
    String design = design(t, "PN-JLS");
    String a = job(t, design).getString("id");
    String b = job(t, design).getString("id");
    s.patch("/api/analysis-jobs/" + b, t.editor(), new JsonObject().put("status", "RUNNING"));
    assertThat(ids(s.get("/api/analysis-jobs?design=" + design, t.viewer()))).containsExactlyInAnyOrder(a, b);
    assertThat(ids(s.get("/api/analysis-jobs?status=RUNNING", t.viewer()))).containsExactly(b);
  }

  // ------------------------------------------------------------------ reviews and reviewers

  @Test
  void createReviewAnswers201AsOpenWithoutReviewers() {
    Team t = team(s, "Review Create");
    String design = design(t, "PN-RC");
    HttpResult r = s.post("/api/reviews/", t.editor(), new JsonObject().put("design", design)
        .put("title", "Design review 1").put("description", "check the fillets"));

    assertThat(r.status()).isEqualTo(201);
    JsonObject review = r.json();
    assertThat(r.header("Location")).isEqualTo("/api/reviews/" + review.getString("id") + "/");
    assertThat(review.getString("design")).isEqualTo(design);
    assertThat(review.getString("title")).isEqualTo("Design review 1");
    assertThat(review.getString("status")).isEqualTo("OPEN");
    assertThat(longs(review.getJsonArray("reviewers"))).isEmpty();
    assertThat(review.getLong("created_by")).isEqualTo(t.editorId());
    assertThat(s.get(r.header("Location"), t.viewer()).json()).isEqualTo(review);
  }

  @Test
  void patchPutAndDeleteOfAReview() {
    Team t = team(s, "Review Update");
    String id = review(t, design(t, "PN-RU"), "first").getString("id");

    assertThat(s.patch("/api/reviews/" + id, t.editor(), new JsonObject().put("status", "IN_REVIEW")).json()
        .getString("status")).isEqualTo("IN_REVIEW");
    assertInvalidField(s.patch("/api/reviews/" + id, t.editor(), new JsonObject().put("status", "MAYBE")), "status");
    HttpResult put = s.put("/api/reviews/" + id, t.editor(), new JsonObject().put("title", "second")
        .put("description", "").put("status", "APPROVED"));
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json().getString("title")).isEqualTo("second");
    assertThat(s.get("/api/reviews/" + id, t.viewer()).json().getString("status")).isEqualTo("APPROVED");

    assertThat(s.delete("/api/reviews/" + id, t.editor()).status()).isEqualTo(204);
    assertError(s.get("/api/reviews/" + id, t.viewer()), 404, "not_found");
  }

  @Test
  void addedReviewersAppearInTheReview() {
    Team t = team(s, "Review Reviewers");
    String id = review(t, design(t, "PN-RR"), "with reviewers").getString("id");
    assertThat(longs(s.get("/api/reviews/" + id, t.viewer()).json().getJsonArray("reviewers"))).isEmpty();

    HttpResult add = s.post("/api/reviews/" + id + "/reviewers/", t.editor(), new JsonObject().put("user", t.viewerId()));
    assertThat(add.status()).isEqualTo(200);
    assertThat(longs(add.json().getJsonArray("reviewers"))).containsExactly(t.viewerId());
    s.post("/api/reviews/" + id + "/reviewers", t.editor(), new JsonObject().put("user", t.adminId()));

    JsonArray reviewers = s.get("/api/reviews/" + id, t.viewer()).json().getJsonArray("reviewers");
    assertThat(longs(reviewers)).containsExactly(Math.min(t.adminId(), t.viewerId()), Math.max(t.adminId(), t.viewerId()));
    assertThat(ids(s.get("/api/reviews?reviewer=" + t.viewerId(), t.viewer()))).containsExactly(id);
  }

  @Test
  void addingAReviewerTwiceKeepsOne() {
    Team t = team(s, "Review Twice");
    String id = review(t, design(t, "PN-RT"), "twice").getString("id");
    s.post("/api/reviews/" + id + "/reviewers", t.editor(), new JsonObject().put("user", t.viewerId()));
    HttpResult again = s.post("/api/reviews/" + id + "/reviewers", t.editor(), new JsonObject().put("user", t.viewerId()));
    assertThat(again.status()).isEqualTo(200);
    assertThat(longs(again.json().getJsonArray("reviewers"))).containsExactly(t.viewerId());
  }

  @Test
  void removingAReviewerAnswers204AndTheReviewShowsIt() {
    Team t = team(s, "Review Remove");
    String id = review(t, design(t, "PN-RM"), "remove").getString("id");
    s.post("/api/reviews/" + id + "/reviewers", t.editor(), new JsonObject().put("user", t.viewerId()));
    assertThat(longs(s.get("/api/reviews/" + id, t.viewer()).json().getJsonArray("reviewers"))).containsExactly(t.viewerId());

    HttpResult r = s.delete("/api/reviews/" + id + "/reviewers/" + t.viewerId() + "/", t.editor());

    assertThat(r.status()).isEqualTo(204);
    assertThat(longs(s.get("/api/reviews/" + id, t.viewer()).json().getJsonArray("reviewers"))).isEmpty();
    assertError(s.delete("/api/reviews/" + id + "/reviewers/" + t.viewerId(), t.editor()), 404, "not_found");
  }

  @Test
  void aReviewerMustBeAMemberOfTheOrganization() {
    Team t = team(s, "Review Outsider");
    long outsider = s.fixtures.user(ApiTestSupport.unique("outsider"));
    String id = review(t, design(t, "PN-RO"), "outsider").getString("id");
    assertInvalidField(s.post("/api/reviews/" + id + "/reviewers", t.editor(), new JsonObject().put("user", outsider)),
        "user");
    assertInvalidField(s.post("/api/reviews/" + id + "/reviewers", t.editor(), new JsonObject().put("user", "me")),
        "user");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM review_reviewers WHERE review_id = ?::uuid", id)).isZero();
  }

  @Test
  void aViewerCannotChangeReviewers() {
    Team t = team(s, "Review Viewer");
    String id = review(t, design(t, "PN-RV"), "viewer").getString("id");
    assertError(s.post("/api/reviews/" + id + "/reviewers", t.viewer(), new JsonObject().put("user", t.viewerId())),
        403, "forbidden");
  }

  // ------------------------------------------------------------------ markups

  @Test
  void createMarkupAnswers201AndItIsListedUnderItsReview() {
    Team t = team(s, "Markup Create");
    String review = review(t, design(t, "PN-MC"), "markups").getString("id");
    HttpResult r = s.post("/api/markups/", t.editor(), new JsonObject().put("review", review)
        .put("comment", "fillet too small").put("anchor", new JsonObject().put("face", 12)));

    assertThat(r.status()).isEqualTo(201);
    JsonObject markup = r.json();
    assertThat(r.header("Location")).isEqualTo("/api/markups/" + markup.getString("id") + "/");
    assertThat(markup.getString("review")).isEqualTo(review);
    assertThat(markup.getLong("author")).isEqualTo(t.editorId());
    assertThat(markup.getString("comment")).isEqualTo("fillet too small");
    assertThat(markup.getJsonObject("anchor")).isEqualTo(new JsonObject().put("face", 12));
    assertThat(markup.getString("status")).isEqualTo("OPEN");

    HttpResult list = s.get("/api/reviews/" + review + "/markups/", t.viewer());
    assertThat(list.json().getLong("count")).isEqualTo(1);
    assertThat(list.results().getJsonObject(0)).isEqualTo(markup);
  }

  @Test
  void reviewMarkupsFollowANewMarkupAtOnce() {
    Team t = team(s, "Markup Fresh");
    String review = review(t, design(t, "PN-MF"), "fresh").getString("id");
    String first = markup(t.editor(), review, "one").getString("id");
    assertThat(ids(s.get("/api/reviews/" + review + "/markups", t.viewer()))).containsExactly(first);

    String second = markup(t.admin(), review, "two").getString("id");

    assertThat(ids(s.get("/api/reviews/" + review + "/markups", t.viewer()))).containsExactly(first, second);
  }

  @Test
  void theAuthorEditsTheirMarkup() {
    Team t = team(s, "Markup Author");
    String review = review(t, design(t, "PN-MA"), "author").getString("id");
    String id = markup(t.editor(), review, "draft").getString("id");

    HttpResult r = s.patch("/api/markups/" + id, t.editor(), new JsonObject().put("status", "RESOLVED"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("status")).isEqualTo("RESOLVED");
    assertThat(s.get("/api/markups/" + id, t.viewer()).json().getString("status")).isEqualTo("RESOLVED");
  }

  @Test
  void anotherEditorMayNotEditTheMarkup() {
    Team t = team(s, "Markup Other Editor");
    String review = review(t, design(t, "PN-MO"), "other").getString("id");
    String id = markup(t.admin(), review, "admin's note").getString("id");

    assertError(s.patch("/api/markups/" + id, t.editor(), new JsonObject().put("comment", "hijacked")), 403, "forbidden");
    assertError(s.delete("/api/markups/" + id, t.editor()), 403, "forbidden");
    assertThat(s.get("/api/markups/" + id, t.viewer()).json().getString("comment")).isEqualTo("admin's note");
  }

  @Test
  void anAdminMayEditAnyMarkup() {
    Team t = team(s, "Markup Admin");
    String review = review(t, design(t, "PN-MAD"), "admin").getString("id");
    String id = markup(t.editor(), review, "editor's note").getString("id");

    HttpResult r = s.put("/api/markups/" + id, t.admin(), new JsonObject().put("comment", "moderated")
        .put("anchor", new JsonObject()).put("status", "OPEN"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("comment")).isEqualTo("moderated");
    assertThat(r.json().getLong("author")).isEqualTo(t.editorId());

    assertThat(s.delete("/api/markups/" + id + "/", t.admin()).status()).isEqualTo(204);
    assertError(s.get("/api/markups/" + id, t.viewer()), 404, "not_found");
  }

  @Test
  void aViewerWhoIsAReviewerMayAddMarkups() {
    Team t = team(s, "Markup Reviewer");
    String review = review(t, design(t, "PN-MR"), "reviewer").getString("id");
    assertError(s.post("/api/markups", t.viewer(), new JsonObject().put("review", review).put("comment", "not yet")),
        403, "forbidden");
    s.post("/api/reviews/" + review + "/reviewers", t.editor(), new JsonObject().put("user", t.viewerId()));

    JsonObject m = markup(t.viewer(), review, "as a reviewer");

    assertThat(m.getLong("author")).isEqualTo(t.viewerId());
  }

  @Test
  void markupsOfAnUnknownReviewAre404() {
    Team t = team(s, "Markup Unknown");
    assertError(s.get("/api/reviews/" + java.util.UUID.randomUUID() + "/markups", t.viewer()), 404, "not_found");
  }
}
