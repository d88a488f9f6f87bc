package io.enginel.cache;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A cached HTTP answer, stored as one Redis string:
 * <pre>
 *   'E' 3 | u16 len, incarnation | u16 len, etag | u16 len, owners (comma-separated)
 *         | u16 len, tags (comma-separated) | u32 body size | marker, body
 * </pre>
 * The body is the JSON response itself, ready to write (raw or zlib, see {@link ValueCodec}); the ETag
 * is computed once, at fill time; the owners say who may be served it (organization ids, {@code u:<id>},
 * {@code staff}, {@code *}), so that shared entries (a design's detail) are still checked per request;
 * the incarnation ties the entry to the tier's invalidation clock (a new incarnation invalidates all); the
 * tags are those it was filled under, so that a copy kept in a process's memory ({@link NearCache}) can be
 * dropped by the same invalidations as the Redis entry.
 */
public final class ResponseEntry {
  static final byte MAGIC = 'E';
  static final byte VERSION = 3;

  private final Buffer buffer;
  private final String incarnation;
  private final String etag;
  private final List<String> owners;
  private final List<String> tags;
  private final int bodySize;
  private final int bodyOffset;
  /** The inflated body, kept by a copy held in memory so that its hits do not inflate again (else null). */
  private final Buffer inflated;

  private ResponseEntry(Buffer buffer, String incarnation, String etag, List<String> owners, List<String> tags,
                        int bodySize, int bodyOffset, Buffer inflated) {
    this.buffer = buffer;
    this.incarnation = incarnation;
    this.etag = etag;
    this.owners = owners;
    this.tags = tags;
    this.bodySize = bodySize;
    this.bodyOffset = bodyOffset;
    this.inflated = inflated;
  }

  /** Builds the stored form of a body filled under no tag. */
  public static Buffer encode(String incarnation, List<String> owners, byte[] body, ValueCodec codec) {
    return encode(incarnation, owners, List.of(), body, codec);
  }

  /** Builds the stored form of a body filled under {@code tags}. */
  public static Buffer encode(String incarnation, List<String> owners, java.util.Collection<String> tags, byte[] body,
                              ValueCodec codec) {
    Buffer encodedBody = codec.encode(body);
    byte[] inc = incarnation.getBytes(StandardCharsets.US_ASCII);
    byte[] tag = etagOf(body).getBytes(StandardCharsets.US_ASCII);
    byte[] own = String.join(",", owners).getBytes(StandardCharsets.UTF_8);
    byte[] tagList = String.join(",", tags).getBytes(StandardCharsets.UTF_8);
    if (tagList.length > 0xFFFF) {
      throw new IllegalArgumentException("an entry's tags take " + tagList.length + " bytes (at most 65535)");
    }
    Buffer b = Buffer.buffer(14 + inc.length + tag.length + own.length + tagList.length + encodedBody.length());
    b.appendByte(MAGIC).appendByte(VERSION);
    b.appendUnsignedShort(inc.length).appendBytes(inc);
    b.appendUnsignedShort(tag.length).appendBytes(tag);
    b.appendUnsignedShort(own.length).appendBytes(own);
    b.appendUnsignedShort(tagList.length).appendBytes(tagList);
    b.appendInt(body.length);
    return b.appendBuffer(encodedBody);
  }

  /** Parses a stored entry; null when it is not one (a foreign or corrupt value counts as a miss). */
  public static ResponseEntry parse(Buffer b) {
    try {
      if (b == null || b.length() < 9 || b.getByte(0) != MAGIC || b.getByte(1) != VERSION) {
        return null;
      }
      int pos = 2;
      int n = b.getUnsignedShort(pos);
      String inc = b.getString(pos + 2, pos + 2 + n, "US-ASCII");
      pos += 2 + n;
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
      if (pos >= b.length() || size < 0) {
        return null;
      }
      return new ResponseEntry(b, inc, etag, list(own), list(tagList), size, pos, null);
    } catch (IndexOutOfBoundsException e) {
      return null;
    }
  }

  private static List<String> list(String commaSeparated) {
    return commaSeparated.isEmpty() ? List.of() : Arrays.asList(commaSeparated.split(","));
  }

  /**
   * This entry with its body inflated once and kept (for a copy held in memory, hit many times); the stored
   * bytes are copied, so the copy owns its memory whatever buffer the entry was read into.
   */
  ResponseEntry materialized() {
    return new ResponseEntry(buffer.copy(), incarnation, etag, owners, tags, bodySize, bodyOffset,
        compressed() ? body() : null);
  }

  /** Bytes held in memory by this entry (the stored form, and the inflated body when kept). */
  int memoryBytes() {
    return buffer.length() + (inflated == null ? 0 : inflated.length());
  }

  /** The incarnation only, without parsing the rest (the cache verticle checks it on every hit). */
  static String incarnationOf(Buffer b) {
    if (b == null || b.length() < 4 || b.getByte(0) != MAGIC || b.getByte(1) != VERSION) {
      return null;
    }
    int n = b.getUnsignedShort(2);
    return 4 + n <= b.length() ? b.getString(4, 4 + n, "US-ASCII") : null;
  }

  public String incarnation() {
    return incarnation;
  }

  public String etag() {
    return etag;
  }

  public List<String> owners() {
    return owners;
  }

  /** The invalidation tags it was filled under. */
  public List<String> tags() {
    return tags;
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
    java.nio.ByteBuffer stored = ((io.vertx.core.internal.buffer.BufferInternal) buffer).getByteBuf()
        .nioBuffer(bodyOffset + 1, buffer.length() - bodyOffset - 1);
    return Buffer.buffer(ValueCodec.inflate(stored, bodySize));
  }

  /** A strong ETag: the first 96 bits of the body's SHA-256, base64url. */
  public static String etagOf(byte[] body) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(d, 12)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
