package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The near cache of one response tier: copies of Redis entries in this process's memory, so that a hit on a
 * hot answer pays no Redis round trip. It never holds what Redis would not: an entry is taken in only when a
 * lookup read it from Redis, and it is dropped by the same invalidations as the Redis entry — by its tags, by
 * key, by pattern, or all at once — on every member of the cluster before a write is answered (see
 * {@link NearEvictions}). A lookup that read Redis before an invalidation reached this process does not put
 * its copy in afterwards: each eviction is stamped, and a copy read before the stamp is refused.
 *
 * <p>Bounded by bytes (Caffeine, size-based eviction) and by age (never beyond its resource's TTL). Reads take no lock; puts and evictions take
 * this object's lock, so that an eviction and a put of the same key cannot interleave.
 */
public final class NearCache {
  /** Evictions older than this no longer fence anything: no lookup takes so long (older ones are refused). */
  private static final long FENCE_HORIZON_NANOS = Duration.ofSeconds(30).toNanos();
  private static final int STAMP_LIMIT = 10_000;

  /** A copy, and how long it may be kept (the shorter of the near cache's age and its resource's TTL). */
  private record Held(ResponseEntry entry, long lifeNanos) {}

  private final Cache<String, Held> entries;
  private final long maxAgeNanos;
  /** Keys filled under each tag; touched only under this object's lock. */
  private final Map<String, Set<String>> keysByTag = new HashMap<>();
  /** When each tag (or key, as {@code "key " + key}) was last evicted (System.nanoTime). */
  private final Map<String, Long> evictedAt = new HashMap<>();
  private volatile long clearedAt = System.nanoTime() - FENCE_HORIZON_NANOS;
  private int indexed;

  public NearCache(long maxBytes, Duration maxAge) {
    this.maxAgeNanos = maxAge.toNanos();
    this.entries = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String key, Held h) -> h.entry().memoryBytes() + 2 * key.length())
        .expireAfter(Expiry.creating((String key, Held h) -> Duration.ofNanos(h.lifeNanos())))
        .executor(Runnable::run)
        .build();
  }

  /** The copy of a key, or null. */
  public ResponseEntry get(String key) {
    Held h = entries.getIfPresent(key);
    return h == null ? null : h.entry();
  }

  /** {@link #put(String, ResponseEntry, long, long)} kept at most the near cache's age. */
  public ResponseEntry put(String key, ResponseEntry entry, long lookupStartedNanos) {
    return put(key, entry, lookupStartedNanos, 0);
  }

  /**
   * Keeps a copy of an entry read from Redis by a lookup that started at {@code lookupStartedNanos} — unless
   * one of its tags, its key or the whole cache was evicted since: the copy may predate that invalidation.
   *
   * @param ttlSeconds the TTL of the entry's resource: the copy is kept no longer (0: no TTL of its own)
   * @return the copy kept (body inflated once), or null when refused or unreadable
   */
  public ResponseEntry put(String key, ResponseEntry entry, long lookupStartedNanos, long ttlSeconds) {
    ResponseEntry copy;
    try {
      copy = entry.materialized(); // inflated outside the lock
    } catch (RuntimeException unreadable) {
      return null; // the caller serves or drops the entry itself
    }
    return keep(key, copy, lookupStartedNanos, ttlSeconds);
  }

  private synchronized ResponseEntry keep(String key, ResponseEntry copy, long lookupStartedNanos, long ttlSeconds) {
    long now = System.nanoTime();
    if (now - lookupStartedNanos > FENCE_HORIZON_NANOS || clearedAt - lookupStartedNanos >= 0
        || evictedSince("key " + key, lookupStartedNanos)) {
      return null;
    }
    for (String tag : copy.tags()) {
      if (evictedSince(tag, lookupStartedNanos)) {
        return null;
      }
    }
    for (String tag : copy.tags()) {
      if (keysByTag.computeIfAbsent(tag, t -> new java.util.HashSet<>()).add(key)) {
        indexed++;
      }
    }
    long life = ttlSeconds > 0 ? Math.min(maxAgeNanos, TimeUnit.SECONDS.toNanos(ttlSeconds)) : maxAgeNanos;
    entries.put(key, new Held(copy, life));
    if (indexed > 4 * (entries.estimatedSize() + 1_000)) {
      reindex();
    }
    return copy;
  }

  private boolean evictedSince(String what, long startedNanos) {
    Long at = evictedAt.get(what);
    return at != null && at - startedNanos >= 0;
  }

  /** Drops every copy filled under any of {@code tags}. */
  public synchronized void evictTags(Collection<String> tags) {
    long now = System.nanoTime();
    for (String tag : tags) {
      evictedAt.put(tag, now);
      Set<String> keys = keysByTag.remove(tag);
      if (keys != null) {
        indexed -= keys.size();
        entries.invalidateAll(keys);
      }
    }
    pruneStamps(now);
  }

  /** Drops the copies of these keys. */
  public synchronized void evictKeys(Collection<String> keys) {
    long now = System.nanoTime();
    for (String key : keys) {
      evictedAt.put("key " + key, now);
    }
    entries.invalidateAll(keys);
    pruneStamps(now);
  }

  /** Drops the copies whose key matches; every lookup in flight is fenced (a pattern names unknown keys). */
  public synchronized void evictMatching(Predicate<String> key) {
    clearedAt = System.nanoTime();
    entries.asMap().keySet().removeIf(key);
  }

  /** Drops everything (a new incarnation of the tier). */
  public synchronized void clear() {
    clearedAt = System.nanoTime();
    entries.invalidateAll();
    keysByTag.clear();
    indexed = 0;
  }

  public long size() {
    return entries.estimatedSize();
  }

  /** Bytes held, as weighed for the bound (stored form, inflated body, key). */
  public long bytes() {
    return entries.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  public long maxBytes() {
    return entries.policy().eviction().map(e -> e.getMaximum()).orElse(0L);
  }

  /** The tag index may name keys since expired or pushed out by size: rebuilt from what is held now. */
  private void reindex() {
    keysByTag.clear();
    indexed = 0;
    entries.asMap().forEach((key, h) -> {
      for (String tag : h.entry().tags()) {
        keysByTag.computeIfAbsent(tag, t -> new java.util.HashSet<>()).add(key);
        indexed++;
      }
    });
  }

  /**
   * Forgets stamps past the horizon; when the young ones alone exceed the limit, they all give way to one
   * clear-stamp (it fences every lookup in flight, so nothing is let through), keeping each eviction O(1).
   */
  private void pruneStamps(long now) {
    if (evictedAt.size() > STAMP_LIMIT) {
      evictedAt.values().removeIf(at -> now - at > FENCE_HORIZON_NANOS);
      if (evictedAt.size() > STAMP_LIMIT / 2) {
        evictedAt.clear();
        clearedAt = now;
      }
    }
  }
}
