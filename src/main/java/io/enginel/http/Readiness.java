package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /ready}: 200 while Postgres answers, with each Redis tier up or degraded and its latency (a
 * Redis outage makes the node degraded, not unready: it still answers from Postgres); 503 when Postgres
 * does not answer, since then neither misses nor writes can be served.
 */
final class Readiness implements Handler<RoutingContext> {
  private final CacheClient cache;
  private final RepositoryClient repository;

  Readiness(CacheClient cache, RepositoryClient repository) {
    this.cache = cache;
    this.repository = repository;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Future<JsonObject> pg = repository.health();
    Future<JsonObject> redis = cache.health();
    Future.join(pg, redis).onComplete(done -> {
      JsonObject postgres = pg.succeeded() ? pg.result().put("status", "up")
          : new JsonObject().put("status", "down").put("error", pg.cause().getMessage());
      JsonObject tiers = redis.succeeded() ? redis.result().getJsonObject("tiers")
          : new JsonObject().put("error", redis.cause().getMessage());
      boolean ready = pg.succeeded();
      boolean redisUp = redis.succeeded() && "up".equals(redis.result().getString("status"));
      String status = !ready ? "unready" : redisUp ? "ready" : "degraded";
      ctx.response().putHeader("Cache-Control", "no-store");
      Responses.json(ctx, ready ? 200 : 503, new JsonObject().put("status", status).put("postgres", postgres)
          .put("redis", tiers).put("cluster", cache.clusterStatus()));
    });
  }
}
