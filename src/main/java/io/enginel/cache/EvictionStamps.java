package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * When this process last learned of each invalidation of one tier — of a tag, of a key, or of everything (a new
 * incarnation, a pattern): its own, and those of every other Enginel node, which reach it before they are
 * answered. A read that started before a stamp of one of its tags (or its key, or a clear) may hold what the
 * invalidation removed:
 * <ul>
 *   <li>the near cache does not take in a copy read from Redis before such a stamp;</li>
 *   <li>a request does not join a load of its key that started before such a stamp — it would answer data the
 *       database held before a write whose answer may already have been sent;</li>
 *   <li>the consistency observer does not count as a violation an answer whose tags were invalidated after it
 *       was served.</li>
 * </ul>
 * Stamps older than {@link #HORIZON} are forgotten: anything that started before the horizon counts as fenced.
 * Callers that must check and act atomically (the near cache's put) hold this object's lock.
 */
final class EvictionStamps {
  /** No read that depends on these stamps takes longer; one that started earlier is refused. */
  static final long HORIZON_NANOS = Duration.ofSeconds(60).toNanos();
  private static final int LIMIT = 20_000;

  private final Ticker ticker;
  private final Map<String, Long> stamps = new HashMap<>();
  private volatile long clearedAt;

  EvictionStamps(Ticker ticker) {
    this.ticker = ticker;
    this.clearedAt = ticker.read() - HORIZON_NANOS;
  }

  long now() {
    return ticker.read();
  }

  synchronized void tags(Collection<String> tags) {
    long now = ticker.read();
    for (String tag : tags) {
      stamps.put(tag, now);
    }
    prune(now);
  }

  synchronized void keys(Collection<String> keys) {
    long now = ticker.read();
    for (String key : keys) {
      stamps.put("key " + key, now);
    }
    prune(now);
  }

  /** Everything: a new incarnation, or a pattern (which names keys nobody can list). */
  synchronized void everything() {
    clearedAt = ticker.read();
  }

  /**
   * Whether a read of {@code key} filled under {@code tags} that started at {@code startedNanos} may predate an
   * invalidation this process has learned of.
   */
  synchronized boolean invalidatedSince(long startedNanos, String key, Collection<String> tags) {
    if (ticker.read() - startedNanos > HORIZON_NANOS || clearedAt - startedNanos >= 0 || since("key " + key, startedNanos)) {
      return true;
    }
    for (String tag : tags) {
      if (since(tag, startedNanos)) {
        return true;
      }
    }
    return false;
  }

  private boolean since(String what, long startedNanos) {
    Long at = stamps.get(what);
    return at != null && at - startedNanos >= 0;
  }

  /** Forgets stamps past the horizon; when the young ones alone exceed the limit, they give way to one clear. */
  private void prune(long now) {
    if (stamps.size() > LIMIT) {
      stamps.values().removeIf(at -> now - at > HORIZON_NANOS);
      if (stamps.size() > LIMIT / 2) {
        stamps.clear();
        clearedAt = now;
      }
    }
  }
}
