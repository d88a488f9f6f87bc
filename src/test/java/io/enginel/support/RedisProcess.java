package io.enginel.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (from the PATH) on a free port of its own, that a test stops, kills, pauses and
 * restarts on the same port — the Redis outages Enginel must survive. Keeps nothing on disk.
 */
public final class RedisProcess implements AutoCloseable {
  public final int port;
  private final List<String> command;
  private Process process;

  private RedisProcess(int port, List<String> command) {
    this.port = port;
    this.command = command;
  }

  public static RedisProcess start() {
    return start(List.of());
  }

  /**
   * A redis-server with extra arguments ({@code --replicaof 127.0.0.1 6379}, …), in a temporary folder of its own
   * ({@code --dir}): whatever it writes (a snapshot a test asks for, a replica's sync file) stays out of the project.
   */
  public static RedisProcess start(List<String> extra) {
    int port = TestServer.reservedPort();
    List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
        "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", "--dir",
        tempDir().toString()));
    command.addAll(extra);
    RedisProcess r = new RedisProcess(port, List.copyOf(command));
    r.restart();
    return r;
  }

  private static java.nio.file.Path tempDir() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("enginel-redis");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A Redis Sentinel watching the master {@code name} at {@code masterPort} (quorum 1, a master is down
   * after 1 s without answers); its configuration file, which Sentinel rewrites, lives in a temporary file.
   */
  public static RedisProcess sentinel(String name, int masterPort) {
    int port = TestServer.reservedPort();
    try {
      java.nio.file.Path conf = java.nio.file.Files.createTempFile("enginel-sentinel", ".conf");
      java.nio.file.Files.writeString(conf, String.join("\n",
          "port " + port,
          "bind 127.0.0.1",
          "sentinel monitor " + name + " 127.0.0.1 " + masterPort + " 1",
          "sentinel down-after-milliseconds " + name + " 1000",
          "sentinel failover-timeout " + name + " 5000",
          "sentinel parallel-syncs " + name + " 1", ""));
      RedisProcess r = new RedisProcess(port, List.of("redis-server", conf.toString(), "--sentinel"));
      r.restart();
      return r;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Server settings for a node on this redis-server, with 1 s connect and command timeouts (an outage is found
   * quickly), and room for many logins; {@code more} adds or overrides keys.
   */
  public java.util.Map<String, Object> serverSettings(Object... more) {
    java.util.Map<String, Object> settings = new java.util.HashMap<>(java.util.Map.of("redis.uri", uri(),
        "redis.commandTimeoutMs", 1000, "redis.connectTimeoutMs", 1000, "auth.loginAttemptsPerMinute", 1000));
    for (int i = 0; i + 1 < more.length; i += 2) {
      settings.put(more[i].toString(), more[i + 1]);
    }
    return settings;
  }

  /** After a case that stopped, froze or killed it: running and empty again for the next one. */
  public void ensureRunning() {
    if (!answers()) {
      close();
      restart();
    }
  }

  /**
   * Starts (again) on the same port and waits until it answers PING: empty, or with what its folder's snapshot
   * holds when a test took one ({@code SAVE}).
   */
  public void restart() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("redis-server on " + port + " is still running");
    }
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server (is it on the PATH?): " + e.getMessage(), e);
    }
    Waits.until(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server on " + port + " exited");
      }
      return answers();
    }, Duration.ofSeconds(10), "redis-server on " + port + " answering PING");
  }

  /** SIGTERM, and waits until it has exited. */
  public void stop() {
    process.destroy();
    waitFor();
  }

  /** SIGKILL: gone at once, nothing flushed. */
  public void kill() {
    process.destroyForcibly();
    waitFor();
  }

  /** SIGSTOP: the socket stays open, nothing answers (a hung Redis); what it holds survives. */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT. */
  public void thaw() {
    signal("CONT");
  }

  /** A command on the Redis (or Sentinel) at {@code port} through redis-cli; its raw output. */
  public static String cli(int port, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  /** Repeats {@code args} on {@code port} until its output (lines joined by commas) contains {@code expected}. */
  public static void awaitCli(int port, String expected, int seconds, String... args) {
    Waits.until(() -> cli(port, args).replace("\n", ",").contains(expected), Duration.ofSeconds(seconds),
        Duration.ofMillis(50), "redis " + port + ": '" + String.join(" ", args) + "' showing " + expected);
  }

  /** Runs a command to its end (at most 20 s); its output and errors. */
  static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(20, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  public boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] b = new byte[7];
      int n = in.read(b);
      return n > 0 && new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " failed");
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private void waitFor() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server on " + port + " did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      signal("CONT");
      process.destroyForcibly();
      waitFor();
    }
  }
}
