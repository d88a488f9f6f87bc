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
 *   'E' 2 | u16 len, incarnation | u16 len, etag | u16 len, owners (comma-separated) | u32 body size | marker, body
 * </pre>
 * The body is the JSON response itself, ready to write (raw or zlib, see {@link ValueCodec}); the ETag
 * is computed once, at fill time; the owners say who may be served it (organization ids, {@code u:<id>},
 * {@code staff}, {@code *}), so that shared entries (a design's detail) are still checked per request;
 * the incarnation ties the entry to the tier's invalidation clock (a new incarnation invalidates all).
 */
public final class ResponseEntry {
  static final byte MAGIC = 'E';
  static final byte VERSION = 2;

  private final Buffer buffer;
  private final String incarnation;
  private final String etag;
  private final List<String> owners;
  private final int bodySize;
  private final int bodyOffset;

  private ResponseEntry(Buffer buffer, String incarnation, String etag, List<String> owners, int bodySize,
                        int bodyOffset) {
    this.buffer = buffer;
    this.incarnation = incarnation;
    this.etag = etag;
    this.owners = owners;
    this.bodySize = bodySize;
    this.bodyOffset = bodyOffset;
  }

  /** Builds the stored form of a body. */
  public static Buffer encode(String incarnation, List<String> owners, byte[] body, ValueCodec codec) {
    return encode(incarnation, etagOf(body), owners, body, codec);
  }

  static Buffer encode(String incarnation, String etag, List<String> owners, byte[] body, ValueCodec codec) {
    Buffer encodedBody = codec.encode(body);
    byte[] inc = incarnation.getBytes(StandardCharsets.US_ASCII);
    byte[] tag = etag.getBytes(StandardCharsets.US_ASCII);
    byte[] own = String.join(",", owners).getBytes(StandardCharsets.UTF_8);
    Buffer b = Buffer.buffer(12 + inc.length + tag.length + own.length + encodedBody.length());
    b.appendByte(MAGIC).appendByte(VERSION);
    b.appendUnsignedShort(inc.length).appendBytes(inc);
    b.appendUnsignedShort(tag.length).appendBytes(tag);
    b.appendUnsignedShort(own.length).appendBytes(own);
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
      int size = b.getInt(pos);
      pos += 4;
      if (pos >= b.length() || size < 0) {
        return null;
      }
      return new ResponseEntry(b, inc, etag, own.isEmpty() ? List.of() : Arrays.asList(own.split(",")), size, pos);
    } catch (IndexOutOfBoundsException e) {
      return null;
    }
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

  public boolean compressed() {
    return buffer.getByte(bodyOffset) == ValueCodec.ZLIB;
  }

  /** The body as stored after its marker (zlib bytes when {@link #compressed()}). */
  public Buffer storedBody() {
    return buffer.slice(bodyOffset + 1, buffer.length());
  }

  /** The JSON body, inflated if need be (straight into an array of its recorded size). */
  public Buffer body() {
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
