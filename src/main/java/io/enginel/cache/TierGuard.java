package io.enginel.cache;

import io.enginel.config.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this process knows about one tier, whichever event loop asks: the invalidations it could not carry out
 * in Redis yet, the highest clock it has seen, when it learned of each invalidation, its near cache and the tags
 * of its keys. It decides whether what the tier's Redis holds may be used now:
 * <ul>
 *   <li>not while an invalidation is kept for later (Redis was away): the entry it concerns may still be there;</li>
 *   <li>not when Redis answers a clock below one seen before (it went back in time), nor when it has no
 *       invalidation state at all (lost, flushed, restarted empty): both become a kept "everything", so the tier
 *       serves nothing until a new incarnation above every clock seen has started.</li>
 * </ul>
 */
final class TierGuard {
  private static final Logger LOG = LoggerFactory.getLogger(TierGuard.class);

  final Tier tier;
  final PendingInvalidations pending;
  final ClockWatch clocks = new ClockWatch();
  final EvictionStamps stamps;
  /** The near cache of the tier, or null (switched off, or the sessions tier). */
  final NearCache near;
  final TagMemo memo;
  /** The keys asked lately: answers built from cached answers are stored from their second ask. */
  final AskedKeys asked = new AskedKeys();
  /** Which tag sets fills add to and invalidations drain. */
  final TagSetWindows tagSets;
  private final Runnable drainSoon;

  TierGuard(Tier tier, PendingInvalidations pending, EvictionStamps stamps, NearCache near, TagMemo memo,
            TagSetWindows tagSets, Runnable drainSoon) {
    this.tier = tier;
    this.pending = pending;
    this.stamps = stamps;
    this.near = near;
    this.memo = memo;
    this.tagSets = tagSets;
    this.drainSoon = drainSoon;
  }

  /** A kept invalidation waits for the tier: nothing it holds is served or filled. */
  boolean fenced() {
    return pending.any();
  }

  /**
   * Checks the clock a lookup read, sent when {@code highestWhenSent} was the highest clock seen. False — and the
   * tier is fenced until a new incarnation — when Redis holds no invalidation state or a clock below that one.
   */
  boolean trust(Clock clock, Clock highestWhenSent) {
    if (clock == null) {
      restart("holds no invalidation state (lost, flushed or restarted empty)");
      return false;
    }
    if (clocks.wentBack(clock, highestWhenSent)) {
      restart("answered clock " + clock + " below " + highestWhenSent + ", seen before it was asked (restored from an "
          + "older snapshot, or a replica that missed writes)");
      return false;
    }
    return true;
  }

  /**
   * Checks the clock an invalidation answered, sent when {@code highestWhenSent} was the highest clock seen: each
   * invalidation advances the sequence, so it must answer a clock above every clock seen before it was sent. One
   * that does not ran on a Redis that went back in time (restored from an older snapshot, a replica that missed
   * writes): False, and the tier is fenced until a new incarnation — the entries the restore brought back may have
   * lost their invalidations, and a lookup of another node cannot tell, since the clock it reads is not below any
   * it has seen.
   */
  boolean advanced(Clock answered, Clock highestWhenSent) {
    if (highestWhenSent != null && answered.compareTo(highestWhenSent) <= 0) {
      restart("answered invalidation clock " + answered + ", not above " + highestWhenSent + " seen before it was "
          + "sent (restored from an older snapshot, or a replica that missed writes)");
      return false;
    }
    clocks.observe(answered);
    return true;
  }

  /**
   * An entry filled at a sequence the tier's state has not reached: the state went back in time after the entry's
   * ticket was read. Fenced until a new incarnation.
   */
  void entryAhead(String key, long entrySequence, Clock clock) {
    restart("holds entry " + key + " filled at sequence " + entrySequence + ", above its clock " + clock
        + " (restored from an older snapshot, or a replica that missed writes)");
  }

  /** A clock another node's invalidation reached (its eviction carried it). */
  void observed(Clock clock) {
    if (clock != null) {
      clocks.observe(clock);
    }
  }

  private void restart(String why) {
    if (!pending.everythingPending()) {
      LOG.warn("redis tier {} {}: serving nothing from it until a new incarnation has started", tier.id(), why);
      pending.addEverything();
    }
    drainSoon.run();
  }
}
