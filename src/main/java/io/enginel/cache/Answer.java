package io.enginel.cache;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * What a {@link CacheClient#read} answers: the body to send, its ETag, who may see it, where it came from, and — for
 * the HTTP caching headers — whether it was stored and why not, the seconds it has left, when its representation
 * last changed, and whether it shared another request's load.
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

  /** What became of an answer's fill: stored, or why not. A hit is {@link #STORED}: it is in the cache. */
  public enum Fill {
    /** In the cache: served from it, or stored by this read's fill. */
    STORED,
    /** Caching is switched off for this read ({@code cache.enabled}, or the resource's switch). */
    BYPASSED,
    /** The tier could not be asked, or serves nothing now (Redis away, invalidations kept for it). */
    UNAVAILABLE,
    /** Over {@code cache.maxValueBytes}, or too many tags: answered, not stored. */
    TOO_LARGE,
    /** Refused: a write invalidated one of its tags after its lookup, so it may predate that write. */
    REFUSED_STALE,
    /** The fill command failed. */
    ERROR,
    /** The load took longer than {@code cache.maxFillAgeMs}: too old to store. */
    SLOW_LOAD,
    /**
     * Built from other cached answers (a search page merged from kept matches) and not asked for before in this
     * process: rebuilt for less than storing costs, it is stored when asked again ({@link AskedKeys}).
     */
    FIRST_ASK
  }

  /**
   * The clock a cached answer is as new as: the one its entry was filled at (a hit), or the lookup's whose miss
   * computed it. A value built from cached answers is only as new as the oldest of them, and is filled no newer
   * ({@link CachedRead.Loaded#basis}): its parts may be copies an invalidation has stamped but not yet evicted.
   */
  public record Basis(String incarnation, long sequence) {
    /** The older of two bases ({@code other} may be null); different incarnations cannot be compared: null. */
    public Basis olderOf(Basis other) {
      if (other == null) {
        return this;
      }
      if (!incarnation.equals(other.incarnation)) {
        return new Basis("", -1);
      }
      return sequence <= other.sequence ? this : other;
    }
  }

  private final ResponseEntry entry;
  /** The body, when computed or already inflated; else the entry's own (raw, or inflated in memory). */
  private final Buffer body;
  private final String etag;
  private final List<String> owners;
  private final Source source;
  private final Fill fill;
  private final long ttlSeconds;
  private final long lastModifiedSeconds;
  private final boolean collapsed;
  private final Basis basis;

  private Answer(ResponseEntry entry, Buffer body, String etag, List<String> owners, Source source, Fill fill,
                 long ttlSeconds, long lastModifiedSeconds, boolean collapsed, Basis basis) {
    this.entry = entry;
    this.body = body;
    this.etag = etag;
    this.owners = owners;
    this.source = source;
    this.fill = fill;
    this.ttlSeconds = ttlSeconds;
    this.lastModifiedSeconds = lastModifiedSeconds;
    this.collapsed = collapsed;
    this.basis = basis;
  }

  /**
   * An entry served from the cache. A compressed entry read from Redis is inflated here, once: an entry that
   * cannot be read throws {@link IllegalArgumentException} (the caller treats it as a miss). A near-cache copy
   * holds its body inflated already.
   */
  static Answer hit(ResponseEntry entry, Source source) {
    return hit(entry, source, System.currentTimeMillis());
  }

  /** An entry served at {@code nowMillis}: its seconds left are counted from its expiry, as the fill set it. */
  static Answer hit(ResponseEntry entry, Source source, long nowMillis) {
    return new Answer(entry, entry.body(), entry.etag(), entry.owners(), source, Fill.STORED,
        entry.secondsLeft(nowMillis), entry.lastModifiedSeconds(), false,
        new Basis(entry.incarnation(), entry.sequence()));
  }

  /**
   * A computed answer: {@code ttlSeconds} is its lifetime when stored (else 0); {@code ticket} the clock of the
   * lookup whose miss computed it (null when there was none: then it is as new as the database now).
   */
  static Answer computed(CachedRead.Loaded loaded, String etag, Fill fill, long ttlSeconds, Clock ticket) {
    Basis own = ticket == null ? null : new Basis(ticket.incarnationText(), ticket.sequence());
    Basis basis = loaded.basis() == null ? own : loaded.basis().olderOf(own);
    return new Answer(null, loaded.body(), etag, loaded.owners(), Source.DATABASE, fill,
        fill == Fill.STORED ? ttlSeconds : 0, loaded.lastModifiedSeconds(), false, basis);
  }

  /** This answer as received by a request that joined another's load (single flight) instead of loading. */
  Answer asCollapsed() {
    return new Answer(entry, body, etag, owners, source, fill, ttlSeconds, lastModifiedSeconds, true, basis);
  }

  /** The clock this answer is as new as ({@link Basis}); null when computed from the database with no lookup. */
  public Basis basis() {
    return basis;
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
    return fill == Fill.STORED;
  }

  /** What became of its fill ({@link Fill#STORED} for a hit). */
  public Fill fill() {
    return fill;
  }

  /** Seconds the cached entry has left (0 when unknown or not cached). */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** When its representation last changed, in epoch seconds (0: not known, or the resource keeps no such time). */
  public long lastModifiedSeconds() {
    return lastModifiedSeconds;
  }

  /** Whether this request was answered by another request's load of the same key (single flight). */
  public boolean collapsed() {
    return collapsed;
  }

  /** Whether it was served from the cache (near cache or Redis). */
  public boolean hit() {
    return source != Source.DATABASE;
  }
}
