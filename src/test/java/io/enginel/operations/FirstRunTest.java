package io.enginel.operations;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.enginel.config.ConfigLoader;
import io.enginel.config.EnginelConfig;
import io.enginel.support.CommandProcess;
import io.enginel.support.CommandProcess.Finished;
import io.enginel.support.PrefixedKeys;
import io.enginel.support.ServerProcess;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first run, as a new user makes it: the commands of the README in processes of their own. A command that
 * cannot run says why in one line, without a stack trace unless {@code --verbose}; {@code seed} run while the
 * server serves on the embedded PostgreSQL seeds that server's database, shows its progress, and returns only once
 * the server has dropped what it cached, so the next read shows the seeded rows.
 */
class FirstRunTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void anUnknownCommandIsOneLineSayingWhyWithNoStackTrace() {
    Finished r = CommandProcess.run(Map.of(), "firstrun-unknown", 60, "frobnicate");

    assertThat(r.exitStatus()).isEqualTo(2);
    assertThat(r.lines()).hasSize(1);
    assertThat(r.err()).startsWith("enginel: unknown command 'frobnicate'; usage: java -jar enginel.jar [serve | seed");
    assertThat(r.all()).doesNotContain("at io.").doesNotContain("Exception");
  }

  @Test
  void aScaleThatIsNotAWholeNumberOfAtLeastOneIsRefusedInOneLine() {
    Finished r = CommandProcess.run(Map.of(), "firstrun-scale", 60, "seed", "--scale", "0");

    assertThat(r.exitStatus()).isEqualTo(2);
    assertThat(r.lines()).containsExactly("enginel: --scale takes a whole number from 1 to 1000, not '0'; usage: "
        + "java -jar enginel.jar [serve | seed [--scale N] | migrate] [--verbose]");
  }

  @Test
  void aBadConfigurationValueIsOneLineNamingIt() {
    Finished r = CommandProcess.run(Map.of("ENGINEL_HTTP_PORT", "eighty"), "firstrun-config", 60, "serve");

    assertThat(r.exitStatus()).isEqualTo(2);
    assertThat(r.lines()).hasSize(1);
    assertThat(r.err()).startsWith("enginel: bad configuration: ENGINEL_HTTP_PORT: 'eighty' is not a valid integer");
  }

  @Test
  void aPortInUseIsOneLineSayingWhatToDo() throws IOException {
    try (ServerSocket taken = new ServerSocket(0)) {
      Finished r = CommandProcess.run(Map.of("ENGINEL_HTTP_PORT", Integer.toString(taken.getLocalPort())),
          "firstrun-port", 60, "serve");

      assertThat(r.exitStatus()).isEqualTo(1);
      assertThat(r.lines()).containsExactly("enginel: port " + taken.getLocalPort() + " is in use by another process: "
          + "stop it, or set ENGINEL_HTTP_PORT to a free port");
    }
  }

  @Test
  void anUnreachablePostgresIsOneLineAndVerboseAddsTheStackTrace() {
    Map<String, String> env = Map.of("ENGINEL_PG_URI", "postgresql://postgres@127.0.0.1:" + TestServer.freePort() + "/enginel");

    Finished plain = CommandProcess.run(env, "firstrun-nopg", 60, "migrate");
    assertThat(plain.exitStatus()).isEqualTo(1);
    assertThat(plain.lines()).hasSize(1);
    assertThat(plain.err()).containsPattern("^enginel: PostgreSQL at 127\\.0\\.0\\.1:\\d+ does not answer \\(Connection "
        + "refused\\): start it, or correct ENGINEL_PG_URI");
    assertThat(plain.all()).doesNotContain("at io.").doesNotContain("at java.").doesNotContain("Exception");

    Finished verbose = CommandProcess.run(env, "firstrun-nopg-verbose", 60, "migrate", "--verbose");
    assertThat(verbose.exitStatus()).isEqualTo(1);
    assertThat(verbose.err()).startsWith(plain.err().lines().findFirst().orElseThrow())
        .contains("java.net.ConnectException").contains("\tat ");
  }

  /**
   * The README's two commands, the second while the first runs: the server on the embedded PostgreSQL of a data
   * directory of its own, then {@code seed --scale 2}. A list read and cached before the seed (user1 there, in no
   * organization yet) shows the seeded designs on the very next read after it.
   */
  @Test
  void seedWhileTheServerRunsOnTheEmbeddedPostgresSeedsItsDatabaseAndItsCacheFollows() throws Exception {
    Path data = Files.createTempDirectory("enginel-firstrun");
    int pgPort = TestServer.freePort();
    Map<String, String> env = new HashMap<>(Map.of(
        "ENGINEL_EMBEDDED_DATA_DIR", data.toString(),
        "ENGINEL_EMBEDDED_PG_PORT", Integer.toString(pgPort),
        "ENGINEL_HTTP_HOST", "127.0.0.1",
        "ENGINEL_REDIS_URI", TestServices.redisUri(),
        "ENGINEL_CACHE_KEY_PREFIX", "fr" + UUID.randomUUID().toString().substring(0, 8),
        "ENGINEL_AUTH_BCRYPT_COST", "4",
        "ENGINEL_JOBS_WORKERS", "0",
        "ENGINEL_STORAGE_DIR", data.resolve("files").toString()));
    Map<String, String> serverEnv = new HashMap<>(env);
    serverEnv.put("ENGINEL_HTTP_PORT", Integer.toString(TestServer.freePort()));
    try (ServerProcess server = ServerProcess.start(serverEnv, "firstrun-server")) {
      server.awaitReady();
      assertThat(Files.readString(data.resolve("embedded.json"))).contains("\"command\" : \"serve\"")
          .contains("\"pid\" : " + server.pid());
      Waits.until(() -> notifyInvalidations(server) >= 1, Duration.ofSeconds(10), "the start-up invalidation");

      try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=postgres")) {
        // user1 as the seed would write it, but before the seed: a member of no organization
        update(db, "INSERT INTO users (id, username, email, password_hash, is_staff) VALUES (1, 'user1', "
            + "'user1@enginel.test', '" + BCrypt.withDefaults().hashToString(4, "pass1".toCharArray()) + "', true)");
        Waits.until(() -> notifyInvalidations(server) >= 2, Duration.ofSeconds(10), "the invalidation of user1's row");
        String token = new JsonObject(send(server, null, "POST", "/api/auth/login",
            new JsonObject().put("username", "user1").put("password", "pass1")).body()).getString("token");
        assertThat(count(send(server, token, "GET", "/api/designs/?page_size=1", null))).isZero();
        HttpResponse<String> cached = send(server, token, "GET", "/api/designs/?page_size=1", null);
        assertThat(cached.headers().firstValue("X-Cache")).hasValue("HIT");

        Finished seed = CommandProcess.run(env, "firstrun-seed", 240, "seed", "--scale", "2");

        assertThat(seed.exitStatus()).as(seed.all()).isZero();
        assertThat(seed.out()).contains("using it (postgresql://postgres@127.0.0.1:" + pgPort + "/postgres)")
            .containsPattern("seed: design_assets +20,000 / 40,000 rows +50%")
            .containsPattern("seed: design_assets +40,000 / 40,000 rows +100%")
            .containsPattern("seed: assembly_nodes +120,000 / 120,000 rows +100%")
            .containsPattern("seed: running node\\(s\\) enginel/\\w+ invalidated their caches")
            .doesNotContain("Exception");
        assertThat(seed.out().lines().reduce((a, b) -> b).orElseThrow()).startsWith("seeded scale 2 in ")
            .contains("inserted 10 organizations, 99 users");
        assertThat(rows(db, "organizations")).isEqualTo(10);
        assertThat(rows(db, "users")).isEqualTo(100);
        assertThat(rows(db, "design_series")).isEqualTo(2 * 1_000);
        assertThat(rows(db, "design_assets")).isEqualTo(2 * 20_000);
        assertThat(rows(db, "assembly_nodes")).isEqualTo(2 * 60_000);

        HttpResponse<String> after = send(server, token, "GET", "/api/designs/?page_size=1", null);
        assertThat(after.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(count(after)).isPositive().isEqualTo(rows(db, "design_assets WHERE organization_id IN "
            + "(SELECT organization_id FROM memberships WHERE user_id = 1)"));
      }

      Map<String, String> secondEnv = new HashMap<>(env);
      secondEnv.put("ENGINEL_HTTP_PORT", Integer.toString(TestServer.freePort()));
      Finished second = CommandProcess.run(secondEnv, "firstrun-second-server", 60, "serve");
      assertThat(second.exitStatus()).isEqualTo(1);
      assertThat(second.err()).isEqualTo("enginel: the Enginel server (pid " + server.pid() + ") already runs on "
          + data.resolve("postgres") + ": stop it, or give this server its own ENGINEL_EMBEDDED_DATA_DIR and "
          + "ENGINEL_EMBEDDED_PG_PORT\n");

      server.stop();
      assertThat(data.resolve("embedded.json")).doesNotExist();
    } finally {
      PrefixedKeys.delete(EnginelConfig.from(ConfigLoader.loadJson(env))); // the keys of the prefix the server was given
      try (Stream<Path> files = Files.walk(data)) { // the embedded PostgreSQL's files: tens of megabytes
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static HttpResponse<String> send(ServerProcess server, String token, String method, String path,
                                           JsonObject body) {
    try {
      return ServerProcess.send(HTTP, token, method, server.baseUrl() + path, body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long count(HttpResponse<String> list) {
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    return new JsonObject(list.body()).getLong("count");
  }

  /** How many invalidations the node carried out for PostgreSQL notifications (its start-up one included). */
  private static double notifyInvalidations(ServerProcess server) {
    Matcher m = Pattern.compile("(?m)^enginel_invalidations_total\\{source=\"notify\"} (\\S+)$")
        .matcher(send(server, null, "GET", "/metrics", null).body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static void update(Connection db, String sql) throws SQLException {
    try (Statement s = db.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  private static long rows(Connection db, String from) throws SQLException {
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + from)) {
      r.next();
      return r.getLong(1);
    }
  }
}
