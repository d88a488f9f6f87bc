package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The near cache of one response tier: copies of Redis entries in this process's memory, so that a hit on a
 * hot answer pays no Redis round trip. It never holds what Redis would not: a copy is taken in only from a
 * validated Redis hit, and it is dropped by the same invalidations as the Redis entry — by its tags, by key, by
 * pattern, or all at once — on every member of the cluster before a write is answered (see
 * {@link NearEvictions}). A lookup that read Redis before an invalidation reached this process does not put its
 * copy in afterwards: the tier's {@link EvictionStamps} fence it.
 *
 * <p>Bounded by bytes (Caffeine, size-based eviction) and by age (never beyond its resource's TTL; each copy's
 * lifetime shortened at random by up to a tenth, {@link Lifetimes#spread()}), on an injected {@link Ticker}.
 * Reads take no lock; puts and evictions hold the stamps' lock, so that an eviction and a put of the same key cannot
 * interleave.
 */
public final class NearCache {
  /** A copy, and how long it is kept (within the shorter of the near cache's age and its resource's TTL). */
  private record Held(ResponseEntry entry, long lifeNanos) {}

  /**
   * One read in this many goes through the eviction policy ({@link Cache#getIfPresent}); the others read the copy
   * without telling it ({@link Policy#getIfPresentQuietly}).
   */
  static final int READS_PER_RECORDED_READ = 8;

  private final Cache<String, Held> entries;
  private final Policy<String, Held> policy;
  private final long maxAgeNanos;
  private final Lifetimes lifetimes;
  private final EvictionStamps stamps;
  /** Keys filled under each tag; touched only under the stamps' lock. */
  private final Map<String, Set<String>> keysByTag = new HashMap<>();
  private int indexed;

  NearCache(long maxBytes, Duration maxAge, EvictionStamps stamps, Ticker ticker) {
    this(maxBytes, maxAge, Lifetimes.spread(), stamps, ticker);
  }

  /** @param lifetimes how long each copy is kept within its bound (the shorter of {@code maxAge} and its TTL) */
  NearCache(long maxBytes, Duration maxAge, Lifetimes lifetimes, EvictionStamps stamps, Ticker ticker) {
    this.maxAgeNanos = maxAge.toNanos();
    this.lifetimes = lifetimes;
    this.stamps = stamps;
    this.entries = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String key, Held h) -> h.entry().memoryBytes() + 2 * key.length())
        .expireAfter(Expiry.creating((String key, Held h) -> Duration.ofNanos(h.lifeNanos())))
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
    this.policy = entries.policy();
  }

  /**
   * The copy of a key, or null. The eviction policy learns of a sample of the reads, one in
   * {@value #READS_PER_RECORDED_READ}: a copy read often is still read often in the sample, and keeps its place
   * against copies read rarely, while most reads skip the policy's bookkeeping. Recording a read costs more than
   * finding the copy — the policy's read buffer, its access order and frequency sketch, and their upkeep, run here
   * on the reading event loop — and most of that cost is the processor waiting on memory that a different copy's
   * last read left behind (docs/performance.md, 2026-12-07). A copy past its lifetime is never returned either way.
   */
  public ResponseEntry get(String key) {
    Held h = ThreadLocalRandom.current().nextInt(READS_PER_RECORDED_READ) == 0
        ? entries.getIfPresent(key) : policy.getIfPresentQuietly(key);
    return h == null ? null : h.entry();
  }

  /**
   * Keeps a copy of an entry read from Redis by a lookup that started at {@code lookupStartedNanos} (on the
   * stamps' ticker) — unless one of its tags, its key or the whole tier was invalidated since: the copy may
   * predate that invalidation.
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
    synchronized (stamps) {
      if (stamps.invalidatedSince(lookupStartedNanos, key, copy.tags())) {
        return null;
      }
      for (String tag : copy.tags()) {
        if (keysByTag.computeIfAbsent(tag, t -> new HashSet<>()).add(key)) {
          indexed++;
        }
      }
      long bound = ttlSeconds > 0 ? Math.min(maxAgeNanos, TimeUnit.SECONDS.toNanos(ttlSeconds)) : maxAgeNanos;
      entries.put(key, new Held(copy, lifetimes.of(bound)));
      if (indexed > 4 * (entries.estimatedSize() + 1_000)) {
        reindex();
      }
      return copy;
    }
  }

  /** Drops every copy filled under any of {@code tags} (the caller holds the stamps' lock and stamps them). */
  void evictTags(Collection<String> tags) {
    for (String tag : tags) {
      Set<String> keys = keysByTag.remove(tag);
      if (keys != null) {
        indexed -= keys.size();
        entries.invalidateAll(keys);
      }
    }
  }

  /** Drops the copies of these keys (the caller holds the stamps' lock and stamps them). */
  void evictKeys(Collection<String> keys) {
    entries.invalidateAll(keys);
  }

  /** Drops the copies whose key matches (the caller holds the stamps' lock and stamps a clear). */
  void evictMatching(Predicate<String> key) {
    entries.asMap().keySet().removeIf(key);
  }

  /** Drops everything (the caller holds the stamps' lock and stamps a clear). */
  void clear() {
    entries.invalidateAll();
    keysByTag.clear();
    indexed = 0;
  }

  /** Drops everything now (the memory epoch changed): a clear of the tier, stamped. */
  public void dropAll() {
    synchronized (stamps) {
      stamps.everything();
      clear();
    }
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
        keysByTag.computeIfAbsent(tag, t -> new HashSet<>()).add(key);
        indexed++;
      }
    });
  }
}
