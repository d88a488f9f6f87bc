package io.enginel.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * The real PostgreSQL and Redis the tests run against: {@code TEST_PG_URI} (a role that may create
 * databases) and {@code TEST_REDIS_URI} when set; else containers when a Docker engine answers; else a
 * loud failure saying how to provide them. Never a silent skip.
 */
public final class TestServices {
  private static String pgUri;
  private static String redisUri;

  private TestServices() {}

  public static synchronized String pgAdminUri() {
    if (pgUri == null) {
      resolve();
    }
    return pgUri;
  }

  public static synchronized String redisUri() {
    if (redisUri == null) {
      resolve();
    }
    return redisUri;
  }

  private static void resolve() {
    String pg = System.getenv("TEST_PG_URI");
    String redis = System.getenv("TEST_REDIS_URI");
    if (pg != null && !pg.isBlank() && redis != null && !redis.isBlank()) {
      pgUri = pg;
      redisUri = redis;
      return;
    }
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | Error e) {
      docker = false;
    }
    if (!docker) {
      throw new IllegalStateException("""
          The tests need a real PostgreSQL and a real Redis. Set both
            TEST_PG_URI=postgresql://postgres@127.0.0.1:5432/postgres   (a role that may CREATE DATABASE)
            TEST_REDIS_URI=redis://127.0.0.1:6379
          or run a Docker engine so that Testcontainers can start them.""");
    }
    PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>("postgres:16-alpine");
    postgres.start();
    GenericContainer<?> redisContainer = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
    redisContainer.start();
    pgUri = "postgresql://" + postgres.getUsername() + ":" + postgres.getPassword() + "@" + postgres.getHost() + ":"
        + postgres.getMappedPort(5432) + "/" + postgres.getDatabaseName();
    redisUri = "redis://" + redisContainer.getHost() + ":" + redisContainer.getMappedPort(6379);
  }
}
