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
 * The process that runs the embedded PostgreSQL of a data directory, as it records itself in
 * {@code <embedded.dataDir>/embedded.json}: its pid and start time, its command ({@code serve}, {@code seed},
 * {@code migrate}), and the addresses of the services it started. Written once they answer, removed when they
 * stop. A {@code seed} or {@code migrate} that finds a live {@code serve} there uses that server's PostgreSQL
 * instead of starting a second one on the same files (which its lock refuses). A record whose process is gone
 * (killed) or is another process under a reused pid (its start time differs) is stale and ignored.
 */
record EmbeddedOwner(long pid, String started, String command, String pgUri, String redisUri) {
  static final String FILE = "embedded.json";

  /** This process, as owner of services it started. */
  static EmbeddedOwner self(String command, String pgUri, String redisUri) {
    ProcessHandle me = ProcessHandle.current();
    return new EmbeddedOwner(me.pid(), startOf(me), command, pgUri, redisUri);
  }

  /** The live owner recorded in {@code dataDir}, if any. */
  static Optional<EmbeddedOwner> find(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonObject j = new JsonObject(Files.readString(file));
      EmbeddedOwner owner = new EmbeddedOwner(j.getLong("pid", -1L), j.getString("started", ""),
          j.getString("command", ""), j.getString("pg_uri"), j.getString("redis_uri"));
      return owner.alive() ? Optional.of(owner) : Optional.empty();
    } catch (IOException | DecodeException | ClassCastException e) {
      return Optional.empty(); // unreadable: as good as absent
    }
  }

  /** Writes the record (atomically: a reader never sees half of it). */
  void write(Path dataDir) throws IOException {
    JsonObject j = new JsonObject().put("pid", pid).put("started", started).put("command", command).put("pg_uri", pgUri);
    if (redisUri != null) {
      j.put("redis_uri", redisUri);
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
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> startOf(p).equals(started)).orElse(false);
  }

  /** "the Enginel server (pid 123)", "a seed (pid 123)". */
  String describe() {
    return (command.equals("serve") ? "the Enginel server" : "a '" + command + "'") + " (pid " + pid + ")";
  }

  private static String startOf(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toString).orElse("");
  }
}
