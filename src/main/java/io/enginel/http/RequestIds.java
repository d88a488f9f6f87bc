package io.enginel.http;

import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Gives every request an id ({@code <node>-<counter>}, the counter in base 36), or keeps a sane one the client sent in
 * {@code X-Request-Id}; every answer carries it in that header and every logged error names it
 * ({@link Responses#requestId}).
 *
 * <p>It runs before routing, on the request itself ({@link #assign}), so that it costs no route of its own. The node's
 * counter is shared by its event loops, which take it in blocks of {@value #BLOCK}: ids stay unique on the node
 * without the loops contending for one counter on every request. One instance per HTTP verticle instance
 * ({@link #forLoop}); not thread-safe.
 */
final class RequestIds {
  static final int BLOCK = 256;

  private final String prefix;
  private final AtomicLong reserved;
  private long next;
  private long end;

  RequestIds(String nodeId) {
    this(nodeId + "-", new AtomicLong());
  }

  private RequestIds(String prefix, AtomicLong reserved) {
    this.prefix = prefix;
    this.reserved = reserved;
  }

  /** The ids of one event loop of the node: the node's counter, taken in blocks of its own. */
  RequestIds forLoop() {
    return new RequestIds(prefix, reserved);
  }

  /** Puts the request's id on its response. */
  void assign(HttpServerRequest request) {
    String given = request.getHeader(Responses.X_REQUEST_ID);
    request.response().putHeader(Responses.X_REQUEST_ID, given != null && sane(given) ? given : nextId());
  }

  /** The next id of this loop (the node's next block once its own is used up). */
  String nextId() {
    if (next == end) {
      next = reserved.getAndAdd(BLOCK) + 1;
      end = next + BLOCK;
    }
    return prefix + Long.toString(next++, 36);
  }

  private static boolean sane(String id) {
    if (id.isEmpty() || id.length() > 64) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.')) {
        return false;
      }
    }
    return true;
  }
}
