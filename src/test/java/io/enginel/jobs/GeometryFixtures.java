package io.enginel.jobs;

import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;

/** Design files for the job and metadata tests: a binary STL of the unit cube, and files placed in the store. */
final class GeometryFixtures {
  private GeometryFixtures() {}

  /** The unit cube [0,1]³ as a binary STL (12 triangles, wound outward). */
  static byte[] cubeStl() {
    float[][] v = new float[8][];
    for (int i = 0; i < 8; i++) {
      v[i] = new float[] {i & 1, (i >> 1) & 1, (i >> 2) & 1};
    }
    int[][] quads = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    ByteBuffer b = ByteBuffer.allocate(84 + 50 * 12).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[80]).putInt(12);
    for (int[] q : quads) {
      for (int[] t : new int[][] {{q[0], q[1], q[2]}, {q[0], q[2], q[3]}}) {
        b.putFloat(0).putFloat(0).putFloat(0);
        for (int c : t) {
          b.putFloat(v[c][0]).putFloat(v[c][1]).putFloat(v[c][2]);
        }
        b.putShort((short) 0);
      }
    }
    return b.array();
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /**
   * Puts a file in the server's store and records it on the design, as if uploaded earlier, with no job:
   * the metadata endpoint then has to compute the geometry itself.
   */
  static void attachWithoutJob(TestServer s, UUID design, byte[] bytes) throws Exception {
    String hash = sha256(bytes);
    String relative = hash.substring(0, 2) + "/" + hash.substring(2, 4) + "/" + hash;
    Path file = Path.of(s.config.storage().dir()).resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    s.fixtures.update("UPDATE design_assets SET file_format = 'stl', file_hash = ?, file_size = ?, storage_path = ?, "
        + "upload_status = 'COMPLETED' WHERE id = ?", hash, (long) bytes.length, relative, design);
  }

  static Buffer buffer(byte[] bytes) {
    return Buffer.buffer(bytes);
  }
}
