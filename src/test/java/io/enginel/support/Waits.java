package io.enginel.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling with a deadline, for what a test cannot observe the moment it happens; and a pause without a checked exception. */
public final class Waits {
  private Waits() {}

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Polls {@code condition} every 20 ms until it holds; fails naming {@code what} after {@code within}. */
  public static void until(BooleanSupplier condition, Duration within, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within.toMillis() + " ms: " + what);
      }
      sleep(20);
    }
  }
}
