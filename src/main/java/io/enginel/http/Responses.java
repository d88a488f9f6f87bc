package io.enginel.http;

import io.enginel.domain.ApiError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writing answers: JSON bodies with pre-built headers, and every error as JSON with the request id. */
final class Responses {
  private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

  static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
  static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("Cache-Status");
  static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
  static final CharSequence HIT = HttpHeaders.createOptimized("HIT");
  static final CharSequence MISS = HttpHeaders.createOptimized("MISS");
  static final CharSequence DEFLATE = HttpHeaders.createOptimized("deflate");
  static final CharSequence PRIVATE = HttpHeaders.createOptimized("private, no-cache");
  static final CharSequence VARY = HttpHeaders.createOptimized("Authorization, Accept-Encoding");

  private Responses() {}

  static void json(RoutingContext ctx, int status, JsonObject body) {
    json(ctx, status, body.toBuffer());
  }

  static void json(RoutingContext ctx, int status, Buffer body) {
    HttpServerResponse r = ctx.response();
    if (r.ended()) {
      return;
    }
    r.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }

  static void noContent(RoutingContext ctx) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(204).end();
    }
  }

  /** Any failure, as {@code {"error", "message", "details"?, "request_id"}}; internal errors are logged, never shown. */
  static void error(RoutingContext ctx, Throwable failure) {
    ApiError e = ApiError.from(failure);
    if (e.status() >= 500 && !(failure instanceof ApiError) && !(failure instanceof io.vertx.core.eventbus.ReplyException)) {
      LOG.error("request {} {} {} failed", requestId(ctx), ctx.request().method(), ctx.request().path(), failure);
    } else if (e.status() >= 500) {
      LOG.warn("request {} {} {}: {} {}", requestId(ctx), ctx.request().method(), ctx.request().path(), e.status(),
          e.getMessage());
    }
    error(ctx, e);
  }

  static void error(RoutingContext ctx, ApiError e) {
    HttpServerResponse r = ctx.response();
    if (r.ended()) {
      return;
    }
    MultiMap headers = r.headers();
    if (e.status() == 401) {
      headers.set("WWW-Authenticate", "Bearer");
    }
    if (e.status() == 503) {
      headers.set(HttpHeaders.RETRY_AFTER, "2");
    }
    json(ctx, e.status(), e.toJson().put("request_id", requestId(ctx)));
  }

  /** The request's id, as {@link RequestIds} put it on the response. */
  static String requestId(RoutingContext ctx) {
    String id = ctx.response().headers().get(X_REQUEST_ID);
    return id == null ? "-" : id;
  }
}
