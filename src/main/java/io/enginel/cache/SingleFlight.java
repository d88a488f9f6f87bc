package io.enginel.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * At most one load per key in flight in this process: whoever asks for a key while its load runs gets
 * the same result. Safe to share between verticle instances; every caller is answered on its own
 * context.
 */
public final class SingleFlight<T> {
  private final Map<String, Future<T>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder joins = new LongAdder();

  /** Runs {@code load} unless a load of {@code key} is already running, and answers its result. */
  public Future<T> run(String key, Supplier<Future<T>> load) {
    Promise<T> mine = Promise.promise();
    Future<T> existing = inFlight.putIfAbsent(key, mine.future());
    if (existing != null) {
      joins.increment();
      return onCallerContext(existing);
    }
    Future<T> started;
    try {
      started = load.get();
    } catch (RuntimeException e) {
      started = Future.failedFuture(e);
    }
    started.onComplete(ar -> {
      inFlight.remove(key, mine.future());
      mine.handle(ar);
    });
    return onCallerContext(mine.future());
  }

  /** Callers that joined a load instead of starting one. */
  public long joins() {
    return joins.sum();
  }

  public int inFlight() {
    return inFlight.size();
  }

  private static <T> Future<T> onCallerContext(Future<T> shared) {
    var context = Vertx.currentContext();
    if (context == null) {
      return shared;
    }
    Promise<T> local = Promise.promise();
    shared.onComplete(ar -> context.runOnContext(v -> local.handle(ar)));
    return local.future();
  }
}
