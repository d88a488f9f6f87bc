package io.enginel.domain.geometry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a design file is, told by its content: its first {@link #HEAD_BYTES} bytes and its total size. Rules, in
 * this order (the first that holds decides):
 * <ol>
 *   <li>binary STL: at least 84 bytes and exactly 84 + 50 × the little-endian uint32 at offset 80 (the triangle
 *       count) — decided by size first, so a binary STL whose 80-byte header begins with "solid" is binary;</li>
 *   <li>STEP: text starting (after white space) with {@code ISO-10303-21;};</li>
 *   <li>IGES: text whose first line is an 80-column record with {@code S} in column 73;</li>
 *   <li>ASCII STL: text starting with {@code solid} with a {@code facet} line in the head;</li>
 *   <li>OBJ: text with a vertex line {@code v x y z} in the head;</li>
 *   <li>anything else is {@link #UNRECOGNISED}.</li>
 * </ol>
 * {@link MeshReader} tells binary from ASCII STL by the same rules, so a file this calls an STL is read as the
 * STL it was taken for. Names ({@link #ofName}) never decide: they are compared with what the content says.
 */
public enum ContentFormat {
  BINARY_STL("stl", "a binary STL"),
  ASCII_STL("stl", "an ASCII STL"),
  OBJ("obj", "a Wavefront OBJ"),
  STEP("step", "a STEP file (ISO 10303-21)"),
  IGES("iges", "an IGES file"),
  UNRECOGNISED("unrecognised", "none of the formats Enginel recognises");

  /** How much of a file's start detection looks at: kept in memory while an upload streams. */
  public static final int HEAD_BYTES = 64 * 1024;

  /** What geometry is computed from, in words (the {@code file_format} values are {@link MeshReader#SUPPORTED}). */
  public static final String READABLE = "binary STL, ASCII STL or Wavefront OBJ";

  private static final Map<String, String> EXTENSIONS = Map.of("stl", "stl", "obj", "obj", "step", "step",
      "stp", "step", "p21", "step", "iges", "iges", "igs", "iges");

  private final String fileFormat;
  private final String description;

  ContentFormat(String fileFormat, String description) {
    this.fileFormat = fileFormat;
    this.description = description;
  }

  /** The design's {@code file_format} this content is recorded as; {@code "unrecognised"} for none. */
  public String fileFormat() {
    return fileFormat;
  }

  /** "a binary STL", "a STEP file (ISO 10303-21)", … for messages. */
  public String description() {
    return description;
  }

  /** Whether {@link MeshReader} computes geometry from it. */
  public boolean readable() {
    return this == BINARY_STL || this == ASCII_STL || this == OBJ;
  }

  /** The format of a file whose first bytes are {@code head} (up to {@link #HEAD_BYTES}) and whose size is {@code size}. */
  public static ContentFormat detect(byte[] head, long size) {
    if (isBinaryStl(head, size)) {
      return BINARY_STL;
    }
    if (!isText(head, size)) {
      return UNRECOGNISED;
    }
    String text = new String(head, 0, head.length, StandardCharsets.ISO_8859_1);
    String start = stripBom(text).stripLeading();
    if (start.startsWith("ISO-10303-21;")) {
      return STEP;
    }
    if (isIges(text)) {
      return IGES;
    }
    boolean whole = head.length >= size;
    if (isAsciiStl(start, whole)) {
      return ASCII_STL;
    }
    if (hasLine(text, whole, ContentFormat::isObjVertex)) {
      return OBJ;
    }
    return UNRECOGNISED;
  }

  /** The triangle count a binary STL header declares, or -1 when the head is shorter than 84 bytes. */
  public static long declaredTriangles(byte[] head) {
    return head.length < 84 ? -1 : Integer.toUnsignedLong(ByteBuffer.wrap(head, 80, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
  }

  /** The {@code file_format} a file name's extension stands for ({@code .stp} → step, {@code .igs} → iges, …), or null. */
  public static String ofName(String name) {
    if (name == null) {
      return null;
    }
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    int dot = base.lastIndexOf('.');
    return dot < 0 ? null : EXTENSIONS.get(base.substring(dot + 1).trim().toLowerCase(Locale.ROOT));
  }

  /** The ASCII-STL rule, as {@link MeshReader} applies it to a file that is not a binary STL. */
  static boolean isAsciiStl(byte[] head, long size) {
    return isText(head, size) && isAsciiStl(stripBom(new String(head, StandardCharsets.ISO_8859_1)).stripLeading(),
        head.length >= size);
  }

  private static boolean isBinaryStl(byte[] head, long size) {
    long declared = declaredTriangles(head);
    return declared >= 0 && size == 84 + 50 * declared;
  }

  private static boolean isAsciiStl(String start, boolean whole) {
    if (start.length() < 5 || !start.regionMatches(true, 0, "solid", 0, 5)
        || (start.length() > 5 && !Character.isWhitespace(start.charAt(5)))) {
      return false;
    }
    return hasLine(start, whole, line -> firstWord(line).equalsIgnoreCase("facet"));
  }

  /** An 80-column record (72 of data, the section letter, a 7-digit sequence number) whose section is S (Start). */
  private static boolean isIges(String text) {
    int end = text.indexOf('\n');
    String first = end < 0 ? text : text.substring(0, end);
    if (first.endsWith("\r")) {
      first = first.substring(0, first.length() - 1);
    }
    if (first.length() < 80 || (end >= 0 && first.length() != 80) || first.charAt(72) != 'S') {
      return false;
    }
    return first.substring(73, 80).strip().chars().allMatch(Character::isDigit) && !first.substring(73, 80).isBlank();
  }

  private static boolean isObjVertex(String line) {
    String[] w = line.trim().split("\\s+");
    if (w.length < 4 || !w[0].equals("v")) {
      return false;
    }
    for (int k = 1; k <= 3; k++) {
      try {
        Double.parseDouble(w[k]);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return true;
  }

  /** Whether a complete line of {@code text} (the last one only when the head is the whole file) satisfies {@code test}. */
  private static boolean hasLine(String text, boolean whole, Predicate<String> test) {
    int from = 0;
    while (from < text.length()) {
      int end = text.indexOf('\n', from);
      if (end < 0 && !whole) {
        return false; // a line cut by the end of the head is not judged
      }
      String line = text.substring(from, end < 0 ? text.length() : end);
      if (test.test(line)) {
        return true;
      }
      from = end < 0 ? text.length() : end + 1;
    }
    return false;
  }

  private static String firstWord(String line) {
    String t = line.strip();
    int space = 0;
    while (space < t.length() && !Character.isWhitespace(t.charAt(space))) {
      space++;
    }
    return t.substring(0, space);
  }

  /**
   * Text: no byte below 0x20 but tab, line feed, form feed and carriage return (bytes from 0x80 on are allowed, for
   * UTF-8 and Latin-1 comments). A binary STL's floats and counts hold such bytes almost at once.
   */
  private static boolean isText(byte[] head, long size) {
    if (head.length == 0 || size == 0) {
      return false;
    }
    for (byte b : head) {
      if (b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\f' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private static String stripBom(String s) {
    // the UTF-8 byte order mark, read as Latin-1
    return s.startsWith("\u00ef\u00bb\u00bf") ? s.substring(3) : s;
  }
}
