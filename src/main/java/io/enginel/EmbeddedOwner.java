package io.enginel;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * The process that runs the embedded services of a data directory, as it records itself in
 * {@code <embedded.dataDir>/embedded.json}: itself (pid and start time), its command ({@code serve}, {@code seed},
 * {@code migrate}), the addresses of the services it started, and its {@code redis-server} process, which outlives
 * a killed owner and is stopped by the next one. Written once the services answer, removed when they stop. A
 * {@code seed} or {@code migrate} that finds a live {@code serve} there uses that server's PostgreSQL instead of
 * starting a second one on the same files (which its lock refuses). A record whose process is gone (killed) or is
 * another process under a reused pid (its start time differs) is stale.
 */
record EmbeddedOwner(Running process, String command, String pgUri, String redisUri, Running redis) {
  static final String FILE = "embedded.json";

  /** A process, known by its pid and its start time (a pid alone may have been reused). */
  record Running(long pid, String started) {
    static Running of(ProcessHandle p) {
      return new Running(p.pid(), startOf(p));
    }

    /** The process itself, while it runs. */
    Optional<ProcessHandle> handle() {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> startOf(p).equals(started));
    }

    private static String startOf(ProcessHandle p) {
      return p.info().startInstant().map(Instant::toString).orElse("");
    }
  }

  /** This process, as owner of the services it started ({@code redis} null when it runs no redis-server process). */
  static EmbeddedOwner self(String command, String pgUri, String redisUri, ProcessHandle redis) {
    return new EmbeddedOwner(Running.of(ProcessHandle.current()), command, pgUri, redisUri,
        redis == null ? null : Running.of(redis));
  }

  /** The live owner recorded in {@code dataDir}, if any. */
  static Optional<EmbeddedOwner> find(Path dataDir) {
    return recorded(dataDir).filter(EmbeddedOwner::alive);
  }

  /** The owner recorded in {@code dataDir}, alive or not. */
  static Optional<EmbeddedOwner> recorded(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonObject j = new JsonObject(Files.readString(file));
      JsonObject redis = j.getJsonObject("redis_process");
      return Optional.of(new EmbeddedOwner(new Running(j.getLong("pid", -1L), j.getString("started", "")),
          j.getString("command", ""), j.getString("pg_uri"), j.getString("redis_uri"),
          redis == null ? null : new Running(redis.getLong("pid", -1L), redis.getString("started", ""))));
    } catch (IOException | DecodeException | ClassCastException e) {
      return Optional.empty(); // unreadable: as good as absent
    }
  }

  /** Writes the record (atomically: a reader never sees half of it). */
  void write(Path dataDir) throws IOException {
    JsonObject j = new JsonObject().put("pid", process.pid()).put("started", process.started()).put("command", command)
        .put("pg_uri", pgUri).put("redis_uri", redisUri);
    if (redis != null) {
      j.put("redis_process", new JsonObject().put("pid", redis.pid()).put("started", redis.started()));
    }
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Files.writeString(tmp, j.encodePrettily());
    Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Removes the record of {@code dataDir} if it is this process's. */
  static void removeOwn(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.isRegularFile(file) && new JsonObject(Files.readString(file)).getLong("pid", -1L) == ProcessHandle.current().pid()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException | DecodeException | ClassCastException e) {
      // left behind: stale once this process is gone
    }
  }

  boolean alive() {
    return process.handle().isPresent();
  }

  long pid() {
    return process.pid();
  }

  /** "the Enginel server (pid 123)", "a 'seed' (pid 123)". */
  String describe() {
    return (command.equals("serve") ? "the Enginel server" : "a '" + command + "'") + " (pid " + pid() + ")";
  }
}
