package io.enginel.domain.geometry;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes test meshes as binary STL, ASCII STL and OBJ: cube, tetrahedron, UV sphere, open box. */
final class MeshFiles {
  private MeshFiles() {}

  /** The unit cube [0,1]³ scaled by {@code size} and moved by {@code offset}, wound outward. */
  static List<double[]> cube(double size, double[] offset) {
    double[][] v = new double[8][];
    for (int i = 0; i < 8; i++) {
      v[i] = new double[] {((i & 1) * size) + offset[0], (((i >> 1) & 1) * size) + offset[1], (((i >> 2) & 1) * size) + offset[2]};
    }
    int[][] quads = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    List<double[]> t = new ArrayList<>();
    for (int[] q : quads) {
      t.add(tri(v[q[0]], v[q[1]], v[q[2]]));
      t.add(tri(v[q[0]], v[q[2]], v[q[3]]));
    }
    return t;
  }

  /** The cube without its top face: not closed. */
  static List<double[]> openBox() {
    List<double[]> out = new ArrayList<>(cube(1, new double[3]));
    out.subList(2, 4).clear(); // the two triangles of the top face
    return out;
  }

  /** The tetrahedron (0,0,0) (1,0,0) (0,1,0) (0,0,1), wound outward. */
  static List<double[]> tetrahedron() {
    double[] o = {0, 0, 0};
    double[] x = {1, 0, 0};
    double[] y = {0, 1, 0};
    double[] z = {0, 0, 1};
    return List.of(tri(o, y, x), tri(o, x, z), tri(o, z, y), tri(x, y, z));
  }

  /** A UV sphere of radius r about the origin: 2·stacks·slices - 2·slices triangles, wound outward. */
  static List<double[]> sphere(double r, int stacks, int slices) {
    List<double[]> t = new ArrayList<>();
    for (int i = 0; i < stacks; i++) {
      double t0 = Math.PI * i / stacks;
      double t1 = Math.PI * (i + 1) / stacks;
      for (int j = 0; j < slices; j++) {
        double p0 = 2 * Math.PI * j / slices;
        double p1 = 2 * Math.PI * ((j + 1) % slices) / slices; // the seam shares its vertices exactly
        double[] a = point(r, i, stacks, t0, p0);
        double[] b = point(r, i + 1, stacks, t1, p0);
        double[] c = point(r, i + 1, stacks, t1, p1);
        double[] d = point(r, i, stacks, t0, p1);
        if (i > 0) {
          t.add(tri(a, b, d));
        }
        if (i < stacks - 1) {
          t.add(tri(b, c, d));
        }
      }
    }
    return t;
  }

  private static double[] point(double r, int stack, int stacks, double theta, double phi) {
    if (stack == 0 || stack == stacks) { // the poles: one vertex, whatever the angle's rounding
      return new double[] {0, 0, stack == 0 ? r : -r};
    }
    return new double[] {r * Math.sin(theta) * Math.cos(phi), r * Math.sin(theta) * Math.sin(phi), r * Math.cos(theta)};
  }

  static double[] tri(double[] a, double[] b, double[] c) {
    return new double[] {a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]};
  }

  static List<double[]> inverted(List<double[]> tris) {
    List<double[]> out = new ArrayList<>();
    for (double[] t : tris) {
      out.add(new double[] {t[0], t[1], t[2], t[6], t[7], t[8], t[3], t[4], t[5]});
    }
    return out;
  }

  static Path binaryStl(Path file, List<double[]> tris) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      byte[] header = new byte[80];
      byte[] solid = "solid but binary".getBytes();
      System.arraycopy(solid, 0, header, 0, solid.length); // a binary STL may start with "solid" too
      out.write(header);
      out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(tris.size()).array());
      ByteBuffer b = ByteBuffer.allocate(50).order(ByteOrder.LITTLE_ENDIAN);
      for (double[] t : tris) {
        b.clear();
        b.putFloat(0).putFloat(0).putFloat(0);
        for (double v : t) {
          b.putFloat((float) v);
        }
        b.putShort((short) 0);
        out.write(b.array());
      }
    }
    return file;
  }

  static Path asciiStl(Path file, List<double[]> tris) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      w.write("solid test\n");
      for (double[] t : tris) {
        w.write("  facet normal 0 0 0\n    outer loop\n");
        for (int c = 0; c < 3; c++) {
          w.write("      vertex " + (float) t[3 * c] + " " + (float) t[3 * c + 1] + " " + (float) t[3 * c + 2] + "\n");
        }
        w.write("    endloop\n  endfacet\n");
      }
      w.write("endsolid test\n");
    }
    return file;
  }

  /** The unit cube as an OBJ of six quads, with v//vn references. */
  static Path objCube(Path file) throws IOException {
    StringBuilder sb = new StringBuilder("# cube\n");
    for (int i = 0; i < 8; i++) {
      sb.append("v ").append(i & 1).append(' ').append((i >> 1) & 1).append(' ').append((i >> 2) & 1).append('\n');
    }
    int[][] quads = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    for (int[] q : quads) {
      sb.append("f");
      for (int v : q) {
        sb.append(' ').append(v + 1).append("//1");
      }
      sb.append('\n');
    }
    Files.writeString(file, sb.toString());
    return file;
  }
}
