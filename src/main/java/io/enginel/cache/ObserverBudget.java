package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * What the consistency observer may spend of the database, so that checking the cache never costs its users
 * throughput: at most {@code maxConcurrent} re-derivations at once, at most {@code maxPerSecond} started a second,
 * and on average at most {@code databaseMsPerSecond} of their time a second.
 *
 * <p>The time is a credit that fills at {@code databaseMsPerSecond} per second up to one second's worth; each
 * finished re-derivation takes what it took (the debt bounded at five seconds' worth), and none starts while the
 * credit is spent. A count alone let the observer take a tenth of the machine on list pages (50 lists a second)
 * where it took almost nothing on details; a time budget samples cheap answers often and expensive ones less, and
 * under load, when every query waits longer, it samples less by itself.
 */
final class ObserverBudget {
  private static final long SECOND = 1_000_000_000L;
  /**
   * The deepest the credit goes, in seconds' worth: a stalled database (re-derivations that each waited out a query
   * timeout) silences the observer for a few seconds after it recovers, not for the half hour its whole time would
   * take to pay off at 20 ms a second.
   */
  private static final int MAX_DEBT_SECONDS = 5;

  private final Ticker ticker;
  private final int maxConcurrent;
  private final int maxPerSecond;
  /** Nanoseconds of database time per second (the credit's rate and its bound). */
  private final long creditPerSecond;

  private long credit;
  private long lastRefill;
  private long windowStart;
  private int startedInWindow;
  private int running;

  ObserverBudget(Ticker ticker, int maxConcurrent, int maxPerSecond, long databaseMsPerSecond) {
    this.ticker = ticker;
    this.maxConcurrent = maxConcurrent;
    this.maxPerSecond = maxPerSecond;
    this.creditPerSecond = databaseMsPerSecond * 1_000_000L;
    this.credit = creditPerSecond;
    this.lastRefill = ticker.read();
    this.windowStart = lastRefill;
  }

  /** True when a re-derivation may start now; it must then be {@link #finished finished}. */
  synchronized boolean tryStart() {
    long now = ticker.read();
    refill(now);
    if (now - windowStart >= SECOND) {
      windowStart = now;
      startedInWindow = 0;
    }
    if (running >= maxConcurrent || startedInWindow >= maxPerSecond || credit <= 0) {
      return false;
    }
    running++;
    startedInWindow++;
    return true;
  }

  /** A re-derivation that {@link #tryStart started} took {@code elapsedNanos}. */
  synchronized void finished(long elapsedNanos) {
    running--;
    refill(ticker.read()); // what was earned while it ran is credited before its time is taken
    credit = Math.max(-MAX_DEBT_SECONDS * creditPerSecond, credit - Math.max(0, elapsedNanos));
  }

  /** The credit now, in nanoseconds (negative while a long re-derivation is being paid off, never below five seconds' worth). */
  synchronized long credit() {
    refill(ticker.read());
    return credit;
  }

  private void refill(long now) {
    long elapsed = now - lastRefill;
    lastRefill = now;
    if (elapsed > 0) {
      double earned = (double) elapsed * creditPerSecond / SECOND;
      credit = (long) Math.min(creditPerSecond, credit + earned);
    }
  }
}
