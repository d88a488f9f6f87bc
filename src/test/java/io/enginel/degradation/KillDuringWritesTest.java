package io.enginel.degradation;

import io.enginel.config.EnginelConfig;
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
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server, a separate JVM started as an operator would ({@code java … io.enginel.Main serve} with
 * {@code ENGINEL_*} variables), is killed with SIGKILL while eight clients write through it. After a restart
 * on the same database: every write it acknowledged is there with what was sent and its audit row, the one in
 * flight per client is there wholly or not at all, and every analysis job it queued is processed — none lost
 * or left running.
 */
class KillDuringWritesTest {
  static final int WRITERS = 8;
  private ServerProcess server;
  private TestDatabase db;
  private EnginelConfig config;

  @AfterEach
  void cleanUp() {
    if (server != null) {
      server.close();
    }
    if (config != null) {
      PrefixedKeys.delete(config); // the prefix both lives of the server used is this test's own
    }
    if (db != null) {
      db.close();
    }
  }

  /** What one writer was told: acknowledged ids and values, and what it had sent when the server died. */
  static final class Writer {
    final List<UUID> designs = new ArrayList<>();
    final List<UUID> jobs = new ArrayList<>();
    final UUID own; // a design only this writer updates
    String lastDescription = "seeded";
    String inFlightDescription;

    Writer(UUID own) {
      this.own = own;
    }
  }

