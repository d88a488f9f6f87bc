package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.domain.ApiError;
import io.enginel.domain.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The staff-only cache administration of the seed: statistics, health, manual invalidation. */
final class AdminHandlers {
  private final CacheClient cache;
  private final ManualInvalidation manual;

  AdminHandlers(CacheClient cache, ManualInvalidation manual) {
    this.cache = cache;
    this.manual = manual;
  }

  /** Lets staff through; everyone else gets a 403. */
  static void staffOnly(RoutingContext ctx) {
    Principal p = Authenticator.principal(ctx);
    if (!p.staff()) {
      Responses.error(ctx, ApiError.forbidden("Only staff may use the cache administration."));
      return;
    }
    ctx.next();
  }

  void stats(RoutingContext ctx) {
    reply(ctx, cache.stats());
  }

  void health(RoutingContext ctx) {
    reply(ctx, cache.health());
  }

  void invalidate(RoutingContext ctx) {
    reply(ctx, manual.apply(Requests.jsonBody(ctx)));
  }

  private static void reply(RoutingContext ctx, Future<JsonObject> result) {
    result.onComplete(ar -> {
      if (ar.failed()) {
        Responses.error(ctx, ar.cause());
      } else {
        Responses.json(ctx, 200, ar.result());
      }
    });
  }
}
