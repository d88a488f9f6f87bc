package io.enginel;

import io.enginel.config.ConfigException;
import io.enginel.config.EnginelConfig;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;

import java.sql.SQLException;

/**
 * A command that cannot run: its message is the one line an operator reads — why, and what to do — and its status
 * the process's exit status (2: the command line or the configuration; 1: anything else). {@link #explain} turns
 * what a library threw into such a line; the stack trace is printed only with {@code --verbose}.
 */
public final class CannotRun extends RuntimeException {
  public static final int BAD_USAGE = 2;
  public static final int FAILED = 1;

  private final int status;

  public CannotRun(String message, Throwable cause) {
    this(message, FAILED, cause);
  }

  private CannotRun(String message, int status, Throwable cause) {
    super(oneLine(message), cause);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** A command line that is not one: why, and the usage. */
  static CannotRun usage(String why) {
    return new CannotRun(why + "; usage: " + CommandLine.USAGE, BAD_USAGE, null);
  }

  /**
   * One line for what stopped {@code command}: a known cause (configuration, PostgreSQL's answer) said plainly
   * with what to do; anything else as its innermost message. (A port in use is found before: {@link StartChecks}.) {@code config} (null before it was read) names
   * the PostgreSQL and the port concerned.
   */
  static CannotRun explain(Throwable failure, String command, EnginelConfig config) {
    if (failure instanceof CannotRun c) {
      return c;
    }
    if (failure instanceof ConfigException) {
      return new CannotRun("bad configuration: " + failure.getMessage()
          + " (defaults: conf/enginel.json; see Configuration in README.md)", BAD_USAGE, failure);
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String state = t instanceof SQLException s ? s.getSQLState() : t instanceof PgException p ? p.getSqlState() : null;
      if (state != null && config != null) {
        CannotRun known = postgres(state, t, config.pg());
        if (known != null) {
          return known;
        }
      }
    }
    return new CannotRun(command + " failed: " + innermostMessage(failure) + " (--verbose prints the details)", failure);
  }

  /** The HTTP port is taken. */
  static CannotRun portInUse(int port, Throwable cause) {
    return new CannotRun("port " + port + " is in use by another process: stop it, or set ENGINEL_HTTP_PORT to a free "
        + "port", cause);
  }

  /** PostgreSQL does not answer at all. */
  static CannotRun postgresUnreachable(EnginelConfig.Pg pg, Throwable cause) {
    return new CannotRun("PostgreSQL at " + address(pg) + " does not answer (" + innermostMessage(cause) + "): start it, "
        + "or correct ENGINEL_PG_URI (leave pg.uri unset and the server starts its own)", cause);
  }

  /** PostgreSQL's refusal, by its SQL state, when it is one that does not go away by itself; else null. */
  static CannotRun postgres(String state, Throwable t, EnginelConfig.Pg pg) {
    if (!pg.configured()) {
      return null; // no address to name: said as the failure's own message
    }
    PgConnectOptions o = PgConnectOptions.fromUri(pg.uri());
    if (state.startsWith("28")) {
      return new CannotRun("PostgreSQL at " + address(pg) + " refused the login of '" + o.getUser() + "' ("
          + firstLine(t.getMessage()) + "): correct the user or password in ENGINEL_PG_URI", t);
    }
    if (state.equals("3D000")) {
      return new CannotRun("PostgreSQL at " + address(pg) + " has no database '" + o.getDatabase() + "': create it "
          + "(createdb -h " + o.getHost() + " -p " + o.getPort() + " -U " + o.getUser() + " " + o.getDatabase()
          + "), or correct ENGINEL_PG_URI", t);
    }
    if (state.startsWith("08")) {
      return postgresUnreachable(pg, t);
    }
    return null;
  }

  private static String address(EnginelConfig.Pg pg) {
    PgConnectOptions o = PgConnectOptions.fromUri(pg.uri());
    return o.getHost() + ":" + o.getPort();
  }

  /** The message of the innermost cause that has one, on one line. */
  static String innermostMessage(Throwable failure) {
    String message = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    return message == null ? failure.getClass().getSimpleName() : firstLine(message);
  }

  private static String firstLine(String message) {
    String line = message == null ? "" : message.strip();
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl).strip();
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\s*\\R\\s*", " ");
  }
}
