package io.enginel.cluster;

import io.enginel.cache.CacheApi;
import io.enginel.config.EnginelConfig;
import io.enginel.example.ClusterClient;
import io.enginel.invalidation.InvalidationApi;
import io.enginel.repository.PgSetup;
import io.enginel.repository.RepositoryApi;
import io.enginel.support.ClusterCertificates;
import io.enginel.support.Fixtures;
import io.enginel.support.Stranger;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A secured cluster, as docs/clustering.md sets one up: the event bus speaks TLS and requires a client
 * certificate the members' trust store trusts. A member without such a certificate — none at all, or one of its
 * own — cannot send anything to a node, not even to the public interface; a service given the cluster's key pair
 * ({@link ClusterClient}) uses the public interface as in a plain cluster. One node, then two.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTlsTest {
  static TestDatabase db;
  static EnginelConfig base;
  static EnginelConfig.ClusterTls clusterTls;
  static EnginelConfig.ClusterTls strangersOwnTls;
  static String clusterName = "enginel-tls-" + UUID.randomUUID();
  static String members;
  static int hz2;
  static TestServer node1;
  static TestServer node2;
  static ClusterClient service;
  static Stranger withoutCertificate;
  static Stranger withItsOwnCertificate;
  static String staff;
  static UUID org;

  @BeforeAll
  static void startASecuredNodeAServiceAndTwoStrangers() throws Exception {
    Path dir = ClusterCertificates.tempDir();
    clusterTls = ClusterCertificates.create(dir, "enginel-cluster");
    strangersOwnTls = ClusterCertificates.create(dir, "stranger");
    db = TestDatabase.create();
    int hz1 = TestServer.reservedPort();
    hz2 = TestServer.reservedPort(); // bound only by the third test: named now, in every member's list
    members = "127.0.0.1:" + hz1 + ",127.0.0.1:" + hz2;
    base = TestServer.baseConfig(db.uri(), TestServices.redisUri()).with("cluster.enabled", true)
        .with("cluster.members", members).with("cluster.name", clusterName)
        .with("cluster.tls.keyStore", clusterTls.keyStore())
        .with("cluster.tls.keyStorePassword", clusterTls.keyStorePassword())
        .with("cluster.tls.trustStore", clusterTls.trustStore())
        .with("cluster.tls.trustStorePassword", clusterTls.trustStorePassword())
        .with("cluster.tls.enabled", true);
    PgSetup.migrate(base.pg());
    Fixtures f = new Fixtures(db);
    org = f.organization("Secured");
    f.member(org, f.user("alice"), "EDITOR");
    f.user("staff", true);
    node1 = TestServer.startWith(db, base.with("cluster.port", hz1));
    staff = node1.login("staff");
    int own = TestServer.reservedPort();
    service = ClusterClient.join(clusterName, "127.0.0.1:" + own, members + ",127.0.0.1:" + own, clusterTls)
        .await(60, TimeUnit.SECONDS);
    withoutCertificate = Stranger.join(clusterName, members, new EnginelConfig.ClusterTls(false, "", "", "", ""));
    withItsOwnCertificate = Stranger.join(clusterName, members, strangersOwnTls);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {withItsOwnCertificate, withoutCertificate, service, node2, node1}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  @Order(1)
  void aServiceWithTheClustersKeyPairUsesThePublicInterface() throws Exception {
    assertPublicInterfaceWorksForTheService(node1);
  }

  @Test
  @Order(2)
  void aMemberWithoutATrustedCertificateCannotSendAnythingToTheNode() {
    assertStrangersReachNothing();
  }

  @Test
  @Order(3)
  void withASecondNodeTheServiceStillWorksAndStrangersStillReachNothing() throws Exception {
    node2 = TestServer.startAlongside(node1, base.with("cluster.port", hz2).with("http.port", TestServer.freePort()));
    node2.awaitNotificationsSettled();

    assertPublicInterfaceWorksForTheService(node2);
    assertStrangersReachNothing();
    String token = node1.login("alice");
    assertThat(node2.get("/api/users/me", token).status()).isEqualTo(200);
    assertThat(node1.post("/api/auth/logout", token, null).status()).isEqualTo(204);
    assertThat(node2.get("/api/users/me", token).status()).as("node 1's signed eviction reached node 2 over TLS")
        .isEqualTo(401);
  }

  private static void assertPublicInterfaceWorksForTheService(TestServer node) throws Exception {
    String key = node.prefix() + ":app:secured:" + UUID.randomUUID();
    assertThat(service.set(key, "over TLS", 60).await(10, TimeUnit.SECONDS).getBoolean("stored")).isTrue();
    assertThat(service.get(key).await(10, TimeUnit.SECONDS).getString("value")).isEqualTo("over TLS");
    JsonObject invalidated = service.invalidate(staff, new JsonObject().put("model", "Organization")
        .put("id", org.toString())).await(10, TimeUnit.SECONDS);
    assertThat(invalidated.getString("model")).isEqualTo("Organization");
  }

  private static void assertStrangersReachNothing() {
    Map<String, JsonObject> probes = new LinkedHashMap<>();
    probes.put(CacheApi.SET, new JsonObject().put("key", node1.prefix() + ":app:stranger").put("value", 1));
    probes.put(CacheApi.GET, new JsonObject().put("key", node1.prefix() + ":app:stranger"));
    probes.put(InvalidationApi.MANUAL, new JsonObject().put("model", "DesignAsset"));
    probes.put(RepositoryApi.CREDENTIALS, new JsonObject().put("username", "staff"));
    for (Stranger stranger : List.of(withoutCertificate, withItsOwnCertificate)) {
      assertThat(stranger.answered(probes)).as("what a member without a trusted certificate reached").isEmpty();
      JsonObject what = new JsonObject().put("model", "DesignAsset");
      assertThat(stranger.probe(InvalidationApi.MANUAL, what, new DeliveryOptions().addHeader("Authorization",
          TestServer.signature(staff, InvalidationApi.MANUAL, what))))
          .as("even signed by a staff session, nothing arrives").isInstanceOf(io.vertx.core.eventbus.ReplyException.class);
    }
    assertThat(node1.redisExists(io.enginel.config.Tier.DEFAULT, node1.prefix() + ":app:stranger")).isFalse();
  }
}
