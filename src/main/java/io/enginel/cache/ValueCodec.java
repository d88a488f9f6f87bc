package io.enginel.cache;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * How values are stored: one marker byte, then the bytes raw ({@link #RAW}) or zlib-compressed
 * ({@link #ZLIB}, java.util.zip, the format of django-redis' ZlibCompressor). Values under the threshold
 * stay raw: compressing a few hundred bytes saves nothing and costs time on every read. So do values that deflate
 * does not shrink by at least a quarter ({@link #worthCompressing}): a search's kept matches, two thirds random ids,
 * deflate to 94 % — stored compressed they cost an inflate on every Redis hit and, in the near cache, which keeps a
 * compressed copy inflated, almost twice their size. JSON bodies deflate to a fifth or less.
 */
public final class ValueCodec {
  public static final byte RAW = 0;
  public static final byte ZLIB = 1;

  private final int threshold;
  private final int level;

  public ValueCodec(int threshold, int level) {
    this.threshold = threshold;
    this.level = level;
  }

  /** Marker and bytes: compressed when at least {@code threshold} long and compression is worth it. */
  public Buffer encode(byte[] raw) {
    if (raw.length >= threshold && threshold >= 0) {
      byte[] z = deflate(raw, level);
      if (worthCompressing(z.length, raw.length)) {
        return Buffer.buffer(z.length + 1).appendByte(ZLIB).appendBytes(z);
      }
    }
    return Buffer.buffer(raw.length + 1).appendByte(RAW).appendBytes(raw);
  }

  /** Whether {@code raw} bytes that deflate to {@code deflated} are stored compressed: a quarter saved, at least. */
  static boolean worthCompressing(long deflated, long raw) {
    return deflated * 4 <= raw * 3;
  }

  /** The original bytes of {@code value[offset..]}. */
  public static byte[] decode(Buffer value, int offset) {
    byte marker = value.getByte(offset);
    byte[] payload = value.getBytes(offset + 1, value.length());
    return switch (marker) {
      case RAW -> payload;
      case ZLIB -> inflate(payload);
      default -> throw new IllegalArgumentException("unknown value marker " + marker);
    };
  }

  /** One Deflater per thread and level, reset between uses (creating one costs native set-up each time). */
  private static final ThreadLocal<Deflater[]> DEFLATERS = ThreadLocal.withInitial(() -> new Deflater[10]);
  private static final ThreadLocal<Inflater> INFLATERS = ThreadLocal.withInitial(Inflater::new);

  static byte[] deflate(byte[] raw, int level) {
    Deflater[] perLevel = DEFLATERS.get();
    Deflater d = perLevel[level];
    if (d == null) {
      d = new Deflater(level);
      perLevel[level] = d;
    }
    d.reset();
    d.setInput(raw);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 3));
    byte[] chunk = new byte[8192];
    while (!d.finished()) {
      int n = d.deflate(chunk);
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }

  /**
   * Inflates straight into an array of the known original size. Used for cached answers, whose entries
   * record their original size.
   */
  static byte[] inflate(byte[] z, int originalSize) {
    return inflate(ByteBuffer.wrap(z), originalSize);
  }

  static byte[] inflate(ByteBuffer z, int originalSize) {
    Inflater inf = INFLATERS.get();
    inf.reset();
    try {
      inf.setInput(z);
      byte[] out = new byte[originalSize];
      int n = 0;
      while (n < originalSize) {
        int k = inf.inflate(out, n, originalSize - n);
        if (k == 0 && (inf.needsInput() || inf.needsDictionary() || inf.finished())) {
          break;
        }
        n += k;
      }
      if (n != originalSize || !inf.finished()) {
        throw new IllegalArgumentException("corrupt zlib value: expected " + originalSize + " bytes, found " + n);
      }
      return out;
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("corrupt zlib value", e);
    }
  }

  public static byte[] inflate(byte[] z) {
    Inflater inf = INFLATERS.get();
    inf.reset();
    try {
      inf.setInput(z);
      ByteArrayOutputStream out = new ByteArrayOutputStream(z.length * 4);
      byte[] chunk = new byte[16384];
      while (!inf.finished()) {
        int n = inf.inflate(chunk);
        if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
          throw new IllegalArgumentException("truncated zlib value");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("corrupt zlib value", e);
    }
  }

}
