package io.enginel.cache;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The keys of one tier this process has been asked for lately: the doorkeeper of answers built from other cached
 * answers ({@link CachedRead.Loaded#basis}, a search page merged from kept matches). Such an answer is rebuilt from
 * memory and one short row read for less than it costs to store, so it is stored only when its key is asked a
 * second time; a key asked once — a search that never repeats — is never written to Redis.
 *
 * <p>Two generations of a Bloom filter (Guava's, lock-free), each taking {@code keysPerGeneration} keys at 1 % false
 * positives (about 120 KB for 100,000; a first ask is checked against both, so up to 2 % late in a generation). When
 * the newer is full it becomes the older and an empty one starts, so a key is remembered while at least
 * {@code keysPerGeneration} other keys are asked. The pair and its count are replaced together (compare-and-set), so
 * concurrent askers on several event loops rotate once per full generation. A false positive stores a first ask
 * (what every answer did before the doorkeeper); a key is never taken for new while it is remembered. Nothing is
 * allocated until the first ask.
 */
final class AskedKeys {
  /** Keys a generation takes: at 1,500 never-repeating searches a second, about a minute of them. */
  static final int KEYS_PER_GENERATION = 100_000;
  private static final double FALSE_POSITIVES = 0.01;

  /** The newer generation, the older one, and how many keys the newer has taken. */
  private record Generations(BloomFilter<CharSequence> newer, BloomFilter<CharSequence> older, AtomicInteger added) {}

  private final int keysPerGeneration;
  private final AtomicReference<Generations> generations = new AtomicReference<>();

  AskedKeys() {
    this(KEYS_PER_GENERATION);
  }

  AskedKeys(int keysPerGeneration) {
    this.keysPerGeneration = keysPerGeneration;
  }

  /** True when {@code key} was asked before and is still remembered; remembers this ask either way. */
  boolean askedBefore(String key) {
    Generations g = current();
    if (!g.newer.put(key)) { // the bits were all set already: in the newer generation
      return true;
    }
    if (g.added.incrementAndGet() == keysPerGeneration) { // exactly one asker sees the count reach it
      generations.compareAndSet(g, new Generations(generation(), g.newer, new AtomicInteger()));
    }
    return g.older.mightContain(key);
  }

  private Generations current() {
    Generations g = generations.get();
    if (g == null) {
      generations.compareAndSet(null, new Generations(generation(), generation(), new AtomicInteger()));
      g = generations.get();
    }
    return g;
  }

  private BloomFilter<CharSequence> generation() {
    return BloomFilter.create(Funnels.unencodedCharsFunnel(), keysPerGeneration, FALSE_POSITIVES);
  }
}
