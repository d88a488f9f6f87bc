package io.enginel.cache;

import io.enginel.domain.ApiError;

/**
 * What the public cache API accepts as keys and patterns. Keys live under {@code <prefix>:}; keys under
 * {@code <prefix>:_} are the invalidation scheme's own and cannot be written. A pattern for
 * {@code delete-pattern} must name at least one whole literal segment after the prefix
 * ({@code enginel:design:*}, never {@code *} or {@code enginel:*}): a bad pattern is a 400, never a
 * flush of everything by accident.
 */
public final class PublicKeys {
  static final int MAX_KEY = 1024;

  private PublicKeys() {}

  public static String check(String prefix, String key) {
    if (key == null || key.isEmpty()) {
      throw ApiError.badRequest("key", "'key' is required.");
    }
    if (key.length() > MAX_KEY) {
      throw ApiError.badRequest("key", "'key' is longer than " + MAX_KEY + " characters.");
    }
    if (!key.startsWith(prefix + ":")) {
      throw ApiError.badRequest("key", "'key' must start with '" + prefix + ":'.");
    }
    if (!printable(key)) {
      throw ApiError.badRequest("key", "'key' may not contain white space or control characters.");
    }
    return key;
  }

  public static String checkWritable(String prefix, String key) {
    check(prefix, key);
    if (key.startsWith(prefix + ":_")) {
      throw ApiError.badRequest("key", "Keys under '" + prefix + ":_' belong to the invalidation scheme.");
    }
    return key;
  }

  public static String checkPattern(String prefix, String pattern) {
    if (pattern == null || pattern.isBlank()) {
      throw ApiError.badRequest("pattern", "'pattern' is required.");
    }
    if (pattern.length() > 256) {
      throw ApiError.badRequest("pattern", "'pattern' is longer than 256 characters.");
    }
    String head = prefix + ":";
    if (!pattern.startsWith(head)) {
      throw ApiError.badRequest("pattern", "'pattern' must start with '" + head + "'.");
    }
    if (!printable(pattern)) {
      throw ApiError.badRequest("pattern", "'pattern' may not contain white space or control characters.");
    }
    String rest = pattern.substring(head.length());
    int glob = firstGlob(rest);
    int colon = rest.indexOf(':');
    boolean literalSegment = glob < 0 || (colon > 0 && colon < glob);
    if (!literalSegment) {
      throw ApiError.badRequest("pattern", "'pattern' must name a whole segment before any wildcard, as in '"
          + head + "design:*'.");
    }
    if (rest.startsWith("_")) {
      throw ApiError.badRequest("pattern", "Keys under '" + head + "_' belong to the invalidation scheme.");
    }
    return pattern;
  }

  /** No white space (any kind), no control or format character, no unpaired surrogate. */
  static boolean printable(String s) {
    return s.codePoints().allMatch(cp -> !Character.isWhitespace(cp) && !Character.isSpaceChar(cp)
        && !Character.isISOControl(cp) && Character.getType(cp) != Character.FORMAT
        && Character.getType(cp) != Character.SURROGATE && Character.getType(cp) != Character.UNASSIGNED);
  }

  private static int firstGlob(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '*' || c == '?' || c == '[') {
        return i;
      }
    }
    return -1;
  }
}
