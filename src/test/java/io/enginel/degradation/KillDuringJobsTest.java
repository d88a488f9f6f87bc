package io.enginel.degradation;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.Entity;
import io.enginel.repository.PgSetup;
import io.enginel.support.Fixtures;
import io.enginel.support.PrefixedKeys;
import io.enginel.support.ServerProcess;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * kill -9 of the server (a JVM of its own, {@code java … io.enginel.Main serve} with {@code ENGINEL_*} variables)
 * while eight clients write through it AND its job worker is in the middle of a geometry computation. The first
 * life runs a worker on a mesh that takes a while to integrate, so at the kill one job is RUNNING (claimed, never
 * finished) and the rest of the queue is PENDING. After a restart on the same database and Redis:
 * <ul>
 *   <li>every acknowledged create (series, design, analysis job) is in PostgreSQL with the values sent and exactly
 *   one CREATE audit row whose changes are what was sent; every acknowledged update is there with its UPDATE audit
 *   row; a write cut off by the kill is there wholly (row and audit) or not at all; no row without its audit row,
 *   no audit row without its row; design versions of every series stay 1..n without a gap or a duplicate;</li>
 *   <li>every queued job — the one the dead worker was computing included, reclaimed once it went stale, with its
 *   original {@code started_at} — ends COMPLETED with the right geometry; none lost, none left PENDING or RUNNING;</li>
 *   <li>reads through the restarted server answer 200 with the acknowledged data, and no job is read back with the
 *   status the dead server had cached (each was read, and cached, right after it was queued).</li>
 * </ul>
 * The kill-between-writes case with the worker off is {@code io.enginel.degradation.KillDuringWritesTest}.
 */
class KillDuringJobsTest {
  static final int WRITERS = 8;
  static final int MESH_DESIGNS = 4;
  static final int GRID = 90; // the mesh: the unit cube, each face a GRID × GRID grid of squares
  static final long TRIANGLES = 12L * GRID * GRID;
  static final String USER = "killwriter";

