package io.enginel.http;

import io.enginel.domain.ApiError;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The file name a {@code Content-Disposition} request header gives (RFC 6266): {@code filename*} (RFC 8187,
 * {@code UTF-8''percent-encoded}) over {@code filename} (a token or a quoted string). The disposition type
 * ({@code attachment}, {@code inline}, {@code form-data}) and other parameters are not looked at. The name only
 * ever serves to compare its extension with the file's content; it never reaches the file system.
 */
final class ContentDisposition {
  static final String HEADER = "Content-Disposition";
  private static final String SHAPE = "expected e.g. Content-Disposition: attachment; filename=\"part.stl\"";
  private static final String TSPECIALS = "!#$%&'*+-.^_`|~";

  private final String header;
  private int at;

  private ContentDisposition(String header) {
    this.header = header;
  }

  /** The name, or null when there is no header or it names no file; a header that cannot be read is a 400 naming it. */
  static String filename(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    return new ContentDisposition(header.strip()).parse();
  }

  private String parse() {
    if (token().isEmpty()) {
      throw bad("it must start with a disposition type such as 'attachment'");
    }
    String plain = null;
    String extended = null;
    spaces();
    while (at < header.length()) {
      if (header.charAt(at) != ';') {
        throw bad("parameters are separated by ';' (quote a file name that holds spaces or other separators)");
      }
      at++;
      spaces();
      if (at == header.length()) {
        break;
      }
      String name = token().toLowerCase(Locale.ROOT);
      spaces();
      if (name.isEmpty() || at == header.length() || header.charAt(at) != '=') {
        throw bad("a parameter is name=value");
      }
      at++;
      spaces();
      String value = at < header.length() && header.charAt(at) == '"' ? quoted() : token();
      if (name.equals("filename")) {
        plain = value;
      } else if (name.equals("filename*")) {
        extended = extended(value);
      }
      spaces();
    }
    String name = extended != null ? extended : plain;
    if (name != null && name.isBlank()) {
      throw bad("the file name is empty");
    }
    return name;
  }

  private String token() {
    int from = at;
    while (at < header.length() && isTokenChar(header.charAt(at))) {
      at++;
    }
    return header.substring(from, at);
  }

  private String quoted() {
    StringBuilder out = new StringBuilder();
    at++; // the opening quote
    while (at < header.length()) {
      char c = header.charAt(at++);
      if (c == '"') {
        return out.toString();
      }
      if (c == '\\' && at < header.length()) {
        c = header.charAt(at++);
      }
      out.append(c);
    }
    throw bad("a quoted value is not closed");
  }

  /** {@code charset'[language]'percent-encoded} with charset UTF-8 or ISO-8859-1. */
  private String extended(String value) {
    int first = value.indexOf('\'');
    int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
    if (second < 0) {
      throw bad("filename* is charset'language'value, e.g. filename*=UTF-8''part.stl");
    }
    String charset = value.substring(0, first).toUpperCase(Locale.ROOT);
    Charset cs = switch (charset) {
      case "UTF-8" -> StandardCharsets.UTF_8;
      case "ISO-8859-1" -> StandardCharsets.ISO_8859_1;
      default -> throw bad("filename* must be encoded in UTF-8 or ISO-8859-1");
    };
    String encoded = value.substring(second + 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%') {
        int hi = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(encoded.charAt(i + 2), 16);
        if (lo < 0) {
          throw bad("filename* has a '%' not followed by two hex digits");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        bytes.write(c);
      }
    }
    return bytes.toString(cs);
  }

  private void spaces() {
    while (at < header.length() && (header.charAt(at) == ' ' || header.charAt(at) == '\t')) {
      at++;
    }
  }

  private static boolean isTokenChar(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || TSPECIALS.indexOf(c) >= 0);
  }

  private static ApiError bad(String why) {
    return ApiError.badHeader(HEADER, "The Content-Disposition header cannot be read: " + why + "; " + SHAPE + ".");
  }
}
