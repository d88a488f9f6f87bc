package io.enginel.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.function.Supplier;

/**
 * One cacheable read: where its answer lives and how to compute it.
 *
 * @param key      the cache key (holds everything that changes the answer)
 * @param resource the resource name, for statistics and per-resource switches
 * @param ttl      seconds
 * @param cached   false when caching is switched off for this read
 * @param loader   computes the answer on a miss
 */
record CachedRead(String key, String resource, long ttl, boolean cached, Supplier<Future<Loaded>> loader) {

  /**
   * A computed answer: the JSON body, who may see it, and the tags it is filled under.
   */
  record Loaded(Buffer body, List<String> owners, List<String> tags) {}

  /**
   * A loader's failure that concerns a row with owners (a design without a file, whose geometry is queued):
   * answered as it is only to a principal who may see the row; anyone else gets the plain 404, so the failure
   * reveals neither that the row exists nor anything about it.
   */
  static final class OwnedFailure extends RuntimeException {
    final List<String> owners;

    OwnedFailure(Throwable cause, List<String> owners) {
      super(cause.getMessage(), cause, false, false);
      this.owners = List.copyOf(owners);
    }
  }
}