  private ServerProcess server;
  private TestDatabase db;
  private EnginelConfig config;
  private Connection sql;
  private Path storage;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (server != null) {
        server.close();
      }
      if (config != null) {
        PrefixedKeys.delete(config); // the prefix both lives of the server used is this test's own
      }
    } finally {
      if (sql != null) {
        sql.close();
      }
      if (db != null) {
        db.close();
      }
      if (storage != null) {
        try (Stream<Path> files = Files.walk(storage)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /** What one client sent and was told. Read by the test thread only after the writer ended (latch). */
  static final class Writer {
    final int index;
    final UUID own; // a design only this writer updates
    final Map<UUID, JsonObject> series = new LinkedHashMap<>();
    final Map<UUID, JsonObject> designs = new LinkedHashMap<>();
    final Map<UUID, JsonObject> jobs = new LinkedHashMap<>();
    UUID latestSeries;
    int updates;
    String lastDescription = "seeded";
    String inFlightKind; // "series", "design", "job", "update", or null
    JsonObject inFlightBody;
    boolean cutOffReading;

    Writer(int index, UUID own) {
      this.index = index;
      this.own = own;
    }
  }

  @Test
  void afterKillMinus9MidWritesAndMidJobNoAcknowledgedWriteIsMissingAndEveryQueuedJobCompletes() throws Exception {
    db = TestDatabase.create();
    config = TestServer.baseConfig(db.uri(), TestServices.redisUri());
    PgSetup.migrate(config.pg());
    sql = db.jdbc();
    Fixtures f = new Fixtures(db);
    UUID org = f.organization("Killed mid-job");
    long user = f.user(USER);
    f.member(org, user, "EDITOR");
    UUID baseSeries = f.series(org, "PN-KILL-BASE");
    Set<UUID> seeded = new HashSet<>(List.of(baseSeries));
    List<UUID> meshDesigns = new ArrayList<>();
    for (int i = 0; i < MESH_DESIGNS; i++) {
      UUID d = f.design(baseSeries, "mesh-" + i + ".stl", "the mesh", "PENDING");
      f.update("UPDATE design_assets SET file_format = 'stl' WHERE id = ?", d);
      meshDesigns.add(d);
    }
    seeded.addAll(meshDesigns);
    List<Writer> writers = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      UUID own = f.design(baseSeries, "own-" + i + ".stl", "seeded");
      seeded.add(own);
      writers.add(new Writer(i, own));
    }

    int port = TestServer.freePort();
    Map<String, String> env = new HashMap<>(Map.of(
        "ENGINEL_PG_URI", db.uri(),
        "ENGINEL_REDIS_URI", TestServices.redisUri(),
        "ENGINEL_HTTP_HOST", "127.0.0.1",
        "ENGINEL_HTTP_PORT", Integer.toString(port),
        "ENGINEL_CACHE_KEY_PREFIX", config.cache().keyPrefix(),
        "ENGINEL_AUTH_BCRYPT_COST", "4",
        "ENGINEL_AUTH_LOGIN_ATTEMPTS_PER_MINUTE", "1000",
        "ENGINEL_STORAGE_DIR", (storage = Files.createTempDirectory("enginel-faults-kill")).toString(),
        "ENGINEL_JOBS_WORKERS", "1", // the first life computes too: the kill lands in the middle of a job
        "ENGINEL_JOBS_POLL_MS", "100"));
    env.put("ENGINEL_JOBS_STALE_AFTER_SECONDS", "5"); // the minimum: a job left RUNNING by the dead worker is taken again after 5 s
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    String base = "http://127.0.0.1:" + port;

    server = ServerProcess.start(env, "faults-kill-during-writes-first");
    long firstUp = server.awaitReady();
    String token = login(http, base);

    // the mesh: uploaded once through the API (its geometry job runs now), the same stored file on the other designs
    byte[] mesh = subdividedCubeStl(GRID);
    HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(base + "/api/designs/" + meshDesigns.get(0) + "/file"))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(mesh)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(up.statusCode()).as(up.body()).isEqualTo(202);
    UUID uploadJob = UUID.fromString(new JsonObject(up.body()).getString("job"));
    until(() -> {
      Object status = one("SELECT status FROM analysis_jobs WHERE id = ?", uploadJob).get("status");
      assertThat(status).as("the upload's geometry job").isIn("PENDING", "RUNNING", "COMPLETED");
      return "COMPLETED".equals(status);
    }, Duration.ofSeconds(60), Duration.ofMillis(50), "the upload's geometry job done");
    Map<String, Object> uploaded = one("SELECT (result->>'triangle_count')::bigint AS triangles, "
        + "(result->>'volume')::float8 AS volume, extract(epoch FROM finished_at - started_at) * 1000 AS ms "
        + "FROM analysis_jobs WHERE id = ?", uploadJob);
    assertThat(uploaded.get("triangles")).isEqualTo(TRIANGLES);
    assertThat((Double) uploaded.get("volume")).isCloseTo(1.0, offset(1e-4));
    long computeMs = ((Number) uploaded.get("ms")).longValue();
    for (UUID d : meshDesigns.subList(1, MESH_DESIGNS)) {
      f.update("UPDATE design_assets d SET file_hash = m.file_hash, file_size = m.file_size, storage_path = m.storage_path, "
          + "upload_status = 'COMPLETED' FROM design_assets m WHERE d.id = ? AND m.id = ?", d, meshDesigns.get(0));
    }

    // eight writers: a series, a design in it, a job on a mesh design (then read it), an update of their own
    // design (then read it), round and round until the server dies under them
    AtomicInteger acknowledged = new AtomicInteger();
    List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(WRITERS);
    for (Writer writer : writers) {
      int w = writer.index;
      Thread t = new Thread(() -> {
        try {
          for (int n = 0; ; n++) {
            JsonObject body;
            HttpResponse<String> r;
            switch (n % 4) {
              case 0 -> {
                body = new JsonObject().put("organization", org.toString()).put("part_number", "KW-" + w + "-" + n)
                    .put("name", "Series " + w + "/" + n).put("description", "written by " + w);
                r = write(writer, "series", body, http, token, "POST", base + "/api/series");
                if (r.statusCode() == 201) {
                  writer.latestSeries = UUID.fromString(new JsonObject(r.body()).getString("id"));
                  writer.series.put(writer.latestSeries, body);
                }
              }
              case 1 -> {
                UUID s = writer.latestSeries == null ? baseSeries : writer.latestSeries;
                body = new JsonObject().put("series", s.toString()).put("filename", "kw-" + w + "-" + n + ".stl")
                    .put("file_format", "stl").put("description", "design " + w + "/" + n);
                r = write(writer, "design", body, http, token, "POST", base + "/api/designs");
                if (r.statusCode() == 201) {
                  writer.designs.put(UUID.fromString(new JsonObject(r.body()).getString("id")), body);
                }
              }
              case 2 -> {
                body = new JsonObject().put("design", meshDesigns.get((w + n) % MESH_DESIGNS).toString())
                    .put("job_type", "MASS_PROPERTIES")
                    .put("parameters", new JsonObject().put("density", w + 1 + n / 1000.0)); // unique per request
                r = write(writer, "job", body, http, token, "POST", base + "/api/analysis-jobs");
                if (r.statusCode() == 201) {
                  UUID job = UUID.fromString(new JsonObject(r.body()).getString("id"));
                  writer.jobs.put(job, body);
                  acknowledged.incrementAndGet();
                  read(writer, unexpected, http, token, base + "/api/analysis-jobs/" + job, null);
                  continue;
                }
              }
              default -> {
                body = new JsonObject().put("description", "v" + w + "-" + n);
                r = write(writer, "update", body, http, token, "PATCH", base + "/api/designs/" + writer.own);
                if (r.statusCode() == 200) {
                  writer.updates++;
                  writer.lastDescription = body.getString("description");
                  acknowledged.incrementAndGet();
                  read(writer, unexpected, http, token, base + "/api/designs/" + writer.own, writer.lastDescription);
                  continue;
                }
              }
            }
            if (r.statusCode() == 201) {
              acknowledged.incrementAndGet();
            } else {
              unexpected.add(r.statusCode() + " " + r.body());
            }
          }
        } catch (IOException | InterruptedException e) {
          // the server died under this request: writer.inFlightKind says whether it was a write
        } finally {
          done.countDown();
        }
      }, "kill-writer-" + w);
      t.setDaemon(true);
      t.start();
    }

    // kill when enough has been acknowledged AND the worker has just begun integrating a job (not about to finish it)
    long writing = System.currentTimeMillis();
    Waits.until(() -> acknowledged.get() >= 80, Duration.ofSeconds(30), Duration.ofMillis(10), "80 writes acknowledged");
    String before = jobInComputation();
    String[] computing = {null};
    until(() -> {
      computing[0] = jobInComputation();
      return computing[0] != null && !computing[0].equals(before);
    }, Duration.ofSeconds(20), Duration.ofMillis(2), "the worker beginning another job");
    int ackedAtKill = acknowledged.get();
    long killAt = System.currentTimeMillis();
    server.kill(); // SIGKILL: nothing flushed, no shutdown hook, no job handed back
    long writingMs = killAt - writing;
    assertThat(done.await(30, TimeUnit.SECONDS)).as("every writer saw the server die").isTrue();
    assertThat(unexpected).as("answers other than 200/201 before the kill").isEmpty();
    assertThat(ackedAtKill).as("writes acknowledged before the kill").isGreaterThanOrEqualTo(80);
    OffsetDateTime killedAt = (OffsetDateTime) one("SELECT now() AS now").get("now");

    // ---- what PostgreSQL holds, read directly, before anything restarts
    Map<UUID, OffsetDateTime> runningAtKill = new HashMap<>();
    for (Map<String, Object> r : all("SELECT id, started_at FROM analysis_jobs WHERE status = 'RUNNING'")) {
      runningAtKill.put((UUID) r.get("id"), (OffsetDateTime) r.get("started_at"));
    }
    assertThat(computing[0]).as("a job entered its computation while the writers wrote").isNotNull();
    assertThat(runningAtKill).as("the job the worker was computing at the kill (%s), left RUNNING", computing[0])
        .containsOnlyKeys(UUID.fromString(computing[0]));
    long pendingAtKill = count("SELECT count(*) FROM analysis_jobs WHERE status = 'PENDING'");
    long completedBeforeKill = count("SELECT count(*) FROM analysis_jobs WHERE status = 'COMPLETED'");
    assertThat(count("SELECT count(*) FROM analysis_jobs WHERE status = 'FAILED'")).as("failed jobs").isZero();
    assertThat(pendingAtKill).as("a queue left behind").isPositive();

    int seriesAcked = 0;
    int designsAcked = 0;
    int jobsAcked = 0;
    int updatesAcked = 0;
    int cutOffWrites = 0;
    int cutOffReads = 0;
    int cutOffLanded = 0;
    Set<UUID> ackedJobs = new HashSet<>(List.of(uploadJob));
    Map<UUID, Double> densities = new HashMap<>();
    densities.put(uploadJob, 1.0);
    for (Writer w : writers) {
      for (Map.Entry<UUID, JsonObject> e : w.series.entrySet()) {
        JsonObject sent = e.getValue();
        Map<String, Object> row = one("SELECT organization_id, part_number, name, description, created_by FROM design_series "
            + "WHERE id = ?", e.getKey());
        assertThat(row).as("acknowledged series " + e.getKey()).isNotNull();
        assertThat(row.get("organization_id")).isEqualTo(org);
        assertThat(row.get("part_number")).isEqualTo(sent.getString("part_number"));
        assertThat(row.get("name")).isEqualTo(sent.getString("name"));
        assertThat(row.get("description")).isEqualTo(sent.getString("description"));
        assertThat(row.get("created_by")).isEqualTo(user);
        assertCreateAudited(Entity.DESIGN_SERIES, e.getKey(), sent, org);
        seriesAcked++;
      }
      for (Map.Entry<UUID, JsonObject> e : w.designs.entrySet()) {
        JsonObject sent = e.getValue();
        Map<String, Object> row = one("SELECT series_id, organization_id, filename, file_format, description FROM design_assets "
            + "WHERE id = ?", e.getKey());
        assertThat(row).as("acknowledged design " + e.getKey()).isNotNull();
        assertThat(row.get("series_id").toString()).isEqualTo(sent.getString("series"));
        assertThat(row.get("organization_id")).isEqualTo(org);
        assertThat(row.get("filename")).isEqualTo(sent.getString("filename"));
        assertThat(row.get("file_format")).isEqualTo("stl");
        assertThat(row.get("description")).isEqualTo(sent.getString("description"));
        assertCreateAudited(Entity.DESIGN_ASSET, e.getKey(), sent, org);
        designsAcked++;
      }
      for (Map.Entry<UUID, JsonObject> e : w.jobs.entrySet()) {
        JsonObject sent = e.getValue();
        Map<String, Object> row = one("SELECT design_id, organization_id, job_type, parameters::text AS parameters, created_by "
            + "FROM analysis_jobs WHERE id = ?", e.getKey());
        assertThat(row).as("acknowledged job " + e.getKey()).isNotNull();
        assertThat(row.get("design_id").toString()).isEqualTo(sent.getString("design"));
        assertThat(row.get("organization_id")).isEqualTo(org);
        assertThat(row.get("job_type")).isEqualTo("MASS_PROPERTIES");
        assertThat(new JsonObject((String) row.get("parameters"))).isEqualTo(sent.getJsonObject("parameters"));
        assertThat(row.get("created_by")).isEqualTo(user);
        assertCreateAudited(Entity.ANALYSIS_JOB, e.getKey(), sent, org);
        ackedJobs.add(e.getKey());
        densities.put(e.getKey(), sent.getJsonObject("parameters").getDouble("density"));
        jobsAcked++;
      }
      // the writer's own design: the last acknowledged value, or the cut-off update whole; one UPDATE audit row each
      String now = (String) one("SELECT description FROM design_assets WHERE id = ?", w.own).get("description");
      long updateAudits = count("SELECT count(*) FROM audit_logs WHERE resource_type = ? AND resource_id = ? AND action = 'UPDATE'",
          Entity.DESIGN_ASSET.model(), w.own.toString());
      boolean cutOffUpdateLanded = "update".equals(w.inFlightKind) && w.inFlightBody.getString("description").equals(now);
      assertThat(now).as("writer %d's own design", w.index)
          .isEqualTo(cutOffUpdateLanded ? w.inFlightBody.getString("description") : w.lastDescription);
      assertThat(updateAudits).as("writer %d's UPDATE audit rows: one per committed update", w.index)
          .isEqualTo(w.updates + (cutOffUpdateLanded ? 1 : 0));
      updatesAcked += w.updates;
      if (w.inFlightKind != null) {
        cutOffWrites++;
      }
      if (w.cutOffReading) {
        cutOffReads++;
      }
      if (cutOffUpdateLanded) {
        cutOffLanded++;
      }
    }

    // rows nobody was told about: only a write cut off by the kill, whole (its audit row matches what was sent)
    List<String> cutOff = new ArrayList<>(); // "kind body", bodies compared as JSON (key order aside)
    for (Writer w : writers) {
      if (w.inFlightKind != null && !w.inFlightKind.equals("update")) {
        cutOff.add(w.inFlightKind + " " + new JsonObject(new TreeMap<>(w.inFlightBody.getMap())).encode());
      }
    }
    Set<UUID> known = new HashSet<>(seeded);
    writers.forEach(w -> {
      known.addAll(w.series.keySet());
      known.addAll(w.designs.keySet());
      known.addAll(w.jobs.keySet());
    });
    known.add(uploadJob);
    for (Map<String, Object> r : all("SELECT id, 'series' AS kind, organization_id FROM design_series UNION ALL "
        + "SELECT id, 'design', organization_id FROM design_assets UNION ALL SELECT id, 'job', organization_id FROM analysis_jobs")) {
      UUID id = (UUID) r.get("id");
      if (known.contains(id)) {
        continue;
      }
      Map<String, Object> audit = one("SELECT changes::text AS changes FROM audit_logs WHERE resource_id = ? AND action = 'CREATE'",
          id.toString());
      assertThat(audit).as("unacknowledged %s %s has its CREATE audit row", r.get("kind"), id).isNotNull();
      JsonObject sent = new JsonObject((String) audit.get("changes"));
      assertThat(cutOff).as("unacknowledged %s %s (%s) is a write cut off by the kill", r.get("kind"), id, sent)
          .contains(r.get("kind") + " " + new JsonObject(new TreeMap<>(sent.getMap())).encode());
      cutOffLanded++;
      if ("job".equals(r.get("kind"))) {
        densities.put(id, sent.getJsonObject("parameters").getDouble("density"));
      }
    }
    // no half-written row anywhere: every row of the writers has its CREATE audit row and every CREATE audit row its row
    for (Entity e : List.of(Entity.DESIGN_SERIES, Entity.DESIGN_ASSET, Entity.ANALYSIS_JOB)) {
      String table = e.table();
      assertThat(count("SELECT count(*) FROM " + table + " t WHERE NOT (t.id = ANY (?)) AND (SELECT count(*) FROM audit_logs a "
              + "WHERE a.resource_type = ? AND a.resource_id = t.id::text AND a.action = 'CREATE') <> 1",
          sql.createArrayOf("uuid", seeded.toArray()), e.model())).as(table + " rows without exactly one CREATE audit row").isZero();
      assertThat(count("SELECT count(*) FROM audit_logs a WHERE a.resource_type = ? AND a.action = 'CREATE' "
          + "AND NOT EXISTS (SELECT 1 FROM " + table + " t WHERE t.id::text = a.resource_id)", e.model()))
          .as("CREATE audit rows of " + table + " without their row").isZero();
    }
    for (Map<String, Object> r : all("SELECT series_id, count(*) AS n, count(DISTINCT version) AS distinct_versions, "
        + "min(version) AS lowest, max(version) AS highest FROM design_assets GROUP BY series_id")) {
      assertThat(List.of(r.get("distinct_versions"), ((Number) r.get("lowest")).longValue(), ((Number) r.get("highest")).longValue()))
          .as("design versions of series %s: 1..n, no gap, no duplicate", r.get("series_id"))
          .containsExactly(r.get("n"), 1L, r.get("n"));
    }
    long rowsFound = seriesAcked + designsAcked + jobsAcked;
    long jobsInDatabase = count("SELECT count(*) FROM analysis_jobs");

    // ---- second life, same database, same Redis, same key prefix: the queue is worked off
    long restart0 = System.nanoTime();
    server = ServerProcess.start(env, "faults-kill-during-writes-second");
    long restartMs = server.awaitReady();
    until(() -> count("SELECT count(*) FROM analysis_jobs WHERE status IN ('PENDING', 'RUNNING')") == 0,
        Duration.ofSeconds(180), Duration.ofMillis(200), "every queued job processed after the restart");
    long allDoneMs = (System.nanoTime() - restart0) / 1_000_000;
    long processedAfterRestart = count("SELECT count(*) FROM analysis_jobs WHERE finished_at > ?", killedAt);
    assertThat(processedAfterRestart).as("jobs finished by the second life").isEqualTo(pendingAtKill + runningAtKill.size());
    for (Map<String, Object> r : all("SELECT id, status, progress, error_message, started_at, finished_at, "
        + "(result->>'triangle_count')::bigint AS triangles, (result->>'volume')::float8 AS volume, "
        + "(result->>'mass')::float8 AS mass FROM analysis_jobs")) {
      UUID id = (UUID) r.get("id");
      assertThat(r.get("status")).as("job %s (%s)", id, r.get("error_message")).isEqualTo("COMPLETED");
      assertThat(r.get("progress")).isEqualTo(100);
      assertThat(r.get("triangles")).as("job %s geometry", id).isEqualTo(TRIANGLES);
      assertThat((Double) r.get("volume")).isCloseTo(1.0, offset(1e-4));
      assertThat(densities).as("job %s is one that was sent", id).containsKey(id);
      assertThat((Double) r.get("mass")).as("job %s mass = its density × volume", id)
          .isCloseTo(densities.get(id) * (Double) r.get("volume"), offset(1e-6));
    }
    assertThat(densities.keySet()).as("every acknowledged job is among the completed").containsAll(ackedJobs);
    for (Map.Entry<UUID, OffsetDateTime> e : runningAtKill.entrySet()) {
      Map<String, Object> r = one("SELECT started_at, finished_at FROM analysis_jobs WHERE id = ?", e.getKey());
      assertThat(((OffsetDateTime) r.get("started_at")).toInstant()).as("the job RUNNING at the kill was reclaimed, not re-queued")
          .isEqualTo(e.getValue().toInstant());
      assertThat(((OffsetDateTime) r.get("finished_at")).toInstant()).isAfter(killedAt.toInstant());
    }

    // ---- reads through the restarted server: the acknowledged data, nothing the dead server had cached
    String again = login(http, base);
    int reads = 0;
    for (Writer w : writers) {
      for (Map.Entry<UUID, JsonObject> e : w.series.entrySet()) {
        JsonObject got = get(http, again, base + "/api/series/" + e.getKey());
        assertThat(got.getString("part_number")).isEqualTo(e.getValue().getString("part_number"));
        reads++;
      }
      for (Map.Entry<UUID, JsonObject> e : w.designs.entrySet()) {
        JsonObject got = get(http, again, base + "/api/designs/" + e.getKey());
        assertThat(got.getString("filename")).isEqualTo(e.getValue().getString("filename"));
        assertThat(got.getString("description")).isEqualTo(e.getValue().getString("description"));
        reads++;
      }
      for (UUID job : w.jobs.keySet()) {
        JsonObject got = get(http, again, base + "/api/analysis-jobs/" + job);
        assertThat(got.getString("status")).as("job %s read through the restarted server", job).isEqualTo("COMPLETED");
        assertThat(got.getJsonObject("result").getLong("triangle_count")).isEqualTo(TRIANGLES);
        reads++;
      }
      JsonObject own = get(http, again, base + "/api/designs/" + w.own);
      assertThat(own.getString("description")).as("writer %d's own design read through the restarted server", w.index)
          .isEqualTo(one("SELECT description FROM design_assets WHERE id = ?", w.own).get("description"));
      reads++;
    }

    System.out.printf("FAULTS KILL-9 writers=%d writing-ms=%d acknowledged=%d (series=%d designs=%d jobs=%d updates=%d) "
            + "writes-in-flight-at-kill=%d reads-in-flight-at-kill=%d in-flight-writes-committed=%d rows-found=%d/%d missing=0 "
            + "job-compute-ms=%d jobs-acknowledged=%d jobs-in-db=%d (completed-before-kill=%d pending-at-kill=%d running-at-kill=%d) "
            + "jobs-processed-after-restart=%d first-start-ms=%d restart-ms=%d all-jobs-done-after-restart-ms=%d reads-after-restart=%d%n",
        WRITERS, writingMs, ackedAtKill, seriesAcked, designsAcked, jobsAcked, updatesAcked, cutOffWrites, cutOffReads,
        cutOffLanded, rowsFound, rowsFound, computeMs, ackedJobs.size(), jobsInDatabase, completedBeforeKill, pendingAtKill, runningAtKill.size(),
        processedAfterRestart, firstUp, restartMs, allDoneMs, reads);
  }

  // ------------------------------------------------------------------ helpers

  /** Exactly one CREATE audit row for the row, in its organization, by the writer, whose changes are what was sent. */
  private void assertCreateAudited(Entity entity, UUID id, JsonObject sent, UUID org) throws SQLException {
    List<Map<String, Object>> rows = all("SELECT organization_id, actor_username, changes::text AS changes FROM audit_logs "
        + "WHERE resource_type = ? AND resource_id = ? AND action = 'CREATE'", entity.model(), id.toString());
    assertThat(rows).as("CREATE audit rows of %s %s", entity.model(), id).hasSize(1);
    assertThat(rows.get(0).get("organization_id")).isEqualTo(org);
    assertThat(rows.get(0).get("actor_username")).isEqualTo(USER);
    assertThat(new JsonObject((String) rows.get(0).get("changes"))).as("audited changes of %s", id).isEqualTo(sent);
  }

  /** The id of the job the worker is integrating (progress 10 is reported just before the computation). */
  /** A condition read from PostgreSQL. */
  private interface SqlCondition {
    boolean holds() throws SQLException;
  }

  /** {@link Waits#until} for a condition read from PostgreSQL. */
  private static void until(SqlCondition condition, Duration within, Duration every, String what) {
    Waits.until(() -> {
      try {
        return condition.holds();
      } catch (SQLException e) {
        throw new IllegalStateException(what + ": " + e.getMessage(), e);
      }
    }, within, every, what);
  }

  private String jobInComputation() throws SQLException {
    Map<String, Object> r = one("SELECT id::text AS id FROM analysis_jobs WHERE status = 'RUNNING' AND progress = 10 LIMIT 1");
    return r == null ? null : (String) r.get("id");
  }

  private Map<String, Object> one(String query, Object... params) throws SQLException {
    List<Map<String, Object>> rows = all(query, params);
    return rows.isEmpty() ? null : rows.get(0);
  }

  private long count(String query, Object... params) throws SQLException {
    return ((Number) one(query, params).values().iterator().next()).longValue();
  }

  private List<Map<String, Object>> all(String query, Object... params) throws SQLException {
    try (PreparedStatement ps = sql.prepareStatement(query)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      List<Map<String, Object>> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= md.getColumnCount(); c++) {
            Object v = rs.getObject(c);
            if (md.getColumnTypeName(c).equals("timestamptz")) {
              v = rs.getObject(c, OffsetDateTime.class);
            }
            row.put(md.getColumnLabel(c), v);
          }
          out.add(row);
        }
      }
      return out;
    }
  }

  /** A write: remembered as in flight until its answer arrives (an IOException leaves it so). */
  private static HttpResponse<String> write(Writer w, String kind, JsonObject body, HttpClient http, String token,
                                            String method, String url) throws IOException, InterruptedException {
    w.inFlightKind = kind;
    w.inFlightBody = body;
    HttpResponse<String> r = send(http, token, method, url, body);
    w.inFlightKind = null;
    w.inFlightBody = null;
    return r;
  }

  /** A read right after an acknowledged write (it fills the cache the second life must not trust). */
  private static void read(Writer w, List<String> unexpected, HttpClient http, String token, String url, String description)
      throws IOException, InterruptedException {
    w.cutOffReading = true;
    HttpResponse<String> r = send(http, token, "GET", url, null);
    w.cutOffReading = false;
    if (r.statusCode() != 200) {
      unexpected.add("GET " + url + ": " + r.statusCode() + " " + r.body());
    } else if (description != null && !description.equals(new JsonObject(r.body()).getString("description"))) {
      unexpected.add("GET " + url + " after its update: " + r.body());
    }
  }

  private static JsonObject get(HttpClient http, String token, String url) throws IOException, InterruptedException {
    HttpResponse<String> r = send(http, token, "GET", url, null);
    assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static String login(HttpClient http, String base) throws Exception {
    return ServerProcess.login(http, base, USER);
  }

  private static HttpResponse<String> send(HttpClient http, String token, String method, String url, JsonObject body)
      throws IOException, InterruptedException {
    return ServerProcess.send(http, token, method, url, body);
  }

  /**
   * The unit cube [0,1]³ as a binary STL, each face a {@code k × k} grid of squares (two triangles each), wound
   * outward: closed, volume 1, {@code 12·k²} triangles — big enough that integrating it takes the worker a while.
   */
  static byte[] subdividedCubeStl(int k) {
    int triangles = 12 * k * k;
    ByteBuffer b = ByteBuffer.allocate(84 + 50 * triangles).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[80]).putInt(triangles);
    for (int axis = 0; axis < 3; axis++) {
      int u = (axis + 1) % 3;
      int v = (axis + 2) % 3;
      for (int side = 0; side <= 1; side++) {
        for (int i = 0; i < k; i++) {
          for (int j = 0; j < k; j++) {
            float[] p00 = point(axis, side, u, (float) i / k, v, (float) j / k);
            float[] p10 = point(axis, side, u, (float) (i + 1) / k, v, (float) j / k);
            float[] p11 = point(axis, side, u, (float) (i + 1) / k, v, (float) (j + 1) / k);
            float[] p01 = point(axis, side, u, (float) i / k, v, (float) (j + 1) / k);
            // e_u × e_v = e_axis: counter-clockwise seen from +axis, so the side at 1 keeps the order, the side at 0 reverses it
            float[][][] tris = side == 1
                ? new float[][][] {{p00, p10, p11}, {p00, p11, p01}}
                : new float[][][] {{p00, p11, p10}, {p00, p01, p11}};
            for (float[][] t : tris) {
              b.putFloat(0).putFloat(0).putFloat(0);
              for (float[] p : t) {
                b.putFloat(p[0]).putFloat(p[1]).putFloat(p[2]);
              }
              b.putShort((short) 0);
            }
          }
        }
      }
    }
    return b.array();
  }

  private static float[] point(int axis, int side, int u, float pu, int v, float pv) {
    float[] p = new float[3];
    p[axis] = side;
    p[u] = pu;
    p[v] = pv;
    return p;
  }
}
