package io.enginel.support;

/** A pause in a test that polls or lets a timer run, without a checked exception. */
public final class Waits {
  private Waits() {}

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
