package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Ticker;
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
  /** When the last load of each key ended (on {@link #ticker}), kept for {@link #REMEMBER_NANOS}. */
  private final Map<String, Long> ended = new ConcurrentHashMap<>();
  private static final long REMEMBER_NANOS = 2_000_000_000L;
  private final Ticker ticker;

  public SingleFlight() {
    this(Ticker.systemTicker());
  }

  /** @param ticker the clock {@link #endedSince} compares with (the cache's stamps use the same) */
  public SingleFlight(Ticker ticker) {
    this.ticker = ticker;
  }

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
      remember(key, ticker.read());
      inFlight.remove(key, mine.future());
      mine.handle(ar);
    });
    return onCallerContext(mine.future());
  }

  /**
   * True when a load of {@code key} ended at or after {@code sinceNanos}: a caller whose cache lookup began
   * before that missed what the load stored, and should look again rather than load a second time.
   */
  public boolean endedSince(String key, long sinceNanos) {
    Long at = ended.get(key);
    return at != null && at - sinceNanos >= 0;
  }

  private void remember(String key, long now) {
    ended.put(key, now);
    if (ended.size() > 4096) {
      ended.values().removeIf(at -> now - at > REMEMBER_NANOS);
    }
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
