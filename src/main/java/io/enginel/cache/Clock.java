package io.enginel.cache;

/**
 * A tier's invalidation clock, {@code <incarnation>:<sequence>}. The incarnation is a number that only grows (a
 * new one is larger than any this process has seen, and than the one Redis holds); the sequence counts the
 * invalidations of the incarnation. Clocks compare by incarnation, then sequence: a clock lower than one seen
 * before means Redis went back in time (a restart from an older snapshot, a failover to a replica that missed
 * writes) and may hold entries whose invalidation it lost.
 */
record Clock(long incarnation, long sequence) implements Comparable<Clock> {

  /** A clock as Redis stores it; null when absent or not one of this version's (an old incarnation is hex). */
  static Clock parse(String text) {
    if (text == null) {
      return null;
    }
    int sep = text.indexOf(':');
    if (sep <= 0) {
      return null;
    }
    try {
      return new Clock(Long.parseLong(text, 0, sep, 10), Long.parseLong(text, sep + 1, text.length(), 10));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The incarnation as Redis stores it (a decimal number). */
  String incarnationText() {
    return Long.toString(incarnation);
  }

  @Override
  public int compareTo(Clock o) {
    int c = Long.compare(incarnation, o.incarnation);
    return c != 0 ? c : Long.compare(sequence, o.sequence);
  }

  @Override
  public String toString() {
    return incarnation + ":" + sequence;
  }
}
