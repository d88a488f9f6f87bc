package io.enginel.cluster;

import io.enginel.config.EnginelConfig;
import io.enginel.repository.PgSetup;
import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.ServerProcess;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clustered nodes, the second a JVM of its own; it dies (SIGKILL, no leave message to the cluster). The
 * first keeps answering reads and writes at once — nothing it does waits on the dead member — and what was
 * written through the dead node before it died is read fresh through the survivor.
 */
class NodeDeathTest {
  static TestDatabase db;
  static TestServer survivor;
  static ServerProcess doomed;
  static UUID design;
  static String token;

  @BeforeAll
  static void start() {
    db = TestDatabase.create();
    int hz1 = TestServer.reservedPort();
    int hz2 = TestServer.reservedPort();
    String members = "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2;
    String name = "enginel-death-" + UUID.randomUUID();
    EnginelConfig base = TestServer.baseConfig(db.uri(), TestServices.redisUri())
        .with("cluster.enabled", true).with("cluster.members", members).with("cluster.name", name);
    PgSetup.migrate(base.pg());
    Fixtures f = new Fixtures(db);
    UUID org = f.organization("Mortal");
    f.member(org, f.user("alice"), "EDITOR");
    design = f.design(f.series(org, "PN-DEATH"), "death.stl", "initial");
    survivor = TestServer.startWith(db, base.with("cluster.port", hz1));
    Map<String, String> env = new HashMap<>(Map.of(
        "ENGINEL_PG_URI", db.uri(), "ENGINEL_REDIS_URI", TestServices.redisUri(),
        "ENGINEL_HTTP_HOST", "127.0.0.1", "ENGINEL_HTTP_PORT", Integer.toString(TestServer.freePort()),
        "ENGINEL_CACHE_KEY_PREFIX", base.cache().keyPrefix(), "ENGINEL_AUTH_BCRYPT_COST", "4",
        "ENGINEL_JOBS_WORKERS", "0", "ENGINEL_CLUSTER_ENABLED", "true", "ENGINEL_CLUSTER_MEMBERS", members,
        "ENGINEL_CLUSTER_NAME", name));
    env.put("ENGINEL_CLUSTER_PORT", Integer.toString(hz2));
    env.put("ENGINEL_CLUSTER_SECRET", TestServer.CLUSTER_SECRET);
    doomed = ServerProcess.start(env, "node-death-second");
    doomed.awaitReady();
    token = survivor.login("alice"); // one session, valid on both nodes
  }

  @AfterAll
  static void stop() {
    if (doomed != null) {
      doomed.close();
    }
    if (survivor != null) {
      survivor.close();
    }
  }

  @Test
  void whenANodeDiesTheOtherKeepsServingReadsAndWritesWithoutWaiting() throws Exception {
    assertThat(survivor.get("/ready", null).json().getJsonObject("cluster").getInteger("members")).isEqualTo(2);
    String detail = "/api/designs/" + design;
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> written = ServerProcess.send(http, token, "PATCH", doomed.baseUrl() + detail,
        new JsonObject().put("description", "by the doomed"));
    assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
    assertThat(survivor.get(detail, token).json().getString("description")).isEqualTo("by the doomed");

    doomed.kill();
    long slowest = 0;
    for (int i = 0; i < 40; i++) {
      long t0 = System.nanoTime();
      HttpResult r = i % 4 == 3
          ? survivor.patch(detail, token, new JsonObject().put("description", "after " + i))
          : survivor.get(detail, token);
      slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      if (i % 4 == 3) {
        assertThat(survivor.get(detail, token).json().getString("description")).isEqualTo("after " + i);
      }
    }
    HttpResult ready = survivor.get("/ready", null);
    assertThat(ready.status()).isEqualTo(200);
    System.out.printf("NODE-DEATH requests=40 (10 writes) all-200 slowest-ms=%d members-seen-right-after=%d%n", slowest,
        ready.json().getJsonObject("cluster").getInteger("members"));
    assertThat(slowest).as("nothing waits on the dead member (ms)").isLessThan(2_000);
  }
}
