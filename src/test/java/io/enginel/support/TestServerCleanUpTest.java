package io.enginel.support;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test node leaves the shared Redis as it found it: when it closes, every key under its key prefix is gone from
 * every tier's database, and no other key. A node started alongside another on the same prefix leaves the keys to
 * the last of them to close.
 */
class TestServerCleanUpTest {

  @Test
  void aClosedNodeLeavesNoKeyUnderItsPrefixInAnyTierAndTouchesNoOtherPrefix() {
    SeededServer.Seeded<UUID> seeded = SeededServer.start(f -> {
      UUID org = f.organization("Tidy");
      f.member(org, f.user("alice"), "VIEWER");
      return f.design(f.series(org, "PN-TIDY"), "tidy.stl", "tidy");
    });
    TestServer s = seeded.server();
    EnginelConfig config = s.config;
    EnginelConfig neighbour = config.with("cache.keyPrefix", s.prefix() + "x"); // its keys match "<prefix>*" too
    try {
      String token = s.login("alice"); // a session in the sessions tier
      assertThat(s.get("/api/designs/" + seeded.data(), token).status()).isEqualTo(200); // an entry in the default tier
      for (Tier tier : Tier.values()) {
        s.redis(tier, "SET", s.storedKey(tier, s.prefix() + ":app:probe"), "1");
      }
      s.redis(Tier.DEFAULT, "SET", s.prefix() + "x:app:probe", "1");
      assertThat(PrefixedKeys.count(config)).as("keys under the prefix while the node runs")
          .allSatisfy((tier, n) -> assertThat(n).as(tier.id()).isPositive());

      s.close();

      assertThat(PrefixedKeys.count(config)).as("keys under the prefix after close")
          .isEqualTo(Map.of(Tier.DEFAULT, 0L, Tier.SESSIONS, 0L, Tier.LONGTERM, 0L));
      assertThat(PrefixedKeys.count(neighbour).get(Tier.DEFAULT)).as("the key of another prefix").isEqualTo(1);
    } finally {
      s.close();
      PrefixedKeys.delete(neighbour);
    }
  }

  @Test
  void onARedisClusterAClosedNodeLeavesNoKeyUnderItsTiersHashTagsOnAnyMaster() {
    try (RedisClusterProcess cluster = RedisClusterProcess.start(3)) {
      Map<String, Object> overrides = new LinkedHashMap<>(); // the nodes before the mode that needs them
      overrides.put("redis.nodes", cluster.nodes());
      overrides.put("redis.mode", "cluster");
      TestServer s = SeededServer.start(overrides, f -> null).server();
      try {
        for (Tier tier : Tier.values()) {
          s.redis(tier, "SET", s.storedKey(tier, s.prefix() + ":app:probe"), "1");
        }
        assertThat(PrefixedKeys.count(s.config)).as("keys under the tiers' hash tags while the node runs")
            .allSatisfy((tier, n) -> assertThat(n).as(tier.id()).isPositive());

        s.close();

        assertThat(PrefixedKeys.count(s.config)).as("keys under the tiers' hash tags after close")
            .isEqualTo(Map.of(Tier.DEFAULT, 0L, Tier.SESSIONS, 0L, Tier.LONGTERM, 0L));
      } finally {
        s.close();
      }
    }
  }

  @Test
  void aNodeAlongsideOnTheSamePrefixLeavesTheKeysToTheLastNodeToClose() {
    TestServer first = TestServer.start();
    try {
      TestServer second = TestServer.startAlongside(first, first.config.with("http.port", TestServer.freePort()));
      String probe = first.prefix() + ":app:probe";
      second.redis(Tier.DEFAULT, "SET", probe, "1");

      second.close();

      assertThat(first.redisExists(Tier.DEFAULT, probe)).as("the first node's key after the second closed").isTrue();
      assertThat(first.redisExists(Tier.DEFAULT, first.prefix() + ":_inv")).isTrue();

      first.close();

      assertThat(PrefixedKeys.count(first.config).values()).as("keys under the prefix after the last node closed")
          .containsOnly(0L);
    } finally {
      first.close();
    }
  }

  @Test
  void aNodeAlongsideOnAPrefixOfItsOwnDeletesOnlyThatPrefixsKeys() {
    TestServer first = TestServer.start();
    try {
      TestServer own = TestServer.startAlongside(first, first.config.with("http.port", TestServer.freePort())
          .with("cache.keyPrefix", first.prefix() + "o"));
      own.redis(Tier.DEFAULT, "SET", own.prefix() + ":app:probe", "1");
      first.redis(Tier.DEFAULT, "SET", first.prefix() + ":app:probe", "1");

      own.close();

      assertThat(PrefixedKeys.count(own.config).values()).as("keys under its own prefix").containsOnly(0L);
      assertThat(first.redisExists(Tier.DEFAULT, first.prefix() + ":app:probe")).as("the first node's key").isTrue();
    } finally {
      first.close();
    }
  }
}