  @Test
  void noAcknowledgedWriteIsMissingAndNoQueuedJobIsLostAfterKillMinus9() throws Exception {
    db = TestDatabase.create();
    config = TestServer.baseConfig(db.uri(), TestServices.redisUri());
    PgSetup.migrate(config.pg());
    Fixtures f = new Fixtures(db);
    UUID org = f.organization("Killed");
    f.member(org, f.user("writer"), "EDITOR");
    UUID series = f.series(org, "PN-KILL");
    List<Writer> writers = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      writers.add(new Writer(f.design(series, "own-" + i + ".stl", "seeded")));
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
        "ENGINEL_STORAGE_DIR", Files.createTempDirectory("enginel-kill").toString(),
        "ENGINEL_JOBS_POLL_MS", "200",
        "ENGINEL_JOBS_STALE_AFTER_SECONDS", "5"));
    env.put("ENGINEL_JOBS_WORKERS", "0"); // the first life only queues: every job it acknowledged waits for the second
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String base = "http://127.0.0.1:" + port;

    server = ServerProcess.start(env, "kill-during-writes-first");
    long firstUp = server.awaitReady();
    String token = login(http, base);

    // eight writers: create designs, queue jobs, update their own design, until the server dies under them
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(WRITERS);
    for (int w = 0; w < WRITERS; w++) {
      Writer writer = writers.get(w);
      int id = w;
      Thread t = new Thread(() -> {
        try {
          for (int n = 0; ; n++) {
            HttpResponse<String> r;
            switch (n % 3) {
              case 0 -> {
                r = send(http, token, "POST", base + "/api/designs", new JsonObject().put("series", series.toString())
                    .put("filename", "w" + id + "-" + n + ".stl").put("file_format", "stl").put("description", "w" + id + "-" + n));
                if (r.statusCode() == 201) {
                  writer.designs.add(UUID.fromString(new JsonObject(r.body()).getString("id")));
                }
              }
              case 1 -> {
                UUID target = writer.designs.isEmpty() ? writer.own : writer.designs.get(writer.designs.size() - 1);
                r = send(http, token, "POST", base + "/api/analysis-jobs", new JsonObject().put("design", target.toString())
                    .put("job_type", "MASS_PROPERTIES").put("parameters", new JsonObject().put("density", 2.7)));
                if (r.statusCode() == 201) {
                  writer.jobs.add(UUID.fromString(new JsonObject(r.body()).getString("id")));
                }
              }
              default -> {
                writer.inFlightDescription = "v" + n;
                r = send(http, token, "PATCH", base + "/api/designs/" + writer.own,
                    new JsonObject().put("description", writer.inFlightDescription));
                if (r.statusCode() == 200) {
                  writer.lastDescription = writer.inFlightDescription;
                  writer.inFlightDescription = null;
                }
              }
            }
            if (r.statusCode() == 200 || r.statusCode() == 201) {
              acknowledged.incrementAndGet();
            } else {
              unexpected.add(r.statusCode() + " " + r.body());
            }
          }
        } catch (IOException | InterruptedException e) {
          failed.incrementAndGet(); // the server died under this request
        } finally {
          done.countDown();
        }
      }, "writer-" + w);
      t.setDaemon(true);
      t.start();
    }
    // kill once enough writes have been acknowledged (a cold JVM on two shared cores starts slowly), mid-stream
    Waits.until(() -> acknowledged.get() >= 60, Duration.ofSeconds(15), "60 writes acknowledged");
    int ackedBeforeKill = acknowledged.get();
    server.kill(); // SIGKILL: nothing flushed, no shutdown hook
    assertThat(done.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("every writer saw the server die").isTrue();
    assertThat(ackedBeforeKill).as("writes acknowledged before the kill").isGreaterThan(30);
    assertThat(unexpected).as("answers other than 200/201 before the kill").isEmpty();

    // what the database holds, read directly
    int designs = 0;
    int jobs = 0;
    int inFlightLanded = 0;
    for (Writer w : writers) {
      for (UUID d : w.designs) {
        assertThat(f.queryLong("SELECT count(*) FROM design_assets WHERE id = ?", d)).as("acknowledged design " + d).isEqualTo(1);
        assertThat(f.queryLong("SELECT count(*) FROM audit_logs WHERE resource_id = ? AND action = 'CREATE'", d.toString()))
            .as("its audit row, written in the same transaction").isEqualTo(1);
        designs++;
      }
      for (UUID j : w.jobs) {
        assertThat(f.queryLong("SELECT count(*) FROM analysis_jobs WHERE id = ?", j)).as("acknowledged job " + j).isEqualTo(1);
        jobs++;
      }
      String now = f.queryString("SELECT description FROM design_assets WHERE id = ?", w.own);
      if (w.inFlightDescription != null && w.inFlightDescription.equals(now)) {
        inFlightLanded++; // committed, but the answer never reached the client: allowed, and whole
      } else {
        assertThat(now).as("writer's own design: the last acknowledged value").isEqualTo(w.lastDescription);
      }
    }
    assertThat(f.queryLong("SELECT count(*) FROM design_assets d WHERE NOT EXISTS (SELECT 1 FROM audit_logs a "
        + "WHERE a.resource_id = d.id::text AND a.action = 'CREATE') AND d.filename LIKE 'w%'"))
        .as("designs committed without their audit row").isZero();
    long pendingAtKill = f.queryLong("SELECT count(*) FROM analysis_jobs WHERE status IN ('PENDING', 'RUNNING')");
    assertThat(pendingAtKill).as("queued jobs, untouched by the first life").isGreaterThanOrEqualTo(jobs);

    // second life, with job workers: every queued job is taken and finished
    env.put("ENGINEL_JOBS_WORKERS", "1");
    long restart0 = System.nanoTime();
    server = ServerProcess.start(env, "kill-during-writes-second");
    server.awaitReady();
    long restartMs = (System.nanoTime() - restart0) / 1_000_000;
    Waits.until(() -> f.queryLong("SELECT count(*) FROM analysis_jobs WHERE status IN ('PENDING', 'RUNNING')") == 0,
        Duration.ofSeconds(60), Duration.ofMillis(200), "every queued job processed after the restart");
    long processedMs = (System.nanoTime() - restart0) / 1_000_000;
    for (Writer w : writers) {
      for (UUID j : w.jobs) {
        assertThat(f.queryString("SELECT status FROM analysis_jobs WHERE id = ?", j)).isIn("COMPLETED", "FAILED");
      }
    }
    String again = login(http, base);
    for (Writer w : writers) {
      HttpResponse<String> r = send(http, again, "GET", base + "/api/designs/" + w.own, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getString("description"))
          .isEqualTo(f.queryString("SELECT description FROM design_assets WHERE id = ?", w.own));
      for (UUID d : w.designs) {
        assertThat(send(http, again, "GET", base + "/api/designs/" + d, null).statusCode()).isEqualTo(200);
      }
    }
    System.out.printf("KILL-9 writers=%d acknowledged=%d (designs=%d jobs=%d updates=%d) cut-off-in-flight=%d "
            + "in-flight-updates-committed=%d missing=0 jobs-queued=%d jobs-processed-after-restart=%d "
            + "first-start-ms=%d restart-ms=%d all-jobs-done-after-ms=%d%n",
        WRITERS, acknowledged.get(), designs, jobs, acknowledged.get() - designs - jobs, failed.get(), inFlightLanded,
        pendingAtKill, pendingAtKill, firstUp, restartMs, processedMs);
  }

  private static String login(HttpClient http, String base) throws Exception {
    return ServerProcess.login(http, base, "writer");
  }

  private static HttpResponse<String> send(HttpClient http, String token, String method, String url, JsonObject body)
      throws IOException, InterruptedException {
    return ServerProcess.send(http, token, method, url, body);
  }
}
