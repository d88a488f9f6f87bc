package io.enginel.cache;

import io.enginel.domain.ETags;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * A cached answer, stored as one Redis string:
 * <pre>
 *   'E' 6 | u16 len, incarnation | u64 sequence | u64 expiry (epoch ms) | u64 last modified (epoch s, 0: none)
 *         | u16 len, etag | u16 len, owners (comma-separated) | u16 len, tags (comma-separated) | u32 body size
 *         | marker, body
 * </pre>
 * (Version 5, written before the last-modified time was kept, is still read: as an entry without one.)
 * The body is the JSON response itself, ready to write (raw or zlib, see {@link ValueCodec}); the ETag
 * is computed once, at fill time; the owners say who may be served it (organization ids, {@code u:<id>},
 * {@code staff}, {@code *}), so that shared entries (a design's detail) are still checked per request.
 * The incarnation and sequence are the clock of the lookup whose miss filled it, and the tags those it was
 * filled under: a lookup serves it only while the tier is in that incarnation and none of its tags has been
 * invalidated at a later sequence — an entry carries what it takes to validate it, so that no other key's loss
 * (a tag set evicted) can let it outlive its invalidation. A copy kept in a process's memory ({@link NearCache})
 * is dropped by the same tags.
 */
public final class ResponseEntry {
  static final byte MAGIC = 'E';
  static final byte VERSION = 6;
  /** The format before {@link #lastModifiedSeconds()} was kept: read, never written. */
  static final byte VERSION_WITHOUT_LAST_MODIFIED = 5;

  private final Buffer buffer;
  private final String incarnation;
  private final long sequence;
  private final long expiresAtMillis;
  private final long lastModifiedSeconds;
  private final String etag;
  private final List<String> owners;
  /** The tags as stored, comma-separated: compared whole by a lookup, split only when asked for. */
  private final String tagText;
  private List<String> tags;
  private final int bodySize;
  private final int bodyOffset;
  /** The inflated body, kept by a copy held in memory so that its hits do not inflate again (else null). */
  private final Buffer inflated;

  private ResponseEntry(Buffer buffer, String incarnation, long sequence, long expiresAtMillis,
                        long lastModifiedSeconds, String etag, List<String> owners, String tagText, int bodySize,
                        int bodyOffset, Buffer inflated) {
    this.buffer = buffer;
    this.incarnation = incarnation;
    this.sequence = sequence;
    this.expiresAtMillis = expiresAtMillis;
    this.lastModifiedSeconds = lastModifiedSeconds;
    this.etag = etag;
    this.owners = owners;
    this.tagText = tagText;
    this.bodySize = bodySize;
    this.bodyOffset = bodyOffset;
    this.inflated = inflated;
  }

  /** Builds the stored form of a body filled at {@code clock} (the lookup's ticket) under no tag. */
  static Buffer encode(Clock clock, long expiresAtMillis, List<String> owners, byte[] body, ValueCodec codec) {
    return encode(clock, expiresAtMillis, owners, List.of(), body, codec);
  }

  /**
   * Builds the stored form of a body filled at {@code clock} (the lookup's ticket) under {@code tags}, to expire at
   * {@code expiresAtMillis}.
   */
  static Buffer encode(Clock clock, long expiresAtMillis, List<String> owners, Collection<String> tags,
                       byte[] body, ValueCodec codec) {
    return encode(clock, expiresAtMillis, 0, owners, tags, body, codec);
  }

  /**
   * Builds the stored form of a body filled at {@code clock} (the lookup's ticket) under {@code tags}, to expire at
   * {@code expiresAtMillis}, whose representation last changed at {@code lastModifiedSeconds} (0: not known).
   */
  static Buffer encode(Clock clock, long expiresAtMillis, long lastModifiedSeconds, List<String> owners,
                       Collection<String> tags, byte[] body, ValueCodec codec) {
    for (String t : tags) {
      if (t.indexOf(',') >= 0) {
        throw new IllegalArgumentException("a tag holds a comma: " + t);
      }
    }
    Buffer encodedBody = codec.encode(body);
    byte[] inc = clock.incarnationText().getBytes(StandardCharsets.US_ASCII);
    byte[] tag = etagOf(body).getBytes(StandardCharsets.US_ASCII);
    byte[] own = String.join(",", owners).getBytes(StandardCharsets.UTF_8);
    byte[] tagList = String.join(",", tags).getBytes(StandardCharsets.UTF_8);
    if (tagList.length > 0xFFFF) {
      throw new IllegalArgumentException("an entry's tags take " + tagList.length + " bytes (at most 65535)");
    }
    Buffer b = Buffer.buffer(38 + inc.length + tag.length + own.length + tagList.length + encodedBody.length());
    b.appendByte(MAGIC).appendByte(VERSION);
    b.appendUnsignedShort(inc.length).appendBytes(inc);
    b.appendLong(clock.sequence());
    b.appendLong(expiresAtMillis);
    b.appendLong(lastModifiedSeconds);
    b.appendUnsignedShort(tag.length).appendBytes(tag);
    b.appendUnsignedShort(own.length).appendBytes(own);
    b.appendUnsignedShort(tagList.length).appendBytes(tagList);
    b.appendInt(body.length);
    return b.appendBuffer(encodedBody);
  }

  /** Parses a stored entry; null when it is not one (a foreign or corrupt value counts as a miss). */
  public static ResponseEntry parse(Buffer b) {
    try {
      if (b == null || b.length() < 9 || b.getByte(0) != MAGIC
          || (b.getByte(1) != VERSION && b.getByte(1) != VERSION_WITHOUT_LAST_MODIFIED)) {
        return null;
      }
      boolean withLastModified = b.getByte(1) == VERSION;
      int pos = 2;
      int n = b.getUnsignedShort(pos);
      String inc = b.getString(pos + 2, pos + 2 + n, "US-ASCII");
      pos += 2 + n;
      long seq = b.getLong(pos);
      long expires = b.getLong(pos + 8);
      pos += 16;
      long lastModified = 0;
      if (withLastModified) {
        lastModified = b.getLong(pos);
        pos += 8;
      }
      n = b.getUnsignedShort(pos);
      String etag = b.getString(pos + 2, pos + 2 + n, "US-ASCII");
      pos += 2 + n;
      n = b.getUnsignedShort(pos);
      String own = b.getString(pos + 2, pos + 2 + n, "UTF-8");
      pos += 2 + n;
      n = b.getUnsignedShort(pos);
      String tagList = b.getString(pos + 2, pos + 2 + n, "UTF-8");
      pos += 2 + n;
      int size = b.getInt(pos);
      pos += 4;
      if (pos >= b.length() || size < 0
          || b.getByte(pos) == ValueCodec.RAW && b.length() - pos - 1 != size) { // a raw body cut or grown
        return null;
      }
      return new ResponseEntry(b, inc, seq, expires, lastModified, etag, list(own), tagList, size, pos, null);
    } catch (IndexOutOfBoundsException e) {
      return null;
    }
  }

  private static List<String> list(String commaSeparated) {
    return commaSeparated.isEmpty() ? List.of() : List.of(commaSeparated.split(","));
  }

  /**
   * This entry with its body inflated once and kept (for a copy held in memory, hit many times); the stored
   * bytes are copied, so the copy owns its memory whatever buffer the entry was read into.
   */
  ResponseEntry materialized() {
    return new ResponseEntry(buffer.copy(), incarnation, sequence, expiresAtMillis, lastModifiedSeconds, etag, owners,
        tagText, bodySize, bodyOffset, compressed() ? body() : null);
  }

  /** This entry with {@code body} as its inflated body (what its stored body inflates to); the stored bytes shared. */
  ResponseEntry withBody(Buffer body) {
    return new ResponseEntry(buffer, incarnation, sequence, expiresAtMillis, lastModifiedSeconds, etag, owners,
        tagText, bodySize, bodyOffset, body);
  }

  /** The length of the body as stored after its marker. */
  int storedBodyLength() {
    return buffer.length() - bodyOffset - 1;
  }

  /** Copies the body as stored after its marker into the start of {@code into}. */
  void copyStoredBody(byte[] into) {
    buffer.getBytes(bodyOffset + 1, buffer.length(), into, 0);
  }

  /** The length of the JSON body (inflated). */
  int bodySize() {
    return bodySize;
  }

  /** Bytes held in memory by this entry (the stored form, and the inflated body when kept). */
  int memoryBytes() {
    return buffer.length() + (inflated == null ? 0 : inflated.length());
  }

  public String incarnation() {
    return incarnation;
  }

  /** The sequence of the clock it was filled at: a tag invalidated at a later one makes it invalid. */
  public long sequence() {
    return sequence;
  }

  /** Seconds it has left at {@code nowMillis}, as the fill set its lifetime (never below 0). */
  public long secondsLeft(long nowMillis) {
    return Math.max(0, (expiresAtMillis - nowMillis) / 1000);
  }

  /** When the representation last changed, in epoch seconds, as its loader knew it (0: not known). */
  public long lastModifiedSeconds() {
    return lastModifiedSeconds;
  }

  public String etag() {
    return etag;
  }

  public List<String> owners() {
    return owners;
  }

  /** The invalidation tags it was filled under. */
  public List<String> tags() {
    List<String> t = tags;
    if (t == null) { // an immutable list: a second thread that splits again gets an equal one
      t = list(tagText);
      tags = t;
    }
    return t;
  }

  /** The tags it was filled under as stored, comma-separated (in their order). */
  String tagText() {
    return tagText;
  }

  public boolean compressed() {
    return buffer.getByte(bodyOffset) == ValueCodec.ZLIB;
  }

  /** The whole stored form, as read from Redis. */
  public Buffer stored() {
    return buffer;
  }

  /** The body as stored after its marker (zlib bytes when {@link #compressed()}). */
  public Buffer storedBody() {
    return buffer.slice(bodyOffset + 1, buffer.length());
  }

  /** The JSON body, inflated if need be (straight into an array of its recorded size). */
  public Buffer body() {
    if (inflated != null) {
      return inflated;
    }
    if (!compressed()) {
      return storedBody();
    }
    // inflated straight from the stored bytes (no copy of them first)
    return Buffer.buffer(ValueCodec.inflate(buffer.getBytes(bodyOffset + 1, buffer.length()), bodySize));
  }

  /** A strong ETag: the first 96 bits of the body's SHA-256, base64url ({@link ETags#of}). */
  public static String etagOf(byte[] body) {
    return ETags.of(body);
  }
}
