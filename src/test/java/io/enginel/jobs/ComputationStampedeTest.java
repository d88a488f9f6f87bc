package io.enginel.jobs;

import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 64 concurrent first requests for one design's geometry or BOM compute it once: once in a process (single
 * flight), and once across two processes on one Redis (the compute lease).
 */
class ComputationStampedeTest {
  static TestServer one;
  static TestServer two;
  static UUID series;
  static String token;

  @BeforeAll
  static void start() {
    one = TestServer.start(Map.of("jobs.workers", 1));
    // a second node: same database, same Redis and key prefix, its own port
    two = TestServer.startAlongside(one, one.config.with("http.port", TestServer.freePort()));
    UUID org = one.fixtures.organization("Stampede");
    one.fixtures.member(org, one.fixtures.user("st"), "EDITOR");
    series = one.fixtures.series(org, "PN-ST");
    token = one.login("st");
  }

  @AfterAll
  static void stop() {
    two.close();
    one.close();
  }

  private UUID designWithFile() throws Exception {
    UUID d = one.fixtures.design(series, "cube.stl", "stampede", "COMPLETED");
    GeometryFixtures.attachWithoutJob(one, d, GeometryFixtures.cubeStl());
    return d;
  }

  private UUID designWithBom() {
    UUID d = one.fixtures.design(series, "assembly.step", "stampede", "COMPLETED");
    UUID root = one.fixtures.node(d, null, "P-ROOT", 1);
    for (int i = 0; i < 20; i++) {
      UUID child = one.fixtures.node(d, root, "P-" + i, 2);
      one.fixtures.node(d, child, "P-LEAF", 3);
    }
    return d;
  }

  /** 64 requests at once, spread over the given servers; all must answer 200 with one body. */
  private static void stampede(String path, TestServer... servers) {
    for (TestServer s : servers) {
      s.awaitNotificationsSettled(); // the fixtures' own invalidations must not land mid-stampede
    }
    List<Future<HttpResult>> all = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      all.add(servers[i % servers.length].sendAsync(HttpMethod.GET, path, token, null, Map.of()));
    }
    TestServer.await(Future.all(all));
    String first = all.get(0).result().body().toString();
    for (Future<HttpResult> f : all) {
      assertThat(f.result().status()).as(f.result().toString()).isEqualTo(200);
      assertThat(f.result().body().toString()).isEqualTo(first);
    }
  }

  private static long count(String operation, TestServer... servers) {
    long n = 0;
    for (TestServer s : servers) {
      n += s.queryCount(operation);
    }
    return n;
  }

  @Test
  void sixtyFourConcurrentFirstRequestsForGeometryComputeItOnce() throws Exception {
    UUID design = designWithFile();
    long before = count("store:metadata", one);
    stampede("/api/designs/" + design + "/metadata", one);
    assertThat(count("store:metadata", one) - before).isEqualTo(1);
  }

  @Test
  void twoNodesComputeOneDesignsGeometryOnceBetweenThem() throws Exception {
    UUID design = designWithFile();
    long before = count("store:metadata", one, two);
    stampede("/api/designs/" + design + "/metadata", one, two);
    assertThat(count("store:metadata", one, two) - before).isEqualTo(1);
  }

  @Test
  void anOutsidersRequestForGeometryComputesNothingAndLeavesTheComputationToTheOwner() throws Exception {
    UUID design = designWithFile();
    UUID other = one.fixtures.organization("Elsewhere");
    one.fixtures.member(other, one.fixtures.user("outsider"), "ADMIN");
    String outsider = one.login("outsider");
    one.awaitNotificationsSettled();
    long before = count("store:metadata", one);
    String path = "/api/designs/" + design + "/metadata";
    for (int i = 0; i < 5; i++) {
      HttpResult r = one.get(path, outsider);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.json().getString("error")).isEqualTo("not_found");
    }
    assertThat(count("store:metadata", one) - before).as("computations started by an outsider").isZero();
    assertThat(one.fixtures.queryLong("SELECT count(*) FROM geometry_metadata WHERE design_id = ?", design)).isZero();

    HttpResult owner = one.get(path, token);
    assertThat(owner.status()).isEqualTo(200);
    assertThat(count("store:metadata", one) - before).isEqualTo(1);
    assertThat(one.get(path, outsider).status()).as("the outsider, once it is computed and cached").isEqualTo(404);
  }

  @Test
  void sixtyFourConcurrentFirstRequestsForABomQueryItOnce() {
    UUID design = designWithBom();
    long before = count("bom", one);
    stampede("/api/designs/" + design + "/bom", one);
    assertThat(count("bom", one) - before).isEqualTo(1);
  }

  @Test
  void twoNodesQueryOneBomOnceBetweenThem() {
    UUID design = designWithBom();
    long before = count("bom", one, two);
    stampede("/api/designs/" + design + "/bom", one, two);
    assertThat(count("bom", one, two) - before).isEqualTo(1);
    assertThat(two.get("/api/designs/" + design + "/bom", token).xCache()).isEqualTo("HIT");
  }
}
