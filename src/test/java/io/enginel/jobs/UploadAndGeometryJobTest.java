package io.enginel.jobs;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** Uploading a design file queues a geometry job; a worker computes it; the metadata endpoint serves it. */
class UploadAndGeometryJobTest {
  static TestServer s;
  static UUID org;
  static UUID series;
  static String editor;
  static String viewer;
  static String outsider;

  @BeforeAll
  static void start() {
    s = TestServer.start(Map.of("jobs.workers", 1, "jobs.pollMs", 200, "jobs.staleAfterSeconds", 5,
        "storage.maxUploadBytes", 4096));
    org = s.fixtures.organization("Files");
    UUID other = s.fixtures.organization("Elsewhere");
    s.fixtures.member(org, s.fixtures.user("fe"), "EDITOR");
    s.fixtures.member(org, s.fixtures.user("fv"), "VIEWER");
    s.fixtures.member(other, s.fixtures.user("fo"), "ADMIN");
    series = s.fixtures.series(org, "PN-FILE");
    editor = s.login("fe");
    viewer = s.login("fv");
    outsider = s.login("fo");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private UUID design(String name, String format) {
    UUID d = s.fixtures.design(series, name, "to be uploaded", "PENDING");
    s.fixtures.update("UPDATE design_assets SET file_format = ? WHERE id = ?", format, d);
    return d;
  }

  private HttpResult upload(UUID design, String token, byte[] bytes) {
    return s.send(HttpMethod.POST, "/api/designs/" + design + "/file", token, Buffer.buffer(bytes),
        Map.of("Content-Type", "application/octet-stream"));
  }

  private JsonObject awaitJob(String job, String status) {
    AtomicReference<JsonObject> last = new AtomicReference<>();
    try {
      Waits.until(() -> {
        last.set(s.get("/api/analysis-jobs/" + job, editor).json());
        return status.equals(last.get().getString("status"));
      }, Duration.ofSeconds(15), Duration.ofMillis(100), "job " + job + " " + status);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last read: " + last.get(), e);
    }
    return last.get();
  }

  @Test
  void anUploadedStlIsHashedStoredAndItsGeometryComputedByAWorker() throws Exception {
    UUID design = design("cube.stl", "stl");
    byte[] cube = GeometryFixtures.cubeStl();
    HttpResult r = upload(design, editor, cube);
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    String job = r.json().getString("job");
    assertThat(r.header("Location")).isEqualTo("/api/analysis-jobs/" + job + "/");
    assertThat(r.json().getString("upload_status")).isEqualTo("PROCESSING");
    assertThat(r.json().getString("file_hash")).isEqualTo(GeometryFixtures.sha256(cube));

    JsonObject done = awaitJob(job, "COMPLETED");
    assertThat(done.getInteger("progress")).isEqualTo(100);
    assertThat(done.getString("finished_at")).isNotNull();
    assertThat(done.getJsonObject("result").getLong("triangle_count")).isEqualTo(12);

    JsonObject d = s.get("/api/designs/" + design, editor).json();
    assertThat(d.getString("upload_status")).isEqualTo("COMPLETED");
    assertThat(d.getLong("file_size")).isEqualTo(cube.length);
    String hash = GeometryFixtures.sha256(cube);
    assertThat(Path.of(s.config.storage().dir(), hash.substring(0, 2), hash.substring(2, 4), hash)).exists();

    HttpResult first = s.get("/api/designs/" + design + "/metadata", viewer);
    assertThat(first.status()).isEqualTo(200);
    JsonObject m = first.json();
    assertThat(m.getLong("triangle_count")).isEqualTo(12);
    assertThat(m.getDouble("volume")).isCloseTo(1.0, offset(1e-6));
    assertThat(m.getDouble("surface_area")).isCloseTo(6.0, offset(1e-6));
    assertThat(m.getBoolean("is_closed")).isTrue();
    assertThat(m.getJsonArray("center_of_mass").getDouble(0)).isCloseTo(0.5, offset(1e-6));
    assertThat(m.getJsonObject("bounding_box").getJsonArray("max").getDouble(2)).isCloseTo(1.0, offset(1e-6));
    assertThat(m.getJsonArray("inertia_tensor").getJsonArray(0).getDouble(0)).isCloseTo(1.0 / 6, offset(1e-6));
    assertThat(first.xCache()).isEqualTo("MISS");
    assertThat(s.get("/api/designs/" + design + "/metadata/", editor).xCache()).isEqualTo("HIT");
    assertThat(s.redisExists(Tier.LONGTERM, s.server.cache().keys().designMetadata(design.toString()))).isTrue();
    assertThat(s.get("/api/designs/" + design + "/metadata", outsider).status()).isEqualTo(404);
  }

  @Test
  void aMultipartUploadTakesTheFormsFile() throws Exception {
    UUID design = design("form.stl", "stl");
    String boundary = "----enginel" + UUID.randomUUID();
    Buffer body = Buffer.buffer()
        .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cube.stl\"\r\n"
            + "Content-Type: model/stl\r\n\r\n")
        .appendBytes(GeometryFixtures.cubeStl())
        .appendString("\r\n--" + boundary + "--\r\n");
    HttpResult r = s.send(HttpMethod.POST, "/api/designs/" + design + "/file", editor, body,
        Map.of("Content-Type", "multipart/form-data; boundary=" + boundary));
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(r.json().getString("file_hash")).isEqualTo(GeometryFixtures.sha256(GeometryFixtures.cubeStl()));
    awaitJob(r.json().getString("job"), "COMPLETED");
  }

