package io.enginel.http;

import io.enginel.domain.ApiError;
import io.enginel.domain.Entity;
import io.enginel.invalidation.InvalidationApi;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Manual invalidation for this node's front doors ({@code POST /api/cache/invalidate} and
 * {@link InvalidationApi#MANUAL}), once the caller is known to be staff. A model named with an id is first read
 * from the repository: the invalidation needs the ids its row refers to (its organization, its design …), as
 * for a write.
 */
final class ManualInvalidation {
  private static final long TIMEOUT_MS = 60_000;

  private final Vertx vertx;
  private final RepositoryClient repository;

  ManualInvalidation(Vertx vertx, RepositoryClient repository) {
    this.vertx = vertx;
    this.repository = repository;
  }

  Future<JsonObject> apply(JsonObject body) {
    Entity entity = body.getValue("model") instanceof String model ? Entity.byModel(model) : null;
    Object id = body.getValue("id");
    Future<JsonObject> request = entity != null && entity.idColumn() != null && id != null
        ? repository.row(entity, id.toString()).map(row -> body.copy().put("row", row))
        : Future.succeededFuture(body);
    return request.compose(m -> vertx.eventBus().<JsonObject>request(InvalidationApi.APPLY_MANUAL, m,
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS)))
        .map(reply -> reply.body())
        .recover(t -> Future.failedFuture(ApiError.from(t)));
  }
}
