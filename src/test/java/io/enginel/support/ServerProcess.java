package io.enginel.support;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An Enginel server in a JVM of its own, started as an operator starts it ({@code java … io.enginel.Main serve}
 * with {@code ENGINEL_*} variables, the test's class path), so that a test can kill it with SIGKILL. Its output
 * goes to {@code target/<name>.log}. It owns neither the database nor the key prefix it is given: the test (or the
 * {@link TestServer}) that made them drops the one and deletes the other's keys ({@link PrefixedKeys}).
 */
public final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final String name;

  private ServerProcess(Process process, int port, String name) {
    this.process = process;
    this.port = port;
    this.name = name;
  }

  /** Starts a server with exactly these {@code ENGINEL_*} variables (none inherited); {@code ENGINEL_HTTP_PORT} is required. */
  public static ServerProcess start(Map<String, String> env, String name) {
    ProcessBuilder pb = main(env, "serve").redirectErrorStream(true).redirectOutput(new File("target/" + name + ".log"));
    try {
      return new ServerProcess(pb.start(), Integer.parseInt(env.get("ENGINEL_HTTP_PORT")), name);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the server process: " + e.getMessage(), e);
    }
  }

  /** {@code java … io.enginel.Main <args>} with exactly these {@code ENGINEL_*} variables (none inherited). */
  static ProcessBuilder main(Map<String, String> env, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "io.enginel.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("ENGINEL_"));
    pb.environment().putAll(env);
    return pb;
  }

  public long pid() {
    return process.pid();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Polls {@code /ready} until 200 (at most 60 s); answers how long that took (ms). */
  public long awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    return Waits.until(() -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("the server process exited: see target/" + name + ".log");
      }
      try {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/ready")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException e) {
        return false; // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }, Duration.ofSeconds(60), Duration.ofMillis(100), "the server ready: see target/" + name + ".log");
  }

  /** One HTTP request with Java's client (HTTP/2 upgrade included, as such clients send it); a bearer token if given. */
  public static HttpResponse<String> send(HttpClient http, String token, String method, String url,
                                          io.vertx.core.json.JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Logs a fixture user in (password {@link Fixtures#passwordOf}) at {@code baseUrl}; answers the token. */
  public static String login(HttpClient http, String baseUrl, String username) throws IOException, InterruptedException {
    HttpResponse<String> r = send(http, null, "POST", baseUrl + "/api/auth/login",
        new io.vertx.core.json.JsonObject().put("username", username).put("password", Fixtures.passwordOf(username)));
    if (r.statusCode() != 200) {
      throw new IllegalStateException("login of " + username + " failed: " + r.statusCode() + " " + r.body());
    }
    return new io.vertx.core.json.JsonObject(r.body()).getString("token");
  }

  /** SIGKILL: nothing flushed, no shutdown hook; returns when the process is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * SIGTERM, as an operator stops it: the shutdown hook runs (embedded services stopped, their record removed);
   * answers the exit status.
   */
  public int stop() {
    process.destroy();
    try {
      if (process.waitFor(60, TimeUnit.SECONDS)) {
        return process.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kill();
    throw new IllegalStateException("the server did not stop within 60 s of SIGTERM: see target/" + name + ".log");
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
