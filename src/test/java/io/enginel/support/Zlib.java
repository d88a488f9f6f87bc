package io.enginel.support;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** An independent zlib reader, so that tests check stored and deflated bytes without Enginel's own codec. */
public final class Zlib {
  private Zlib() {}

  /** Inflates a complete zlib stream; an AssertionError when the bytes are not one. */
  public static byte[] inflate(byte[] z) {
    Inflater inf = new Inflater();
    try {
      inf.setInput(z);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      while (!inf.finished()) {
        int n = inf.inflate(chunk);
        if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
          throw new AssertionError("truncated zlib stream");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new AssertionError("not a zlib stream", e);
    } finally {
      inf.end();
    }
  }
}
