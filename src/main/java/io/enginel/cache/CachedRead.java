package io.enginel.cache;

import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.function.Supplier;

/**
 * One cacheable read, as a caller hands it to {@link CacheClient#read}: where its answer lives and how to compute
 * it. Sent over the event bus as it is (a node-local message with a zero-copy codec, {@link LocalCodec}).
 *
 * @param tier     the tier its answer lives in
 * @param key      the cache key (holds everything that changes the answer)
 * @param resource the resource name, for statistics
 * @param ttl      seconds an answer is kept (an answer may ask for fewer, {@link Loaded#ttlSeconds()})
 * @param cached   false when caching is switched off for this read: it is computed every time
 * @param loader   computes the answer on a miss
 */
public record CachedRead(Tier tier, String key, String resource, long ttl, boolean cached,
                         Supplier<Future<Loaded>> loader) {

  /**
   * A computed answer: the JSON body, who may see it, the tags it depends on (an invalidation of any drops it),
   * when positive a shorter lifetime than the read's (a session ends at its expiry), when positive the time its
   * representation last changed, in epoch seconds (kept with the entry, for {@code Last-Modified}), and, for an
   * answer built from other cached answers, how new they were ({@link #builtFrom}).
   */
  public record Loaded(Buffer body, List<String> owners, List<String> tags, long ttlSeconds,
                       long lastModifiedSeconds, Answer.Basis basis) {
    public Loaded(Buffer body, List<String> owners, List<String> tags) {
      this(body, owners, tags, 0, 0, null);
    }

    public Loaded(Buffer body, List<String> owners, List<String> tags, long ttlSeconds) {
      this(body, owners, tags, ttlSeconds, 0, null);
    }

    public Loaded(Buffer body, List<String> owners, List<String> tags, long ttlSeconds, long lastModifiedSeconds) {
      this(body, owners, tags, ttlSeconds, lastModifiedSeconds, null);
    }

    /**
     * This answer, built from cached answers as new as {@code basis} (the oldest of theirs, {@link Answer#basis}):
     * its fill is stamped no newer, so that an invalidation that had stamped one of its tags but not yet evicted a
     * part's near-cache copy refuses it. Null: built from the database alone.
     */
    public Loaded builtFrom(Answer.Basis basis) {
      return new Loaded(body, owners, tags, ttlSeconds, lastModifiedSeconds, basis);
    }
  }

  /**
   * A loader's failure that concerns a row with owners (a design without a file, whose geometry is queued):
   * answered as it is only to a principal who may see the row; anyone else gets the plain 404, so the failure
   * reveals neither that the row exists nor anything about it.
   */
  public static final class OwnedFailure extends RuntimeException {
    private final List<String> owners;

    public OwnedFailure(Throwable cause, List<String> owners) {
      super(cause.getMessage(), cause, false, false);
      this.owners = List.copyOf(owners);
    }

    public List<String> owners() {
      return owners;
    }
  }
}
