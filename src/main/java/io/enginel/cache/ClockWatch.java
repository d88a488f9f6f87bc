package io.enginel.cache;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The highest invalidation clock this process has seen for one tier: in the answers to its own lookups and
 * invalidations, and in the evictions other Enginel nodes sent it (each carries the clock of its invalidation,
 * and every node confirms it before the write is answered). A read of Redis sent after this process learned of
 * a clock ran in Redis after the invalidation that produced it, so it must see that clock or a later one; when it
 * sees an earlier one, Redis has gone back in time — a restart from an older RDB or AOF file, a failover to a
 * replica that missed the last writes — and may hold entries whose invalidation it lost: nothing of it is served
 * until a new incarnation, larger than anything seen, has started ({@link #freshIncarnation}). (A read sent
 * before may see an earlier clock: replies on different connections do not arrive in Redis' order.)
 */
final class ClockWatch {
  private final AtomicReference<Clock> highest = new AtomicReference<>();

  /** Notes a clock Redis answered or another node reported. */
  void observe(Clock clock) {
    while (true) {
      Clock seen = highest.get();
      if (seen != null && clock.compareTo(seen) <= 0) {
        return;
      }
      if (highest.compareAndSet(seen, clock)) {
        return;
      }
    }
  }

  /**
   * Whether a clock read by a request sent when {@code highestWhenSent} was the highest seen is earlier than that:
   * Redis went back in time. Notes the clock otherwise.
   */
  boolean wentBack(Clock clock, Clock highestWhenSent) {
    if (highestWhenSent != null && clock.compareTo(highestWhenSent) < 0) {
      return true;
    }
    observe(clock);
    return false;
  }

  /** The highest clock seen, or null. */
  Clock highest() {
    return highest.get();
  }

  /**
   * An incarnation for a new start of the tier: above every incarnation seen, and otherwise the current time in
   * microseconds-like resolution (milliseconds × 1000 plus a random part), so that processes that have seen
   * nothing yet still pick one above any incarnation of the past.
   */
  long freshIncarnation(long nowMillis, int random) {
    long fromTime = nowMillis * 1000 + Math.floorMod(random, 1000);
    Clock seen = highest.get();
    return seen == null ? fromTime : Math.max(fromTime, seen.incarnation() + 1);
  }
}
