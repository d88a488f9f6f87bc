package io.enginel.http;

import io.enginel.cache.Answer;
import io.enginel.config.Tier;

/**
 * The {@code Cache-Status} header (RFC 9211) of a cacheable answer: one list member, the cache {@code enginel}, with
 * the parameters the RFC defines — structured-field syntax (RFC 8941), tokens only:
 * <ul>
 *   <li>a hit: {@code enginel; hit; ttl=42; detail=near} — {@code ttl} the seconds the entry has left,
 *       {@code detail} where it was found: {@code near} (this process's memory) or {@code redis-<tier>};</li>
 *   <li>a miss stored: {@code enginel; fwd=miss; stored; ttl=300};</li>
 *   <li>a miss not stored: {@code enginel; fwd=miss; detail=<why>}, {@code why} one of {@code unavailable},
 *       {@code too-large}, {@code refused-stale}, {@code fill-error}, {@code slow-load},
 *       {@code first-ask} (built from other cached answers, stored from its second ask);</li>
 *   <li>caching switched off for the read: {@code enginel; fwd=bypass};</li>
 *   <li>{@code ; collapsed} when the request was answered by another request's load of the same key.</li>
 * </ul>
 */
final class CacheStatus {
  private static final String HIT = "enginel; hit; ttl=";
  private static final String MISS = "enginel; fwd=miss";
  private static final String BYPASS = "enginel; fwd=bypass";
  /** Slots of the hit values made, direct-mapped by seconds left: a hot answer's value is made once a second. */
  private static final int HIT_SLOTS = 1024;

  /** A hit's value and what it was made from. */
  private record Made(long ttlSeconds, boolean near, Tier tier, String value) {}

  private final Made[] hits = new Made[HIT_SLOTS];

  /** The value for an answer of a tier; one instance per event loop (what it made is kept for the next hits). */
  String of(Answer answer, Tier tier) {
    if (answer.fill() == Answer.Fill.BYPASSED) {
      return BYPASS;
    }
    if (answer.hit() && !answer.collapsed()) {
      boolean near = answer.source() == Answer.Source.NEAR;
      int slot = (int) (answer.ttlSeconds() & (HIT_SLOTS - 1));
      Made made = hits[slot];
      if (made == null || made.ttlSeconds() != answer.ttlSeconds() || made.near() != near || made.tier() != tier) {
        made = new Made(answer.ttlSeconds(), near, tier, format(answer, tier));
        hits[slot] = made;
      }
      return made.value();
    }
    return format(answer, tier);
  }

  private static String format(Answer answer, Tier tier) {
    StringBuilder s = new StringBuilder(48);
    if (answer.hit()) {
      s.append(HIT).append(answer.ttlSeconds()).append("; detail=");
      if (answer.source() == Answer.Source.NEAR) {
        s.append("near");
      } else {
        s.append("redis-").append(tier.id());
      }
    } else {
      s.append(MISS);
      if (answer.stored()) {
        s.append("; stored; ttl=").append(answer.ttlSeconds());
      } else {
        s.append("; detail=").append(notStored(answer.fill()));
      }
    }
    if (answer.collapsed()) {
      s.append("; collapsed");
    }
    return s.toString();
  }

  private static String notStored(Answer.Fill fill) {
    return switch (fill) {
      case UNAVAILABLE -> "unavailable";
      case TOO_LARGE -> "too-large";
      case REFUSED_STALE -> "refused-stale";
      case ERROR -> "fill-error";
      case SLOW_LOAD -> "slow-load";
      case FIRST_ASK -> "first-ask";
      case STORED, BYPASSED -> throw new IllegalArgumentException(fill + " is not a reason for not storing");
    };
  }
}
