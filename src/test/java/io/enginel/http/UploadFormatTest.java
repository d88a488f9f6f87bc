package io.enginel.http;

import io.enginel.jobs.GeometryFixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * An upload's format is taken from its content, whatever its name or the design said, and recorded on the design;
 * a file whose geometry Enginel cannot compute is refused at once with a 415 naming what it is and what Enginel
 * reads — nothing is stored, no row changes, no job is queued. Every refusal names the header or field at fault.
 */
class UploadFormatTest {
  static final int LIMIT = 8192;
  static TestServer s;
  static UUID series;
  static String editor;
  static Path storage;

  @BeforeAll
  static void start() {
    try {
      storage = Files.createTempDirectory("enginel-upload-formats");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // a store of its own: what it holds before and after a refusal is this class's alone
    s = TestServer.start(Map.of("jobs.workers", 1, "jobs.pollMs", 100, "storage.maxUploadBytes", LIMIT,
        "storage.dir", storage.toString()));
    UUID org = s.fixtures.organization("Formats");
    s.fixtures.member(org, s.fixtures.user("uf"), "EDITOR");
    series = s.fixtures.series(org, "PN-FMT");
    editor = s.login("uf");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** A design created through the API with the given file name and format. */
  private UUID design(String filename, String format) {
    HttpResult r = s.post("/api/designs", editor, new JsonObject().put("series", series.toString())
        .put("filename", filename).put("file_format", format));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return UUID.fromString(r.json().getString("id"));
  }

  /** A raw-body upload named by {@code Content-Disposition: attachment; filename="<name>"} (no header when null). */
  private HttpResult upload(UUID design, byte[] bytes, String name) {
    Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/octet-stream"));
    if (name != null) {
      headers.put("Content-Disposition", "attachment; filename=\"" + name + "\"");
    }
    return s.send(HttpMethod.POST, "/api/designs/" + design + "/file", editor, Buffer.buffer(bytes), headers);
  }

  private HttpResult formUpload(UUID design, byte[] bytes, String name) {
    String boundary = "----enginel" + UUID.randomUUID();
    Buffer body = Buffer.buffer()
        .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n")
        .appendBytes(bytes)
        .appendString("\r\n--" + boundary + "--\r\n");
    return s.send(HttpMethod.POST, "/api/designs/" + design + "/file", editor, body,
        Map.of("Content-Type", "multipart/form-data; boundary=" + boundary));
  }

  private JsonObject awaitCompleted(String job) {
    JsonObject[] last = {null};
    Waits.until(() -> {
      last[0] = s.get("/api/analysis-jobs/" + job, editor).json();
      assertThat(last[0].getString("status")).as("the job %s", last[0]).isNotEqualTo("FAILED");
      return "COMPLETED".equals(last[0].getString("status"));
    }, Duration.ofSeconds(20), "job " + job + " completed");
    return last[0];
  }

  private String column(String column, UUID design) {
    return s.fixtures.queryString("SELECT " + column + "::text FROM design_assets WHERE id = ?", design);
  }

  /** Every regular file under the storage directory (the content store and its tmp). */
  private Set<Path> storedFiles() throws IOException {
    try (Stream<Path> files = Files.walk(storage)) {
      return files.filter(Files::isRegularFile).collect(Collectors.toSet());
    }
  }

  @Test
  void aBinaryStlNamedStlUploadedToAnObjDesignIsRecordedAsStlAndItsGeometryComputed() {
    UUID design = design("cube.obj", "obj");
    // the detail and the obj list are cached before the upload
    assertThat(s.get("/api/designs/" + design, editor).json().getString("file_format")).isEqualTo("obj");
    assertThat(s.get("/api/designs/" + design, editor).xCache()).isEqualTo("HIT");
    assertThat(ids(s.get("/api/designs?file_format=obj&series=" + series, editor))).contains(design.toString());
    assertThat(s.get("/api/designs?file_format=obj&series=" + series, editor).xCache()).isEqualTo("HIT");

    HttpResult r = upload(design, GeometryFixtures.cubeStl(), "cube.stl");

    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    JsonObject body = r.json();
    assertThat(body.getString("file_format")).isEqualTo("stl");
    assertThat(body.getString("detected_format")).isEqualTo("stl");
    assertThat(body.getString("format_note")).contains("binary STL").contains("file_format was obj")
        .doesNotContain("file name");
    assertThat(body.containsKey("previous_file_format")).isFalse();
    assertThat(column("file_format", design)).as("the row").isEqualTo("stl");
    // the job may have finished already: the row is past PENDING either way
    assertThat(column("upload_status", design)).isIn("PROCESSING", "COMPLETED");
    // no read answers the old format after the 202
    HttpResult detail = s.get("/api/designs/" + design, editor);
    assertThat(detail.json().getString("file_format")).isEqualTo("stl");
    assertThat(ids(s.get("/api/designs?file_format=obj&series=" + series, editor))).doesNotContain(design.toString());
    assertThat(ids(s.get("/api/designs?file_format=stl&series=" + series, editor))).contains(design.toString());
    JsonObject audit = new JsonObject(s.fixtures.queryString("SELECT changes::text FROM audit_logs WHERE resource_id = ? "
        + "AND action = 'UPDATE' ORDER BY id DESC LIMIT 1", design.toString()));
    assertThat(audit.getJsonObject("file_format")).isEqualTo(new JsonObject().put("old", "obj").put("new", "stl"));

    JsonObject job = awaitCompleted(body.getString("job"));
    assertThat(job.getJsonObject("result").getLong("triangle_count")).isEqualTo(12);
    assertThat(job.getJsonObject("result").getDouble("volume")).isCloseTo(1.0, offset(1e-6));
    assertThat(s.get("/api/designs/" + design, editor).json().getString("upload_status")).isEqualTo("COMPLETED");
  }

  @Test
  void anAsciiStlIsRecognisedAndWhenNameAndDesignAgreeThereIsNoNote() {
    UUID design = design("cube.stl", "stl");
    HttpResult r = upload(design, GeometryFixtures.asciiCubeStl(), "cube.stl");
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(r.json().getString("detected_format")).isEqualTo("stl");
    assertThat(r.json().containsKey("format_note")).isFalse();
    assertThat(awaitCompleted(r.json().getString("job")).getJsonObject("result").getLong("triangle_count")).isEqualTo(12);
  }

  @Test
  void anObjInAFormIsRecordedAsObjOnADesignCreatedAsStep() {
    UUID design = design("cube.step", "step");
    HttpResult r = formUpload(design, GeometryFixtures.objCube(), "cube.obj");
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(r.json().getString("file_format")).isEqualTo("obj");
    assertThat(r.json().getString("format_note")).contains("Wavefront OBJ").contains("file_format was step");
    assertThat(column("file_format", design)).isEqualTo("obj");
    assertThat(awaitCompleted(r.json().getString("job")).getJsonObject("result").getDouble("volume"))
        .isCloseTo(1.0, offset(1e-6));
  }

  @Test
  void aBinaryStlWhoseHeaderStartsWithSolidIsBinaryWhateverItsNameSays() {
    UUID design = design("solid.stl", "stl");
    byte[] stl = GeometryFixtures.cubeStl("solid cube exported as binary");
    HttpResult r = upload(design, stl, "solid.obj");
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(r.json().getString("file_format")).isEqualTo("stl");
    assertThat(r.json().getString("format_note")).contains("binary STL").contains("the file name 'solid.obj' says obj")
        .doesNotContain("file_format was");
    assertThat(awaitCompleted(r.json().getString("job")).getJsonObject("result").getLong("triangle_count")).isEqualTo(12);
  }

  @Test
  void aNameInFilenameStarIsRead() {
    UUID design = design("part.stl", "stl");
    HttpResult r = s.send(HttpMethod.POST, "/api/designs/" + design + "/file", editor, Buffer.buffer(GeometryFixtures.objCube()),
        Map.of("Content-Type", "model/obj", "Content-Disposition", "attachment; filename=\"fallback.stl\"; "
            + "filename*=UTF-8''W%C3%BCrfel%20eins.obj"));
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(r.json().getString("file_format")).isEqualTo("obj");
    assertThat(r.json().getString("format_note")).doesNotContain("file name").contains("file_format was stl");
  }

  @Test
  void garbageIs415ListingTheFormatsEnginelReadsAndLeavesNothingBehind() throws Exception {
    UUID design = design("noise.stl", "stl");
    Map<String, String> before = row(design);
    long jobs = s.fixtures.queryLong("SELECT count(*) FROM analysis_jobs WHERE design_id = ?", design);
    Set<Path> files = storedFiles();
    byte[] noise = new byte[3000];
    new Random(18).nextBytes(noise);

    HttpResult r = upload(design, noise, "noise.stl");

    assertThat(r.status()).as(r.toString()).isEqualTo(415);
    JsonObject error = r.json();
    assertThat(error.getString("error")).isEqualTo("unsupported_file_format");
    assertThat(error.getString("message")).contains("binary STL, ASCII STL or Wavefront OBJ");
    assertThat(error.getString("request_id")).isNotBlank();
    JsonObject details = error.getJsonObject("details");
    assertThat(details.getString("field")).isEqualTo("file");
    assertThat(details.getString("detected_format")).isEqualTo("unrecognised");
    assertThat(details.getString("filename_format")).isEqualTo("stl");
    assertThat(details.getJsonArray("readable_formats").getList()).isEqualTo(List.of("stl", "obj"));
    assertThat(storedFiles()).as("no file stored, none left in tmp").isEqualTo(files);
    assertThat(row(design)).as("the row unchanged").isEqualTo(before);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM analysis_jobs WHERE design_id = ?", design)).isEqualTo(jobs);
    assertThat(s.get("/api/designs/" + design, editor).json().getString("upload_status")).isEqualTo("PENDING");
  }

  @Test
  void aTruncatedBinaryStlIs415SayingHowManyBytesItsHeaderCallsFor() throws Exception {
    UUID design = design("cut.stl", "stl");
    byte[] cube = GeometryFixtures.cubeStl();
    Set<Path> files = storedFiles();
    HttpResult r = upload(design, Arrays.copyOf(cube, cube.length - 30), "cut.stl");
    assertThat(r.status()).as(r.toString()).isEqualTo(415);
    assertThat(r.json().getString("message")).contains("declares 12 triangles").contains("= 684 bytes; it has 654");
    assertThat(storedFiles()).isEqualTo(files);
  }

  @Test
  void stepAndIgesAre415NamingTheDetectedFormatAndNothingIsStored() throws Exception {
    UUID design = design("part.step", "step");
    Map<String, String> before = row(design);
    Set<Path> files = storedFiles();
    HttpResult step = upload(design, "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('bracket'),'2;1');\nENDSEC;\nDATA;\nENDSEC;\n"
        .getBytes(StandardCharsets.US_ASCII), "part.step");
    assertThat(step.status()).as(step.toString()).isEqualTo(415);
    assertThat(step.json().getJsonObject("details").getString("detected_format")).isEqualTo("step");
    assertThat(step.json().getString("message")).contains("STEP").contains("CAD kernel").contains("Export the part as STL or OBJ");

    String iges = String.format("%-72sS%7d%n%-72sG%7d%n", "a bracket", 1, "1H,,1H;;", 1);
    HttpResult igs = upload(design, iges.getBytes(StandardCharsets.US_ASCII), "part.igs");
    assertThat(igs.status()).as(igs.toString()).isEqualTo(415);
    assertThat(igs.json().getJsonObject("details").getString("detected_format")).isEqualTo("iges");
    assertThat(storedFiles()).isEqualTo(files);
    assertThat(row(design)).isEqualTo(before);
  }

  @Test
  void everyRefusalNamesTheHeaderOrFieldAndWhatIsAccepted() {
    UUID design = design("refused.stl", "stl");
    String path = "/api/designs/" + design + "/file";
    Buffer cube = Buffer.buffer(GeometryFixtures.cubeStl());

    HttpResult json = s.send(HttpMethod.POST, path, editor, cube, Map.of("Content-Type", "application/json"));
    assertThat(json.status()).isEqualTo(415);
    assertThat(json.json().getString("error")).isEqualTo("unsupported_media_type");
    assertThat(json.json().getJsonObject("details").getString("header")).isEqualTo("Content-Type");
    assertThat(json.json().getJsonObject("details").getJsonArray("accepted").getList())
        .contains("application/octet-stream", "multipart/form-data");

    HttpResult urlencoded = s.send(HttpMethod.POST, path, editor, Buffer.buffer("file=cube.stl"),
        Map.of("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(urlencoded.status()).isEqualTo(415);
    assertThat(urlencoded.json().getJsonObject("details").getString("header")).isEqualTo("Content-Type");

    HttpResult noBoundary = s.send(HttpMethod.POST, path, editor, cube, Map.of("Content-Type", "multipart/form-data"));
    assertThat(noBoundary.status()).isEqualTo(400);
    assertThat(noBoundary.json().getString("error")).isEqualTo("invalid_header");
    assertThat(noBoundary.json().getJsonObject("details").getString("header")).isEqualTo("Content-Type");
    assertThat(noBoundary.json().getString("message")).contains("boundary=");

    for (String odd : List.of("attachment; filename=\"cube.stl", "attachment; filename", "; filename=cube.stl",
        "attachment; filename=cube one.stl", "attachment; filename=\"\"", "attachment; filename*=UTF-16''x.stl",
        "attachment; filename*=UTF-8''%zz.stl")) {
      HttpResult r = s.send(HttpMethod.POST, path, editor, cube, Map.of("Content-Type", "application/octet-stream",
          "Content-Disposition", odd));
      assertThat(r.status()).as(odd + " → " + r).isEqualTo(400);
      assertThat(r.json().getJsonObject("details").getString("header")).isEqualTo("Content-Disposition");
      assertThat(r.json().getString("message")).contains("filename=\"part.stl\"");
    }

    HttpResult empty = upload(design, new byte[0], "cube.stl");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.json().getJsonObject("details").getString("field")).isEqualTo("file");
    assertThat(empty.json().getString("message")).contains("application/octet-stream").contains("multipart/form-data");

    HttpResult tooLarge = upload(design, new byte[LIMIT + 1], "big.stl");
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.json().getJsonObject("details").getString("header")).isEqualTo("Content-Length");
    assertThat(tooLarge.json().getJsonObject("details").getLong("limit_bytes")).isEqualTo(LIMIT);

    HttpResult density = s.send(HttpMethod.POST, path + "?density=heavy", editor, cube,
        Map.of("Content-Type", "application/octet-stream"));
    assertThat(density.status()).isEqualTo(400);
    assertThat(density.json().getJsonObject("details").getString("parameter")).isEqualTo("density");
    assertThat(density.json().getString("message")).contains("positive number");

    assertThat(row(design).get("upload_status")).as("none of them changed the design").isEqualTo("PENDING");
  }

  @Test
  void aChunkedUploadOverTheLimitIs413NamingTheFileAndLeavesNothing() throws Exception {
    UUID design = design("chunked.stl", "stl");
    Set<Path> files = storedFiles();
    HttpClient client = s.vertx.createHttpClient();
    try {
      JsonObject[] answer = {null};
      int[] status = {0};
      TestServer.await(client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(s.config.http().port())
              .setHost("127.0.0.1").setURI("/api/designs/" + design + "/file"))
          .compose(req -> {
            // no Content-Length: the limit is found while the body streams
            req.setChunked(true).putHeader("Authorization", "Bearer " + editor)
                .putHeader("Content-Type", "application/octet-stream");
            req.write(Buffer.buffer(new byte[LIMIT / 2]));
            req.write(Buffer.buffer(new byte[LIMIT / 2]));
            req.end(Buffer.buffer(new byte[LIMIT / 2])); // the server may answer and close before this is written
            return req.response();
          })
          .compose((HttpClientResponse resp) -> {
            status[0] = resp.statusCode();
            return resp.body();
          })
          .map(b -> answer[0] = b.toJsonObject()));
      assertThat(status[0]).as(String.valueOf(answer[0])).isEqualTo(413);
      assertThat(answer[0].getJsonObject("details").getString("field")).isEqualTo("file");
      assertThat(answer[0].getString("message")).contains(String.valueOf(LIMIT));
    } finally {
      client.close();
    }
    assertThat(storedFiles()).isEqualTo(files);
    assertThat(row(design).get("storage_path")).isNull();
  }

  @Test
  void aFileFormatChangedAfterTheUploadDoesNotMisleadTheGeometry() throws Exception {
    UUID design = design("later.stl", "stl");
    GeometryFixtures.attachWithoutJob(s, design, GeometryFixtures.cubeStl());
    // someone says it is an OBJ now: the geometry is still read from what the file is
    HttpResult patched = s.patch("/api/designs/" + design, editor, new JsonObject().put("file_format", "obj"));
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    HttpResult metadata = s.get("/api/designs/" + design + "/metadata", editor);
    assertThat(metadata.status()).as(metadata.toString()).isEqualTo(200);
    assertThat(metadata.json().getLong("triangle_count")).isEqualTo(12);
  }

  private Map<String, String> row(UUID design) {
    Map<String, String> row = new HashMap<>();
    for (String c : List.of("file_format", "file_hash", "file_size", "storage_path", "upload_status", "updated_at")) {
      row.put(c, column(c, design));
    }
    return row;
  }

  private static List<String> ids(HttpResult list) {
    assertThat(list.status()).as(list.toString()).isEqualTo(200);
    return list.results().stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }
}