  @Test
  void aCorruptFileFailsItsJobWithAClearMessageAndNothingElseBreaks() throws Exception {
    UUID design = design("broken.stl", "stl");
    HttpResult r = upload(design, editor, "solid broken\nfacet normal 0 0 1\nouter loop\nvertex 0 0 x\n"
        .getBytes(StandardCharsets.US_ASCII));
    assertThat(r.status()).isEqualTo(202);
    JsonObject failed = awaitJob(r.json().getString("job"), "FAILED");
    assertThat(failed.getString("error_message")).contains("line 4").contains("not a number");
    assertThat(s.get("/api/designs/" + design, editor).json().getString("upload_status")).isEqualTo("FAILED");
    HttpResult metadata = s.get("/api/designs/" + design + "/metadata", editor);
    assertThat(metadata.status()).isEqualTo(422);
    assertThat(metadata.json().getString("error")).isEqualTo("geometry_failed");
    // the worker goes on with the next job
    UUID next = design("after.stl", "stl");
    awaitJob(upload(next, editor, GeometryFixtures.cubeStl()).json().getString("job"), "COMPLETED");
  }

  @Test
  void aStepFileIsRefusedAtOnceNotByAJobThatFailsLater() {
    UUID design = design("part.step", "step");
    long jobsBefore = s.fixtures.queryLong("SELECT count(*) FROM analysis_jobs");
    HttpResult r = upload(design, editor, "ISO-10303-21;\nHEADER;\nENDSEC;\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(r.status()).as(r.toString()).isEqualTo(415);
    assertThat(r.json().getString("message")).contains("STEP").contains("STL or OBJ");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM analysis_jobs")).isEqualTo(jobsBefore);
    assertThat(s.fixtures.queryString("SELECT storage_path FROM design_assets WHERE id = ?", design)).isNull();
  }

  @Test
  void anUploadOverTheLimitIs413AndNothingIsStored() throws Exception {
    UUID design = design("huge.stl", "stl");
    long jobsBefore = s.fixtures.queryLong("SELECT count(*) FROM analysis_jobs");
    HttpResult r = upload(design, editor, new byte[5000]);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().getString("error")).isEqualTo("too_large");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM analysis_jobs")).isEqualTo(jobsBefore);
    assertThat(s.fixtures.queryString("SELECT storage_path FROM design_assets WHERE id = ?", design)).isNull();
    try (var files = Files.list(Path.of(s.config.storage().dir(), "tmp"))) {
      assertThat(files.filter(f -> f.getFileName().toString().startsWith("upload-")).count()).isZero();
    }
  }

  @Test
  void onlyEditorsOfTheDesignsOrganizationMayUpload() {
    UUID design = design("guarded.stl", "stl");
    assertThat(upload(design, viewer, GeometryFixtures.cubeStl()).status()).isEqualTo(403);
    assertThat(upload(design, outsider, GeometryFixtures.cubeStl()).status()).isEqualTo(404);
    assertThat(upload(design, null, GeometryFixtures.cubeStl()).status()).isEqualTo(401);
    assertThat(upload(design, editor, new byte[0]).status()).isEqualTo(400);
  }

  @Test
  void aJobWhoseWorkerStoppedReportingIsTakenAgain() throws Exception {
    UUID design = design("orphan.stl", "stl");
    GeometryFixtures.attachWithoutJob(s, design, GeometryFixtures.cubeStl());
    UUID job = UUID.randomUUID();
    // a job left RUNNING by a worker that died a minute ago
    s.fixtures.update("INSERT INTO analysis_jobs (id, design_id, organization_id, job_type, status, progress, started_at, "
        + "updated_at) VALUES (?, ?, ?, 'GEOMETRY_EXTRACTION', 'RUNNING', 10, now() - interval '1 minute', "
        + "now() - interval '1 minute')", job, design, org);
    assertThat(awaitJob(job.toString(), "COMPLETED").getJsonObject("result").getDouble("volume")).isCloseTo(1.0, offset(1e-6));
  }
}
