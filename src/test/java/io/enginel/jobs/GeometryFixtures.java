package io.enginel.jobs;

import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Design files for the upload, job and metadata tests: the unit cube as binary STL (with any 80-byte header), ASCII
 * STL and OBJ, and files placed in the store.
 */
public final class GeometryFixtures {
  private static final int[][] CUBE_QUADS = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};

  private GeometryFixtures() {}

  /** The unit cube [0,1]³ as a binary STL (12 triangles, wound outward), its header all zeros. */
  public static byte[] cubeStl() {
    return cubeStl("");
  }

  /** The unit cube as a binary STL whose 80-byte header starts with {@code header} (a binary STL may start with "solid"). */
  public static byte[] cubeStl(String header) {
    ByteBuffer b = ByteBuffer.allocate(84 + 50 * 12).order(ByteOrder.LITTLE_ENDIAN);
    b.put(Arrays.copyOf(header.getBytes(StandardCharsets.US_ASCII), 80)).putInt(12);
    for (float[][] t : cubeTriangles()) {
      b.putFloat(0).putFloat(0).putFloat(0);
      for (float[] corner : t) {
        b.putFloat(corner[0]).putFloat(corner[1]).putFloat(corner[2]);
      }
      b.putShort((short) 0);
    }
    return b.array();
  }

  /** The unit cube as an ASCII STL. */
  public static byte[] asciiCubeStl() {
    StringBuilder sb = new StringBuilder("solid cube\n");
    for (float[][] t : cubeTriangles()) {
      sb.append("  facet normal 0 0 0\n    outer loop\n");
      for (float[] c : t) {
        sb.append("      vertex ").append(c[0]).append(' ').append(c[1]).append(' ').append(c[2]).append('\n');
      }
      sb.append("    endloop\n  endfacet\n");
    }
    return sb.append("endsolid cube\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The unit cube as an OBJ of six quads. */
  public static byte[] objCube() {
    StringBuilder sb = new StringBuilder("# the unit cube\no cube\n");
    for (float[] v : cubeVertices()) {
      sb.append("v ").append(v[0]).append(' ').append(v[1]).append(' ').append(v[2]).append('\n');
    }
    for (int[] q : CUBE_QUADS) {
      sb.append("f ").append(q[0] + 1).append(' ').append(q[1] + 1).append(' ').append(q[2] + 1).append(' ')
          .append(q[3] + 1).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static float[][] cubeVertices() {
    float[][] v = new float[8][];
    for (int i = 0; i < 8; i++) {
      v[i] = new float[] {i & 1, (i >> 1) & 1, (i >> 2) & 1};
    }
    return v;
  }

  private static List<float[][]> cubeTriangles() {
    float[][] v = cubeVertices();
    List<float[][]> out = new ArrayList<>();
    for (int[] q : CUBE_QUADS) {
      out.add(new float[][] {v[q[0]], v[q[1]], v[q[2]]});
      out.add(new float[][] {v[q[0]], v[q[2]], v[q[3]]});
    }
    return out;
  }

  public static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /**
   * Puts a file in the server's store and records it on the design, as if uploaded earlier, with no job:
   * the metadata endpoint then has to compute the geometry itself.
   */
  public static void attachWithoutJob(TestServer s, UUID design, byte[] bytes) throws Exception {
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
