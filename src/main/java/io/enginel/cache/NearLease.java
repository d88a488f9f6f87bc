package io.enginel.cache;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lease under which a clustered process may serve its near cache. A member that does not confirm an
 * eviction in time (a blocked event loop, a partition the cluster manager has not noticed yet) cannot be
 * reached through the event bus; so the writer advances an epoch in Redis ({@code <prefix>:_near:epoch}) and
 * waits {@link #WRITER_WAIT_MS} before it answers. Each process reads the epoch every {@link #POLL_MS}: a
 * changed epoch drops all its copies, and a process whose last successful read was sent more than
 * {@link #LEASE_MS} ago serves no copy until it reads the epoch again. Either way the laggard has stopped
 * serving its copies before the write is answered.
 */
final class NearLease {
  static final long POLL_MS = 200;
  static final long LEASE_MS = 1_000;
  /** How long a writer waits after advancing the epoch: a lease, a poll, and a margin. */
  static final long WRITER_WAIT_MS = LEASE_MS + POLL_MS + 100;
  private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MS);

  private final boolean required;
  private final AtomicBoolean polling = new AtomicBoolean();
  private volatile long contactNanos = System.nanoTime() - 2 * LEASE_NANOS;
  private volatile String epoch;

  /** @param required whether copies depend on the lease (clustered processes; a lone process has no laggard) */
  NearLease(boolean required) {
    this.required = required;
  }

  boolean required() {
    return required;
  }

  /** Whether copies may be served and taken in now. */
  boolean valid() {
    return !required || System.nanoTime() - contactNanos < LEASE_NANOS;
  }

  /** One poll at a time per process. */
  boolean startPoll() {
    return polling.compareAndSet(false, true);
  }

  void endPoll() {
    polling.set(false);
  }

  /**
   * A successful read of the epoch, sent at {@code sentNanos}: renews the lease from that moment.
   *
   * @return whether the epoch changed since the last read (then every copy must go before the lease is renewed)
   */
  synchronized boolean observed(String value, long sentNanos, Runnable dropEverything) {
    String now = value == null ? "" : value;
    boolean changed = epoch != null && !epoch.equals(now);
    if (changed) {
      dropEverything.run();
    }
    epoch = now;
    if (sentNanos - contactNanos > 0) {
      contactNanos = sentNanos;
    }
    return changed;
  }
}
