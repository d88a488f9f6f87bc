package io.enginel.cache;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long something this process keeps in memory is kept: a near-cache copy, a principal. {@link #spread()} shortens
 * each lifetime at random by up to a tenth of its bound, so that what was taken in together — every hot answer in the
 * first second after a start or a flush, every session of a burst of logins — does not expire at one instant and
 * go back to Redis all at once, minute after minute; each refill draws again. Never longer than the bound: every
 * promise about an entry's age holds as before. Measured in docs/performance.md (2026-12-07, ninth session).
 */
@FunctionalInterface
public interface Lifetimes {
  /** The largest share of a bound that {@link #spread()} takes off. */
  double SPREAD = 0.1;

  /** The lifetime of one entry whose lifetime may be at most {@code bound} (in any unit): between 0 and bound. */
  long of(long bound);

  /** Each lifetime drawn uniformly between {@code (1 - SPREAD) × bound} and the bound. */
  static Lifetimes spread() {
    return bound -> bound - (long) (ThreadLocalRandom.current().nextDouble() * SPREAD * bound);
  }

  /** Every lifetime exactly its bound. */
  static Lifetimes exact() {
    return bound -> bound;
  }
}
