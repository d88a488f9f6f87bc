package io.enginel;

import io.enginel.config.EnginelConfig;
import io.vertx.pgclient.PgConnectOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

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

  /** The configured PostgreSQL accepts connections (a Unix socket path is left to the driver). */
  static void postgresAnswers(EnginelConfig.Pg pg) {
    PgConnectOptions o = PgConnectOptions.fromUri(pg.uri());
    if (o.getHost() == null || o.getHost().startsWith("/")) {
      return;
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(o.getHost(), o.getPort()), pg.connectTimeoutMs());
    } catch (IOException e) {
      throw CannotRun.postgresUnreachable(pg, e);
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
