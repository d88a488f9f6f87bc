package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Ticker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lease under which a clustered process may use what it keeps in memory about shared data: its near cache
 * and its principals. A member that does not confirm an eviction in time (a blocked event loop, a partition the
 * cluster manager has not noticed yet) cannot be reached through the event bus; so the writer changes an epoch
 * in Redis ({@code <prefix>:_memory:epoch}, set to a new random value) and waits {@link #WRITER_WAIT_MS} before it
 * answers. Each process reads the epoch every {@link #POLL_MS}: a changed epoch — or a missing one, which Redis may
 * have lost — drops everything it keeps, and a process whose last successful read was sent more than
 * {@link #LEASE_MS} ago uses none of it until it reads the epoch again. Either way the laggard has stopped using
 * what the write changed before the write is answered.
 */
public final class MemoryLease {
  static final long POLL_MS = 200;
  static final long LEASE_MS = 1_000;
  /** How long a writer waits after advancing the epoch: a lease, a poll, and a margin. */
  static final long WRITER_WAIT_MS = LEASE_MS + POLL_MS + 100;
  private static final long LEASE_NANOS = TimeUnit.MILLISECONDS.toNanos(LEASE_MS);

  private final boolean required;
  private final Ticker ticker;
  private final List<Runnable> onEpochChange = new CopyOnWriteArrayList<>();
  private final AtomicBoolean polling = new AtomicBoolean();
  private volatile long contactNanos;
  private volatile String epoch;

  /**
   * @param required whether copies depend on the lease (clustered processes; a lone process has no laggard)
   * @param ticker   the clock the lease runs on
   */
  MemoryLease(boolean required, Ticker ticker) {
    this.required = required;
    this.ticker = ticker;
    this.contactNanos = ticker.read() - 2 * LEASE_NANOS;
  }

  /** Now, on the lease's clock (a poll notes when it was sent). */
  long now() {
    return ticker.read();
  }

  /** What to drop when another member advanced the epoch. */
  public void onEpochChange(Runnable drop) {
    onEpochChange.add(drop);
  }

  boolean required() {
    return required;
  }

  /** Whether what is kept in memory may be used and added to now. */
  public boolean valid() {
    return !required || ticker.read() - contactNanos < LEASE_NANOS;
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
   * @return whether the epoch changed since the last read (then everything kept goes before the lease is renewed)
   */
  synchronized boolean observed(String value, long sentNanos) {
    String now = value == null ? "" : value;
    boolean changed = epoch != null && !epoch.equals(now);
    if (changed) {
      onEpochChange.forEach(Runnable::run);
    }
    epoch = now;
    if (sentNanos - contactNanos > 0) {
      contactNanos = sentNanos;
    }
    return changed;
  }
}
