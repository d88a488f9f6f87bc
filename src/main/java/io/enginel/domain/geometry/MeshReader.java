package io.enginel.domain.geometry;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads STL (binary and ASCII) and Wavefront OBJ files into a {@link Mesh}. A binary STL is recognised by
 * its size (84 + 50 bytes per declared triangle), even when its header starts with "solid" (the rules of
 * {@link ContentFormat}, which uploads are checked with); it is read
 * through a memory map, a 50 MB file of a million triangles without a copy. Every malformed input is a
 * {@link GeometryException} saying what is wrong.
 */
public final class MeshReader {
  /** STEP and IGES describe exact (B-rep) geometry; reading them needs a CAD kernel, which Enginel has not. */
  public static final List<String> SUPPORTED = List.of("stl", "obj");

  private MeshReader() {}

  /** Reads a file of the given format ({@code stl} or {@code obj}). */
  public static Mesh read(Path file, String format) throws GeometryException {
    String f = format == null ? "" : format.toLowerCase(Locale.ROOT);
    try {
      if (!Files.isRegularFile(file)) {
        throw new GeometryException("the file " + file.getFileName() + " does not exist");
      }
      if (Files.size(file) == 0) {
        throw new GeometryException("the file is empty");
      }
      return switch (f) {
        case "stl" -> readStl(file);
        case "obj" -> readObj(file);
        case "step", "iges" -> throw new GeometryException(f.toUpperCase(Locale.ROOT)
            + " geometry cannot be extracted (it needs a CAD kernel); upload an STL or OBJ mesh");
        default -> throw new GeometryException("unsupported file format '" + format + "' (STL or OBJ)");
      };
    } catch (IOException e) {
      throw new GeometryException("the file cannot be read: " + e.getMessage(), e);
    }
  }

