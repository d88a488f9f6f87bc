package io.enginel.cache;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The signed envelope of the messages Enginel nodes send each other: what a node accepts, and what it drops. */
class ClusterFanOutTest {
  private final ClusterFanOut node = new ClusterFanOut(null, null, "a-cluster-secret-of-at-least-32-characters!");
  private final JsonObject eviction = new JsonObject().put("tier", "default").put("tags", new io.vertx.core.json.JsonArray().add("design:1"));

  @Test
  void aMessageSignedWithTheClustersSecretForThisAddressIsOpenedOnce() {
    JsonObject sealed = node.sealed("enginel.cache.near.b", "node-a", eviction);

    assertThat(node.opened("enginel.cache.near.b", sealed)).isEqualTo(eviction);
    assertThat(node.opened("enginel.cache.near.b", sealed.copy())).as("the same message again: a replay").isNull();
  }

  @Test
  void aMessageForAnotherNodeSignedWithAnotherSecretTamperedOrOldIsDropped() {
    JsonObject sealed = node.sealed("enginel.cache.near.b", "node-a", eviction);
    ClusterFanOut stranger = new ClusterFanOut(null, null, "another-secret-that-is-also-32-characters-long");

    assertThat(node.opened("enginel.cache.near.c", sealed.copy())).as("sent to another node").isNull();
    assertThat(node.opened("enginel.cache.near.b", stranger.sealed("enginel.cache.near.b", "node-x", eviction)))
        .as("signed without the secret").isNull();
    assertThat(node.opened("enginel.cache.near.b", sealed.copy().put("payload", "{\"tier\":\"default\",\"all\":true}")))
        .as("its payload changed").isNull();
    assertThat(node.opened("enginel.cache.near.b", sealed.copy().put("from", "node-z"))).as("its sender changed").isNull();
    assertThat(node.opened("enginel.cache.near.b", sealed.copy().put("ts", sealed.getLong("ts") - ClusterFanOut.MAX_AGE_MS - 1)))
        .as("its time changed").isNull();
    assertThat(node.opened("enginel.cache.near.b", new JsonObject().put("tier", "default").put("all", true)))
        .as("not signed at all").isNull();
  }
}
