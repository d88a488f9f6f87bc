package io.enginel.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Gives every request an id ({@code <node>-<counter>}), or keeps a sane one the client sent in
 * {@code X-Request-Id}; every answer carries it and every logged error names it.
 */
final class RequestIds implements Handler<RoutingContext> {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  RequestIds(String nodeId) {
    this.prefix = nodeId + "-";
  }

  @Override
  public void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader(Responses.X_REQUEST_ID);
    String id = given != null && given.length() <= 64 && given.chars().allMatch(RequestIds::safe) ? given
        : prefix + Long.toString(counter.incrementAndGet(), 36);
    ctx.put(Responses.REQUEST_ID, id);
    ctx.response().putHeader(Responses.X_REQUEST_ID, id);
    ctx.next();
  }

  private static boolean safe(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  }
}
