package io.enginel.cache;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The keys of one tier this process has been asked for lately: the doorkeeper of answers built from other cached
 * answers ({@link CachedRead.Loaded#basis}, a search page merged from kept matches). Such an answer is rebuilt from
 * memory and one short row read for less than it costs to store, so it is stored only when its key is asked a
 * second time; a key asked once — a search that never repeats — is never written to Redis.
 *
 * <p>Two generations of a Bloom filter (Guava's, lock-free), each taking {@code keysPerGeneration} keys at 1 % false
 * positives (about 120 KB for 100,000). When the newer is full it becomes the older and an empty one starts, so a key
 * is remembered while at least {@code keysPerGeneration} other keys are asked. A false positive stores a first ask
 * (what every answer did before the doorkeeper); a key is never taken for new while it is remembered.
 */
final class AskedKeys {
  /** Keys a generation takes: at 1,500 never-repeating searches a second, about a minute of them. */
  static final int KEYS_PER_GENERATION = 100_000;
  private static final double FALSE_POSITIVES = 0.01;

  private final int keysPerGeneration;
  private final AtomicInteger added = new AtomicInteger();
  private volatile BloomFilter<CharSequence> newer;
  private volatile BloomFilter<CharSequence> older;

  AskedKeys() {
    this(KEYS_PER_GENERATION);
  }

  AskedKeys(int keysPerGeneration) {
    this.keysPerGeneration = keysPerGeneration;
    this.newer = generation();
    this.older = generation();
  }

  /** True when {@code key} was asked before and is still remembered; remembers this ask either way. */
  boolean askedBefore(String key) {
    BloomFilter<CharSequence> n = newer;
    BloomFilter<CharSequence> o = older;
    if (!n.put(key)) { // the bits were all set already: in the newer generation
      return true;
    }
    if (added.incrementAndGet() >= keysPerGeneration) {
      rotate(n);
    }
    return o.mightContain(key);
  }

  private synchronized void rotate(BloomFilter<CharSequence> full) {
    if (newer == full) {
      older = full;
      newer = generation();
      added.set(0);
    }
  }

  private BloomFilter<CharSequence> generation() {
    return BloomFilter.create(Funnels.unencodedCharsFunnel(), keysPerGeneration, FALSE_POSITIVES);
  }
}
