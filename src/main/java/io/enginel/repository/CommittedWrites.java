package io.enginel.repository;

import io.enginel.domain.DomainEvent;
import io.enginel.invalidation.InvalidationApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * What happens after a write commits, before it is answered: this node's invalidation verticle carries out
 * the invalidations of each of its events ({@link InvalidationApi#APPLY}, waited for), then each event is
 * published for other consumers on its entity's address. A write's answer therefore means its cache
 * invalidation is done.
 */
final class CommittedWrites {
  private static final Logger LOG = LoggerFactory.getLogger(CommittedWrites.class);
  private static final long INVALIDATION_TIMEOUT_MS = 15_000;

  private final Vertx vertx;
  private final DeliveryOptions local = new DeliveryOptions().setSendTimeout(INVALIDATION_TIMEOUT_MS).setLocalOnly(true);

  CommittedWrites(Vertx vertx) {
    this.vertx = vertx;
  }

  /** {@code {"row": …, "event": first event, "events": [...]}} once every event's invalidation is done. */
  Future<JsonObject> announce(Future<WriteResult> write) {
    return write.compose(result -> {
      JsonObject reply = new JsonObject().put("row", result.row());
      if (result.events().isEmpty()) {
        return Future.succeededFuture(reply);
      }
      JsonArray events = new JsonArray();
      List<Future<Void>> invalidations = new ArrayList<>();
      for (DomainEvent event : result.events()) {
        JsonObject json = event.toJson();
        events.add(json);
        invalidations.add(vertx.eventBus().<JsonObject>request(InvalidationApi.APPLY, json, local)
            .transform(ar -> {
              if (ar.failed()) {
                LOG.error("invalidation of committed {} {} {} did not complete: {}", event.entity().model(), event.op(),
                    event.id(), ar.cause().getMessage());
              }
              vertx.eventBus().publish(event.entity().address(), json);
              return Future.<Void>succeededFuture();
            }));
      }
      reply.put("event", events.getJsonObject(0)).put("events", events);
      return Future.all(invalidations).map(reply);
    });
  }
}
