package io.enginel.http;

import io.enginel.domain.ApiError;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The JSON answers of the statuses a router raises itself (no route, wrong method, body too large, a query it
 * cannot decode, an unhandled failure). Installed on the main router and on every router mounted under it: a mounted
 * router answers its own failures, so one without these would send Vert.x' plain-text pages.
 */
final class ErrorPages {
  private final long bodyLimitBytes;

  ErrorPages(long bodyLimitBytes) {
    this.bodyLimitBytes = bodyLimitBytes;
  }

  Router install(Router router) {
    router.errorHandler(404, ctx -> Responses.error(ctx, new ApiError(404, "not_found", "No such endpoint.")));
    router.errorHandler(405, ctx -> Responses.error(ctx, new ApiError(405, "method_not_allowed",
        "Method " + ctx.request().method() + " is not allowed here.")));
    router.errorHandler(413, ctx -> Responses.error(ctx, new ApiError(413, "too_large",
        "The body is over the limit of " + bodyLimitBytes + " bytes.")));
    router.errorHandler(400, ctx -> Responses.error(ctx, ctx.failure() instanceof ApiError
        || ctx.failure() instanceof ReplyException ? ctx.failure() : badRequest(ctx)));
    router.errorHandler(500, ctx -> Responses.error(ctx, ctx.failure() == null ? new ApiError(500, "internal",
        "Internal server error.") : ctx.failure()));
    return router;
  }

  /**
   * A 400 the router raised itself (vertx-web fails a route with path parameters before its handler runs
   * when the query string is not valid percent-encoding): named when it is the query, never a 500.
   */
  private static ApiError badRequest(RoutingContext ctx) {
    try {
      Requests.queryParams(ctx);
    } catch (ApiError e) {
      return e;
    }
    return ApiError.badRequest("request", "Bad request.");
  }
}