  static Mesh readStl(Path file) throws IOException, GeometryException {
    long size = Files.size(file);
    if (size >= 84) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        MappedByteBuffer head = ch.map(FileChannel.MapMode.READ_ONLY, 80, 4);
        long declared = Integer.toUnsignedLong(head.order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        if (84 + 50 * declared == size) {
          return readBinaryStl(ch, (int) declared);
        }
        if (!looksLikeAsciiStl(file)) {
          throw new GeometryException("binary STL declares " + declared + " triangles but holds "
              + Math.max(0, (size - 84) / 50) + " (" + size + " bytes)");
        }
      }
    }
    if (!looksLikeAsciiStl(file)) {
      throw new GeometryException("not an STL file (not a binary STL by its size, no 'solid' header followed by 'facet' lines)");
    }
    return readAsciiStl(file);
  }

  /** The ASCII-STL rule of {@link ContentFormat}, so that an upload taken for an ASCII STL is read as one. */
  private static boolean looksLikeAsciiStl(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return ContentFormat.isAsciiStl(in.readNBytes(ContentFormat.HEAD_BYTES), Files.size(file));
    }
  }

  private static Mesh readBinaryStl(FileChannel ch, int count) throws IOException, GeometryException {
    if (count == 0) {
      throw new GeometryException("the STL file holds no triangles");
    }
    MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 84, 50L * count);
    buf.order(ByteOrder.LITTLE_ENDIAN);
    float[] corners = new float[9 * count];
    for (int t = 0; t < count; t++) {
      int base = t * 50 + 12; // skip the normal
      for (int k = 0; k < 9; k++) {
        float v = buf.getFloat(base + 4 * k);
        if (!Float.isFinite(v)) {
          throw new GeometryException("triangle " + t + " has a coordinate that is not a number");
        }
        corners[9 * t + k] = v;
      }
    }
    return new Mesh(corners, count);
  }

  private static Mesh readAsciiStl(Path file) throws IOException, GeometryException {
    Mesh.Builder mesh = new Mesh.Builder();
    float[] nine = new float[9];
    int vertex = 0;
    int lineNo = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.US_ASCII), 1 << 16)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNo++;
        String[] w = line.trim().split("\\s+");
        if (w.length == 0 || w[0].isEmpty()) {
          continue;
        }
        switch (w[0].toLowerCase(Locale.ROOT)) {
          case "vertex" -> {
            if (w.length < 4 || vertex >= 3) {
              throw new GeometryException("line " + lineNo + ": a facet needs exactly three 'vertex x y z' lines");
            }
            for (int k = 0; k < 3; k++) {
              nine[vertex * 3 + k] = number(w[k + 1], lineNo);
            }
            vertex++;
          }
          case "endloop" -> {
            if (vertex != 3) {
              throw new GeometryException("line " + lineNo + ": a facet has " + vertex + " vertices, not 3");
            }
          }
          case "endfacet" -> {
            if (vertex != 3) {
              throw new GeometryException("line " + lineNo + ": a facet has " + vertex + " vertices, not 3");
            }
            mesh.add(nine);
            vertex = 0;
          }
          case "solid", "facet", "outer", "endsolid" -> { }
          default -> throw new GeometryException("line " + lineNo + ": unexpected '" + shorten(w[0]) + "' in ASCII STL");
        }
      }
    }
    if (vertex != 0) {
      throw new GeometryException("the ASCII STL ends inside a facet");
    }
    Mesh m = mesh.build();
    if (m.triangles() == 0) {
      throw new GeometryException("the STL file holds no triangles");
    }
    return m;
  }

  static Mesh readObj(Path file) throws IOException, GeometryException {
    float[] vertices = new float[3 * 1024];
    int count = 0;
    Mesh.Builder mesh = new Mesh.Builder();
    float[] nine = new float[9];
    int lineNo = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNo++;
        String s = line.trim();
        if (s.startsWith("v ") || s.startsWith("v\t")) {
          String[] w = s.split("\\s+");
          if (w.length < 4) {
            throw new GeometryException("line " + lineNo + ": a vertex needs x y z");
          }
          if (3 * (count + 1) > vertices.length) {
            vertices = Arrays.copyOf(vertices, vertices.length * 2);
          }
          for (int k = 0; k < 3; k++) {
            vertices[3 * count + k] = number(w[k + 1], lineNo);
          }
          count++;
        } else if (s.startsWith("f ") || s.startsWith("f\t")) {
          String[] w = s.split("\\s+");
          if (w.length < 4) {
            throw new GeometryException("line " + lineNo + ": a face needs at least three vertices");
          }
          int[] idx = new int[w.length - 1];
          for (int i = 1; i < w.length; i++) {
            idx[i - 1] = vertexIndex(w[i], count, lineNo);
          }
          for (int i = 1; i + 1 < idx.length; i++) { // a polygon becomes a fan of triangles
            int[] tri = {idx[0], idx[i], idx[i + 1]};
            for (int c = 0; c < 3; c++) {
              System.arraycopy(vertices, 3 * tri[c], nine, 3 * c, 3);
            }
            mesh.add(nine);
          }
        }
      }
    }
    Mesh m = mesh.build();
    if (m.triangles() == 0) {
      throw new GeometryException("the OBJ file holds no faces");
    }
    return m;
  }

  /** {@code v}, {@code v/vt}, {@code v/vt/vn} or {@code v//vn}; negative indices count back from the last vertex. */
  private static int vertexIndex(String token, int count, int lineNo) throws GeometryException {
    String v = token.contains("/") ? token.substring(0, token.indexOf('/')) : token;
    int i;
    try {
      i = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new GeometryException("line " + lineNo + ": '" + shorten(token) + "' is not a vertex reference");
    }
    int zeroBased = i > 0 ? i - 1 : count + i;
    if (i == 0 || zeroBased < 0 || zeroBased >= count) {
      throw new GeometryException("line " + lineNo + ": the face refers to vertex " + i + " of " + count);
    }
    return zeroBased;
  }

  private static float number(String s, int lineNo) throws GeometryException {
    try {
      float f = Float.parseFloat(s);
      if (!Float.isFinite(f)) {
        throw new NumberFormatException();
      }
      return f;
    } catch (NumberFormatException e) {
      throw new GeometryException("line " + lineNo + ": '" + shorten(s) + "' is not a number");
    }
  }

  private static String shorten(String s) {
    return s.length() > 32 ? s.substring(0, 32) + "…" : s;
  }
}
