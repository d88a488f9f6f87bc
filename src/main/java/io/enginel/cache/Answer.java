package io.enginel.cache;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * What a {@link CacheClient#read} answers: the body to send, its ETag, who may see it, and where it came from.
 * The body of a compressed entry is inflated on demand ({@link #body()}); a client that accepts {@code deflate}
 * can be sent the stored bytes as they are ({@link #deflated()}), so compression never leaves the cache package.
 */
public final class Answer {
  /** Where an answer came from. */
  public enum Source {
    /** This process's near cache. */
    NEAR,
    /** Redis. */
    REDIS,
    /** Computed on a miss (or with caching off for the read). */
    DATABASE
  }

  private final ResponseEntry entry;
  /** The body, when computed or already inflated; else the entry's own (raw, or inflated in memory). */
  private final Buffer body;
  private final String etag;
  private final List<String> owners;
  private final Source source;
  private final boolean stored;
  private final long ttlSeconds;

  private Answer(ResponseEntry entry, Buffer body, String etag, List<String> owners, Source source, boolean stored,
                 long ttlSeconds) {
    this.entry = entry;
    this.body = body;
    this.etag = etag;
    this.owners = owners;
    this.source = source;
    this.stored = stored;
    this.ttlSeconds = ttlSeconds;
  }

  /**
   * An entry served from the cache. A compressed entry read from Redis is inflated here, once: an entry that
   * cannot be read throws {@link IllegalArgumentException} (the caller treats it as a miss). A near-cache copy
   * holds its body inflated already.
   */
  static Answer hit(ResponseEntry entry, Source source) {
    return new Answer(entry, entry.body(), entry.etag(), entry.owners(), source, true,
        entry.secondsLeft(System.currentTimeMillis()));
  }

  static Answer computed(Buffer body, String etag, List<String> owners, boolean stored, long ttlSeconds) {
    return new Answer(null, body, etag, owners, Source.DATABASE, stored, ttlSeconds);
  }

  /** The JSON body (inflated when the entry is stored compressed). */
  public Buffer body() {
    return body;
  }

  /** The stored zlib bytes of a compressed entry, to be sent with {@code Content-Encoding: deflate}; else null. */
  public Buffer deflated() {
    return entry != null && entry.compressed() ? entry.storedBody() : null;
  }

  /** A strong ETag of the body: the first 96 bits of its SHA-256, computed once at fill time. */
  public String etag() {
    return etag;
  }

  public List<String> owners() {
    return owners;
  }

  public Source source() {
    return source;
  }

  /** Whether it came from the cache, or was stored there by this read's fill. */
  public boolean stored() {
    return stored;
  }

  /** Seconds the cached entry has left (0 when unknown or not cached). */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** Whether it was served from the cache (near cache or Redis). */
  public boolean hit() {
    return source != Source.DATABASE;
  }
}
