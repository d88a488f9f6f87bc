package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Inflated bodies of compressed entries, found by their exact compressed bytes: a Redis hit on an entry whose stored
 * body this process inflated before serves the bytes it inflated then, instead of inflating 13 KB again (a third of
 * a Redis hit's CPU on the hot-list page, measured in docs/performance.md) and allocating them anew.
 *
 * <p>A memo of a pure function, not a cache of answers: it never decides what is served. Every body it gives back
 * belongs to an entry that a lookup has just read from Redis and validated; the entry's ETag finds the candidate and
 * the candidate's compressed bytes must equal the entry's, byte for byte, so it answers exactly what inflating would
 * — whatever another node stored, and with no cluster, lease or invalidation to follow. Bounded by weight.
 */
final class InflateMemo {
  /** Compressed bytes and the body they inflate to. */
  private record Inflated(byte[] compressed, Buffer body) {}

  /** Per thread, the stored body copied for comparison and inflating (no allocation per hit). */
  private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[16384]});

  private final Cache<String, Inflated> bodies;
  private final LongAdder reused = new LongAdder();
  private final LongAdder inflated = new LongAdder();

  /** {@code maxBytes} 0: no memo, every hit inflates. */
  InflateMemo(long maxBytes) {
    this.bodies = maxBytes <= 0 ? null : Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((String etag, Inflated i) -> 2 * etag.length() + i.compressed().length + i.body().length() + 96)
        .executor(Runnable::run).build();
  }

  /**
   * {@code entry} with its body inflated: from the memo when these very compressed bytes were inflated before,
   * else inflated now (and kept). An entry stored raw, or whose body does not inflate, is answered as it is (its
   * reader finds it unreadable, as before).
   */
  ResponseEntry inflated(ResponseEntry entry) {
    if (bodies == null || !entry.compressed()) {
      return entry;
    }
    int n = entry.storedBodyLength();
    byte[] z = scratch(n);
    entry.copyStoredBody(z);
    Inflated known = bodies.getIfPresent(entry.etag());
    if (known != null && known.body().length() == entry.bodySize()
        && Arrays.equals(known.compressed(), 0, known.compressed().length, z, 0, n)) {
      reused.increment();
      return entry.withBody(known.body());
    }
    Buffer body;
    try {
      body = Buffer.buffer(ValueCodec.inflate(ByteBuffer.wrap(z, 0, n), entry.bodySize()));
    } catch (IllegalArgumentException corrupt) {
      return entry;
    }
    inflated.increment();
    bodies.put(entry.etag(), new Inflated(Arrays.copyOf(z, n), body));
    return entry.withBody(body);
  }

  /** Hits whose body came from the memo. */
  long reused() {
    return reused.sum();
  }

  /** Hits whose body was inflated (and kept). */
  long inflatedCount() {
    return inflated.sum();
  }

  private static byte[] scratch(int n) {
    byte[][] holder = SCRATCH.get();
    if (holder[0].length < n) {
      holder[0] = new byte[Math.max(n, holder[0].length * 2)];
    }
    return holder[0];
  }
}
