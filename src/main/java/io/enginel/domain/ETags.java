package io.enginel.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Entity tags (RFC 9110 §8.8.3), the one place that says how Enginel makes and compares them. An ETag is derived
 * from the representation's bytes alone — the first 96 bits of their SHA-256 — so every node computes the same one
 * for the same representation, the cache at fill time and the repository inside a write's transaction alike.
 * Enginel's ETags are always strong; the deflated form of a compressed entry is another representation of the same
 * state and carries {@code "…-z"}.
 */
public final class ETags {
  /** {@code If-Match: *}: any current representation matches. */
  public static final String ANY = "*";

  private ETags() {}

  /** The strong ETag of a representation: the first 96 bits of its SHA-256, base64url, quoted. */
  public static String of(byte[] representation) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(representation);
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(d, 12)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The ETag of the deflated representation of the same body ({@code "…-z"}). */
  public static String deflated(String etag) {
    return etag.substring(0, etag.length() - 1) + "-z\"";
  }

  /**
   * Parses an {@code If-Match} value: {@code *}, or a comma-separated list of entity tags
   * ({@code "opaque"} or {@code W/"opaque"}, RFC 9110 §8.8.3). Answers the list as given ({@code [*]} for the
   * star), or null when the value is not of that form.
   */
  public static List<String> parseList(String header) {
    String value = header.trim();
    if (value.equals(ANY)) {
      return List.of(ANY);
    }
    List<String> tags = new ArrayList<>();
    int i = 0;
    int n = value.length();
    while (i < n) {
      int start = i;
      if (value.startsWith("W/", i)) {
        i += 2;
      }
      if (i >= n || value.charAt(i) != '"') {
        return null;
      }
      int close = value.indexOf('"', i + 1);
      if (close < 0 || !opaque(value, i + 1, close)) {
        return null;
      }
      tags.add(value.substring(start, close + 1));
      i = skipSpace(value, close + 1);
      if (i < n) {
        if (value.charAt(i) != ',') {
          return null;
        }
        i = skipSpace(value, i + 1);
        if (i >= n) {
          return null; // a trailing comma names nothing
        }
      }
    }
    return tags.isEmpty() ? null : tags;
  }

  /**
   * {@code If-Match} evaluated against the current ETag of an existing representation, by strong comparison
   * (RFC 9110 §13.1.1, §8.8.3.2): {@code *} matches; so does the current ETag or that of its deflated form; a weak
   * tag ({@code W/"…"}) never matches.
   */
  public static boolean ifMatch(List<String> candidates, String current) {
    String deflated = deflated(current);
    for (String c : candidates) {
      if (c.equals(ANY) || c.equals(current) || c.equals(deflated)) {
        return true;
      }
    }
    return false;
  }

  /** Whether any candidate is a weak entity tag (which strong comparison never matches). */
  public static boolean anyWeak(List<String> candidates) {
    for (String c : candidates) {
      if (c.startsWith("W/")) {
        return true;
      }
    }
    return false;
  }

  /** etagc = %x21 / %x23-7E / obs-text: visible characters but the double quote (and no space). */
  private static boolean opaque(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (c < 0x21 || c == 0x7F || c > 0xFF) {
        return false;
      }
    }
    return true;
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }
}
