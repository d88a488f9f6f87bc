package io.enginel.cache;

import io.vertx.circuitbreaker.TimeoutException;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One connection of a tier kept open for the lookups of the hit path ({@code GET} of the entry with {@code HMGET} of
 * the tier's state), which are pipelined on it: many lookups in flight share it, so Redis reads several of them with
 * one {@code read} and answers them with one {@code write}, and this process reads several answers at once — fewer
 * system calls on both sides than one pooled connection per lookup, and no pool to go through. Measured in
 * docs/performance.md (2026-12-06, seventh session).
 *
 * <p>Nothing waits for it: while it is not open (not yet, lost, or being reopened) or already carries {@link #depth}
 * lookups, {@link #take} answers null and the caller uses the pool. The connection is leased from the tier's client
 * and held: a lost one (closed, reset) is dropped — handed back, the pool evicts it — and another leased on a later
 * lookup, no sooner than {@code retryNanos} after a failed attempt. A lookup that timed out drops it too (the lookups
 * queued behind it would wait as long): the next ones lease another connection rather than queue on it.
 *
 * <p>Only short reads go through it; fills, scripts and scans keep to the pool, so nothing long runs ahead of a
 * lookup. Safe from any thread (the read of a loop normally runs on that loop's own instance).
 */
final class LookupPipe {
  private static final Logger LOG = LoggerFactory.getLogger(LookupPipe.class);

  private final String name;
  private final Supplier<Future<RedisConnection>> open;
  private final int depth;
  private final LongSupplier nanos;
  private final long retryNanos;
  private final AtomicReference<RedisConnection> connection = new AtomicReference<>();
  private final AtomicBoolean opening = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** No open is tried before this instant of {@link #nanos}. */
  private volatile long retryAt;
  private volatile boolean closed;

  /**
   * @param name       the tier, for the log
   * @param open       opens a connection (the tier's client's {@code connect})
   * @param depth      the most lookups in flight on the connection (beyond them, the pool); below the client's
   *                   {@code maxWaitingHandlers}, which fails a command beyond it
   * @param nanos      the clock of the retry delay
   * @param retryNanos how long after a failed open the next is tried
   */
  LookupPipe(String name, Supplier<Future<RedisConnection>> open, int depth, LongSupplier nanos, long retryNanos) {
    this.name = name;
    this.open = open;
    this.depth = depth;
    this.nanos = nanos;
    this.retryNanos = retryNanos;
    this.retryAt = nanos.getAsLong();
  }

  LookupPipe(String name, Supplier<Future<RedisConnection>> open, int depth) {
    this(name, open, depth, System::nanoTime, TimeUnit.SECONDS.toNanos(1));
  }

  /**
   * The open connection, counted as carrying one more lookup — hand it back with {@link #done} — or null: none is
   * open (one is then being opened, unless a failed open is too recent) or it carries {@code depth} lookups.
   */
  RedisConnection take() {
    RedisConnection c = connection.get();
    if (c == null) {
      openSoon();
      return null;
    }
    if (inFlight.incrementAndGet() > depth) {
      inFlight.decrementAndGet();
      return null;
    }
    return c;
  }

  /** A lookup on {@code c} ended, failed with {@code failure} (null: it succeeded). */
  void done(RedisConnection c, Throwable failure) {
    inFlight.decrementAndGet();
    if (failure instanceof TimeoutException) {
      LOG.debug("redis tier {}: a lookup timed out, its pipelined connection is reopened", name);
      drop(c);
    }
  }

  /** Lookups in flight on the connection. */
  int inFlight() {
    return inFlight.get();
  }

  /** Whether a connection is open. */
  boolean isOpen() {
    return connection.get() != null;
  }

  Future<Void> close() {
    closed = true;
    RedisConnection c = connection.getAndSet(null);
    return c == null ? Future.succeededFuture() : c.close();
  }

  private void openSoon() {
    if (closed || nanos.getAsLong() - retryAt < 0 || !opening.compareAndSet(false, true)) {
      return;
    }
    open.get().onComplete(ar -> {
      if (ar.failed()) {
        retryAt = nanos.getAsLong() + retryNanos;
        LOG.debug("redis tier {}: pipelined lookup connection not opened: {}", name, ar.cause().getMessage());
      } else {
        RedisConnection c = ar.result();
        c.exceptionHandler(t -> drop(c)).endHandler(v -> drop(c));
        connection.set(c);
        if (closed) {
          drop(c);
        }
      }
      opening.set(false);
    });
  }

  private void drop(RedisConnection c) {
    if (connection.compareAndSet(c, null)) {
      c.close();
    }
  }
}
