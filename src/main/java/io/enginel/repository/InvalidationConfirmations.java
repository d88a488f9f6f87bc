package io.enginel.repository;

import io.enginel.domain.ChangeChannels;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bulk load's side of {@link ChangeChannels#CONFIRMATIONS}: it listens before it commits, asks PostgreSQL
 * which nodes have a change listener connected (application name {@code enginel/<node>/listener}), and after the
 * commit waits until each of them has confirmed that it invalidated everything — or until the time is up, which a
 * node whose listener is away explains: it invalidates everything when it reconnects.
 */
final class InvalidationConfirmations {
  private final Vertx vertx;
  private final PgConnection connection;
  private final String ticket;
  private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
  private volatile Runnable onConfirmation = () -> { };

  /** Who confirmed, and who did not within the time. */
  record Outcome(Set<String> confirmed, Set<String> missing) {}

  private InvalidationConfirmations(Vertx vertx, PgConnection connection, String ticket) {
    this.vertx = vertx;
    this.connection = connection;
    this.ticket = ticket;
  }

  /** A connection of its own, listening for the confirmations of {@code ticket}. */
  static Future<InvalidationConfirmations> listen(Vertx vertx, PgConnectOptions options, String ticket) {
    return PgConnection.connect(vertx, options).compose(conn -> {
      InvalidationConfirmations c = new InvalidationConfirmations(vertx, conn, ticket);
      conn.exceptionHandler(t -> { }); // a lost connection shows as the confirmations missing, said in one line
      conn.notificationHandler(n -> {
        if (ChangeChannels.CONFIRMATIONS.equals(n.getChannel())) {
          c.received(n.getPayload());
        }
      });
      return conn.query("LISTEN " + ChangeChannels.CONFIRMATIONS).execute()
          .map(c)
          .onFailure(t -> conn.close());
    });
  }

  /** The nodes whose change listener is connected to this database now, by application name ({@code enginel/<node>}). */
  static Future<Set<String>> listeningNodes(SqlConnection conn) {
    return conn.preparedQuery("SELECT DISTINCT application_name FROM pg_stat_activity "
            + "WHERE datname = current_database() AND application_name LIKE ('enginel/%' || $1)")
        .execute(Tuple.of(PgSetup.LISTENER_SUFFIX))
        .map(rows -> {
          Set<String> nodes = new TreeSet<>();
          rows.forEach(r -> {
            String name = r.getString(0);
            nodes.add(name.substring(0, name.length() - PgSetup.LISTENER_SUFFIX.length()));
          });
          return nodes;
        });
  }

  /** Completes when every one of {@code nodes} has confirmed, or after {@code timeoutMs} with those missing. */
  Future<Outcome> await(Set<String> nodes, long timeoutMs) {
    Promise<Outcome> done = Promise.promise();
    Runnable check = () -> {
      if (confirmed.containsAll(nodes)) {
        done.tryComplete(outcome(nodes));
      }
    };
    onConfirmation = check;
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> done.tryComplete(outcome(nodes)));
    check.run();
    return done.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  Future<Void> close() {
    return connection.close();
  }

  private Outcome outcome(Set<String> nodes) {
    Set<String> yes = new TreeSet<>();
    Set<String> missing = new TreeSet<>();
    nodes.forEach(n -> (confirmed.contains(n) ? yes : missing).add(n));
    return new Outcome(yes, missing);
  }

  private void received(String payload) {
    try {
      JsonObject c = new JsonObject(payload);
      if (ticket.equals(c.getString("ticket")) && c.getString("node") != null) {
        confirmed.add(c.getString("node"));
        onConfirmation.run();
      }
    } catch (DecodeException | ClassCastException e) {
      // not a confirmation of ours
    }
  }
}
