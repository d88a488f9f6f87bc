package io.enginel.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An Enginel command ({@code seed}, {@code migrate}, a wrong one) in a JVM of its own, started as an operator types
 * it ({@code java … io.enginel.Main <args>} with {@code ENGINEL_*} variables, the test's class path) and run to its
 * end. Its standard output and error are kept apart, in {@code target/<name>.out} and {@code target/<name>.err}.
 */
public final class CommandProcess {
  private CommandProcess() {}

  /** How the command ended. */
  public record Finished(int exitStatus, String out, String err) {
    /** Standard output and error together. */
    public String all() {
      return out + err;
    }

    /** The lines of both that are not blank. */
    public List<String> lines() {
      return all().lines().filter(l -> !l.isBlank()).toList();
    }
  }

  /** Runs {@code args} with exactly these {@code ENGINEL_*} variables; fails the test after {@code timeoutSeconds}. */
  public static Finished run(Map<String, String> env, String name, long timeoutSeconds, String... args) {
    File out = new File("target/" + name + ".out");
    File err = new File("target/" + name + ".err");
    ProcessBuilder pb = ServerProcess.main(env, args).redirectOutput(out).redirectError(err);
    try {
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("'" + String.join(" ", args) + "' did not end within " + timeoutSeconds
            + " s: see " + out + " and " + err);
      }
      return new Finished(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run '" + String.join(" ", args) + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
