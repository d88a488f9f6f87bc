package io.enginel.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configuration as an operator meets it: defaults, {@code ENGINEL_*} variables, refusals that name the key. */
class ConfigurationTest {

  static EnginelConfig from(Map<String, String> env) {
    return EnginelConfig.from(ConfigLoader.loadJson(env));
  }

  @Test
  void everyKeyHasOneVariableNamedAfterItsPath() {
    EnginelConfig c = from(Map.of("ENGINEL_HTTP_PORT", "9090", "ENGINEL_CACHE_TTL_SECONDS_LONGTERM", "120",
        "ENGINEL_CACHE_RESOURCES_ASSEMBLY_NODES_TTL_SECONDS", "42"));
    assertThat(c.http().port()).isEqualTo(9090);
    assertThat(c.cache().tierTtlSeconds().get(Tier.LONGTERM)).isEqualTo(120);
    assertThat(c.cache().resource("assembly-nodes").ttlSeconds()).isEqualTo(42);
  }

  @Test
  void anUnknownVariableOrAValueOfTheWrongTypeStopsStartUpNamingTheKey() {
    assertThatThrownBy(() -> from(Map.of("ENGINEL_HTTP_PROT", "9090"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ENGINEL_HTTP_PROT");
    assertThatThrownBy(() -> from(Map.of("ENGINEL_HTTP_PORT", "eighty"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ENGINEL_HTTP_PORT");
    assertThatThrownBy(() -> from(Map.of("ENGINEL_REDIS_URI", "localhost:6379"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("redis.uri");
  }

  @Test
  void standaloneRedisGivesEachTierItsDatabase() {
    EnginelConfig c = from(Map.of("ENGINEL_REDIS_URI", "redis://10.0.0.5:6379"));
    assertThat(c.redis().mode()).isEqualTo(EnginelConfig.RedisMode.STANDALONE);
    assertThat(c.redis().endpointsFor(Tier.DEFAULT)).containsExactly("redis://10.0.0.5:6379/1");
    assertThat(c.redis().endpointsFor(Tier.SESSIONS)).containsExactly("redis://10.0.0.5:6379/2");
    assertThat(c.redis().endpointsFor(Tier.LONGTERM)).containsExactly("redis://10.0.0.5:6379/3");
  }

  @Test
  void aRedisClusterIsReachedThroughItsSeedNodesInDatabaseZero() {
    EnginelConfig c = from(Map.of("ENGINEL_REDIS_MODE", "cluster",
        "ENGINEL_REDIS_NODES", "10.0.0.1:7000, redis://user:pw@10.0.0.2:7001"));
    assertThat(c.redis().configured()).isTrue();
    for (Tier t : Tier.values()) {
      assertThat(c.redis().endpointsFor(t)).containsExactly("redis://10.0.0.1:7000", "redis://user:pw@10.0.0.2:7001");
    }
  }

  @Test
  void sentinelsAreAskedForTheMasterAndEachTierSelectsItsDatabase() {
    EnginelConfig c = from(Map.of("ENGINEL_REDIS_MODE", "Sentinel", "ENGINEL_REDIS_NODES", "10.0.0.1:26379,10.0.0.2:26379",
        "ENGINEL_REDIS_MASTER_NAME", "cache"));
    assertThat(c.redis().masterName()).isEqualTo("cache");
    assertThat(c.redis().endpointsFor(Tier.SESSIONS)).containsExactly("redis://10.0.0.1:26379/2", "redis://10.0.0.2:26379/2");
  }

  @Test
  void aRedisModeWithoutItsNodesOrWithBadOnesIsRefused() {
    assertThatThrownBy(() -> from(Map.of("ENGINEL_REDIS_MODE", "cluster"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("redis.nodes");
    assertThatThrownBy(() -> from(Map.of("ENGINEL_REDIS_MODE", "replicated", "ENGINEL_REDIS_NODES", "a:1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.mode");
    for (String bad : List.of("10.0.0.1", "http://10.0.0.1:7000", "redis://10.0.0.1:7000/2", "a b:7000")) {
      assertThatThrownBy(() -> from(Map.of("ENGINEL_REDIS_MODE", "cluster", "ENGINEL_REDIS_NODES", bad)))
          .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("redis.nodes");
    }
    assertThatThrownBy(() -> from(Map.of("ENGINEL_REDIS_MODE", "sentinel", "ENGINEL_REDIS_NODES", "a:1",
        "ENGINEL_REDIS_MASTER_NAME", " "))).isInstanceOf(ConfigException.class).hasMessageContaining("redis.masterName");
  }

  @Test
  void aRequestWaitsForTheDatabaseAtMostAConnectionAStatementAndAMargin() {
    EnginelConfig c = from(Map.of("ENGINEL_PG_CONNECT_TIMEOUT_MS", "1000", "ENGINEL_PG_QUERY_TIMEOUT_MS", "2000"));
    assertThat(c.pg().replyTimeoutMs()).isEqualTo(5_000);
  }
}
