package io.enginel.invalidation;

import io.enginel.domain.ChangeChannels;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Listens to {@code NOTIFY enginel_changes} (migration V2), so that writes made outside this node (psql,
 * another service, another node) invalidate like its own. Its own writes are recognised by the
 * application name and skipped: they were invalidated before their answer. Every time the listening
 * connection is (re)established, notifications may have been missed: {@code onListening} then
 * invalidates conservatively. A heartbeat notices a connection that died without closing. A bulk load's
 * "everything changed" that carries a ticket is answered on {@link ChangeChannels#CONFIRMATIONS} once everything
 * is invalidated, so that the load (another process: {@code seed}) returns only when no node serves the old data.
 */
final class ChangeListener {
  static final String CHANNEL = ChangeChannels.CHANGES;
  private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);
  private static final long HEARTBEAT_MS = 5_000;

  private final Vertx vertx;
  private final String ownOrigin;
  private final PgSubscriber subscriber;
  private final Consumer<DomainEvent> onChange;
  private final Supplier<Future<?>> onEverything;
  private final Runnable onListening;
  private final AtomicLong notifications = new AtomicLong();
  private final AtomicLong ownSkipped = new AtomicLong();
  private final AtomicLong subscriptions = new AtomicLong();
  private long heartbeat = -1;

  ChangeListener(Vertx vertx, PgConnectOptions options, String ownOrigin, Consumer<DomainEvent> onChange,
                 Supplier<Future<?>> onEverything, Runnable onListening) {
    this.vertx = vertx;
    this.ownOrigin = ownOrigin;
    this.onChange = onChange;
    this.onEverything = onEverything;
    this.onListening = onListening;
    this.subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> Math.min(5_000L, 250L * (retries + 1)));
  }

  Future<Void> start() {
    subscriber.channel(CHANNEL)
        .handler(this::onNotification)
        .subscribeHandler(v -> {
          long n = subscriptions.incrementAndGet();
          PgConnection conn = subscriber.actualConnection();
          if (conn != null) { // a connection PostgreSQL ends (restart, shutdown) is said in a line, not printed as a trace
            conn.exceptionHandler(t -> LOG.warn("the change listener's connection failed: {}", t.getMessage()));
          }
          LOG.info("listening to {} ({}); invalidating conservatively", CHANNEL, n == 1 ? "first connection" : "reconnected");
          onListening.run();
        });
    heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> checkConnection());
    return subscriber.connect();
  }

  Future<Void> stop() {
    vertx.cancelTimer(heartbeat);
    return subscriber.close();
  }

  boolean listening() {
    return subscriber.actualConnection() != null;
  }

  JsonObject status() {
    return new JsonObject().put("listening", listening()).put("channel", CHANNEL)
        .put("notifications", notifications.get()).put("own_skipped", ownSkipped.get())
        .put("connections", subscriptions.get());
  }

  /** A connection that stopped answering is closed, which makes the subscriber reconnect. */
  private void checkConnection() {
    PgConnection conn = subscriber.actualConnection();
    if (conn == null) {
      return;
    }
    boolean[] answered = {false};
    long timer = vertx.setTimer(HEARTBEAT_MS, t -> {
      if (!answered[0]) {
        LOG.warn("the change listener's connection does not answer; reconnecting");
        conn.close();
      }
    });
    conn.query("SELECT 1").execute().onComplete(ar -> {
      answered[0] = true;
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        conn.close();
      }
    });
  }

  /** Tells the bulk load waiting for {@code ticket} that this node has invalidated everything. */
  private void confirm(String ticket) {
    PgConnection conn = subscriber.actualConnection();
    if (conn == null) {
      LOG.warn("cannot confirm the invalidation of a bulk load: the listener is not connected (the load will say so)");
      return;
    }
    conn.preparedQuery("SELECT pg_notify($1, $2)")
        .execute(Tuple.of(ChangeChannels.CONFIRMATIONS, ChangeChannels.confirmation(ticket, ownOrigin)))
        .onFailure(t -> LOG.warn("cannot confirm the invalidation of a bulk load: {}", t.getMessage()));
  }

  private void onNotification(String payload) {
    notifications.incrementAndGet();
    JsonObject n;
    try {
      n = new JsonObject(payload);
    } catch (DecodeException e) {
      LOG.warn("ignoring a malformed {} notification", CHANNEL);
      return;
    }
    if ("*".equals(n.getString("table"))) {
      String ticket = n.getString("ticket");
      onEverything.get().onSuccess(v -> {
        if (ticket != null) {
          confirm(ticket);
        }
      });
      return;
    }
    if (ownOrigin.equals(n.getString("origin"))) {
      ownSkipped.incrementAndGet();
      return;
    }
    Entity entity = Entity.byTable(n.getString("table", ""));
    if (entity == null) {
      return;
    }
    String op = switch (n.getString("op", "update")) {
      case "insert" -> "create";
      case "delete" -> "delete";
      default -> "update";
    };
    JsonObject row = n.getJsonObject("new") != null ? n.getJsonObject("new") : n.getJsonObject("old");
    Object id = entity.idColumn() == null || row == null ? null : row.getValue(entity.idColumn());
    DomainEvent.Builder b = new DomainEvent.Builder(entity, op, id == null ? null : id.toString())
        .source(DomainEvent.SOURCE_NOTIFY);
    entity.addRefs(b, n.getJsonObject("old"));
    entity.addRefs(b, n.getJsonObject("new"));
    if ("update".equals(op) && n.getValue("changed") instanceof JsonArray changed) {
      List<String> columns = new ArrayList<>();
      changed.forEach(c -> columns.add(String.valueOf(c)));
      b.changed(columns);
    }
    onChange.accept(b.build());
  }
}
