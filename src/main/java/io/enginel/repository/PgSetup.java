package io.enginel.repository;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ChangeChannels;
import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/** Connection options for every Postgres connection of a node, and the schema migrations. */
public final class PgSetup {
  private static final Logger LOG = LoggerFactory.getLogger(PgSetup.class);
  /** The suffix of a change listener's application name, after the node's own. */
  public static final String LISTENER_SUFFIX = "/listener";

  private PgSetup() {}

  /**
   * Options from {@code pg.uri}. The connection's application_name is {@code enginel/<node>}: the change
   * triggers copy it into their notifications, which is how a node recognises its own writes.
   */
  public static PgConnectOptions connectOptions(EnginelConfig.Pg pg, String nodeId) {
    PgConnectOptions options = PgConnectOptions.fromUri(pg.uri());
    options.setCachePreparedStatements(true);
    options.setPreparedStatementCacheMaxSize(1024);
    options.setPipeliningLimit(256);
    options.setReconnectAttempts(0);
    options.setProperties(new java.util.HashMap<>(Map.of(
        "application_name", applicationName(nodeId),
        "statement_timeout", Integer.toString(pg.queryTimeoutMs()))));
    return options;
  }

  /**
   * The change listener's connection is named {@code enginel/<node>/listener}: a bulk load asks PostgreSQL which
   * nodes listen, and waits for each of them to confirm its invalidation (see {@link ChangeChannels}).
   */
  public static PgConnectOptions listenerOptions(EnginelConfig.Pg pg, String nodeId) {
    PgConnectOptions options = connectOptions(pg, nodeId);
    options.getProperties().put("application_name", applicationName(nodeId) + LISTENER_SUFFIX);
    return options;
  }

  /** Transport options of every pool: the connect timeout. */
  public static io.vertx.core.net.NetClientOptions transport(EnginelConfig.Pg pg) {
    return new io.vertx.core.net.NetClientOptions().setConnectTimeout(pg.connectTimeoutMs()).setTcpNoDelay(true)
        .setTcpKeepAlive(true);
  }

  public static String applicationName(String nodeId) {
    return "enginel/" + nodeId;
  }

  /** Runs the versioned migrations of {@code db/migration} with Flyway (blocking: call from a worker). */
  public static MigrateResult migrate(EnginelConfig.Pg pg) {
    PgConnectOptions o = PgConnectOptions.fromUri(pg.uri());
    String url = "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    Flyway flyway = Flyway.configure()
        .dataSource(url, o.getUser(), o.getPassword())
        .locations("classpath:db/migration")
        .connectRetries(3)
        .load();
    MigrateResult result = flyway.migrate();
    LOG.info("schema at version {} ({} migration(s) applied)", result.targetSchemaVersion == null
        ? flyway.info().current().getVersion() : result.targetSchemaVersion, result.migrationsExecuted);
    return result;
  }
}
