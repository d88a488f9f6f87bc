package io.enginel;

import io.enginel.config.EnginelConfig;
import io.vertx.pgclient.PgConnectOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

/**
 * What is checked before anything starts, so that a command that cannot work stops at once with one line saying
 * why (a later failure of the same kind is explained the same way by {@link CannotRun#explain}).
 */
final class StartChecks {
  private StartChecks() {}

  /** {@code http.port} can be bound (port 0, any free port, always can). */
  static void httpPortFree(EnginelConfig config) {
    int port = config.http().port();
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(config.http().host(), port));
    } catch (IOException e) {
      throw CannotRun.portInUse(port, e);
    }
  }

  /**
   * The configured PostgreSQL lets this user into this database: one attempt, so that what will not change by
   * itself (nothing listens, a wrong password, a missing database) is said at once instead of after the
   * migrations' retries. Anything else (a server still starting up) is left to those retries.
   */
  static void postgresAnswers(EnginelConfig.Pg pg) {
    PgConnectOptions o = PgConnectOptions.fromUri(pg.uri());
    if (o.getHost() == null || o.getHost().startsWith("/")) {
      return; // a Unix socket: left to the driver
    }
    Properties p = new Properties();
    p.setProperty("user", o.getUser());
    if (o.getPassword() != null) {
      p.setProperty("password", o.getPassword());
    }
    p.setProperty("connectTimeout", Integer.toString(Math.max(1, pg.connectTimeoutMs() / 1000)));
    p.setProperty("ApplicationName", "enginel-check");
    p.setProperty("sslmode", o.getSslMode().name().toLowerCase(Locale.ROOT).replace('_', '-')); // as the server connects
    String url = "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    try (Connection ignored = DriverManager.getConnection(url, p)) {
      // it answers
    } catch (SQLException e) {
      CannotRun known = e.getSQLState() == null ? null : CannotRun.postgres(e.getSQLState(), e, pg);
      if (known != null) {
        throw known;
      }
    }
  }

  /** Whether something accepts connections on 127.0.0.1:{@code port}. */
  static boolean answers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
