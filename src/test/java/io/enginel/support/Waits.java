package io.enginel.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling with a deadline, for what a test cannot observe the moment it happens; and a pause without a checked exception. */
public final class Waits {
  private static final Duration EVERY = Duration.ofMillis(20);

  private Waits() {}

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Polls {@code condition} every 20 ms until it holds; fails naming {@code what} after {@code within}; answers how long it took (ms). */
  public static long until(BooleanSupplier condition, Duration within, String what) {
    return until(condition, within, EVERY, what);
  }

  /** Polls {@code condition} every {@code every} until it holds; fails naming {@code what} after {@code within}; answers how long it took (ms). */
  public static long until(BooleanSupplier condition, Duration within, Duration every, String what) {
    long start = System.nanoTime();
    long deadline = start + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within.toMillis() + " ms: " + what);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new AssertionError("interrupted while waiting: " + what);
      }
      sleep(every.toMillis());
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
