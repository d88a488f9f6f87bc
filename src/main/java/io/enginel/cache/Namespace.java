package io.enginel.cache;

import io.enginel.domain.ApiError;
import io.vertx.core.json.JsonObject;

/**
 * Which keys a caller of the key/value API may touch, and what it accepts as keys and patterns.
 *
 * <ul>
 *   <li>{@link #APP}: the public interface. Other services of the cluster read and write only keys under
 *       {@code <prefix>:app:}: never a cached API response, a session, a lease, a tag set or a clock of Enginel.
 *       A key elsewhere is a 403.</li>
 *   <li>{@link #ENGINEL}: Enginel's own code, on its own node (manual invalidation by key, sessions): any key
 *       under {@code <prefix>:}, though the invalidation scheme's own keys, under {@code <prefix>:_}, are never
 *       written or deleted by hand.</li>
 * </ul>
 * In both, a pattern for a delete must name at least one whole literal segment ({@code enginel:design:*}, never
 * {@code *} or {@code enginel:*}): a bad pattern is a 400, never a flush of everything by accident.
 */
enum Namespace {
  APP {
    @Override
    String readable(String prefix, String key) {
      String checked = form(prefix, key);
      if (!checked.startsWith(app(prefix))) {
        throw outside(prefix, "key");
      }
      return checked;
    }

    @Override
    String writable(String prefix, String key) {
      return readable(prefix, key);
    }

    @Override
    String pattern(String prefix, String pattern) {
      String checked = patternForm(prefix, pattern);
      if (!checked.startsWith(app(prefix))) {
        throw outside(prefix, "pattern");
      }
      requireLiteralSegment(app(prefix), checked);
      return checked;
    }
  },
  ENGINEL {
    @Override
    String readable(String prefix, String key) {
      return form(prefix, key);
    }

    @Override
    String writable(String prefix, String key) {
      String checked = form(prefix, key);
      if (checked.startsWith(prefix + ":_")) {
        throw ApiError.badRequest("key", "Keys under '" + prefix + ":_' belong to the invalidation scheme.");
      }
      return checked;
    }

    @Override
    String pattern(String prefix, String pattern) {
      String checked = patternForm(prefix, pattern);
      String head = prefix + ":";
      requireLiteralSegment(head, checked);
      if (checked.startsWith(prefix + ":_")) {
        throw ApiError.badRequest("pattern", "Keys under '" + head + "_' belong to the invalidation scheme.");
      }
      return checked;
    }
  };

  static final int MAX_KEY = 1024;
  static final int MAX_PATTERN = 256;

  /** A key this namespace may read (and delete), or an {@link ApiError}. */
  abstract String readable(String prefix, String key);

  /** A key this namespace may write, or an {@link ApiError}. */
  abstract String writable(String prefix, String key);

  /** A pattern this namespace may delete, or an {@link ApiError}. */
  abstract String pattern(String prefix, String pattern);

  /** {@code <prefix>:app:}, where the public interface's keys live. */
  static String app(String prefix) {
    return prefix + ":app:";
  }

  private static ApiError outside(String prefix, String what) {
    return new ApiError(403, "forbidden_key", "The public cache interface reads and writes only keys under '"
        + app(prefix) + "'; this " + what + " is outside it.", new JsonObject().put("field", what));
  }

  private static String form(String prefix, String key) {
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

  private static String patternForm(String prefix, String pattern) {
    if (pattern == null || pattern.isBlank()) {
      throw ApiError.badRequest("pattern", "'pattern' is required.");
    }
    if (pattern.length() > MAX_PATTERN) {
      throw ApiError.badRequest("pattern", "'pattern' is longer than " + MAX_PATTERN + " characters.");
    }
    String head = prefix + ":";
    if (!pattern.startsWith(head)) {
      throw ApiError.badRequest("pattern", "'pattern' must start with '" + head + "'.");
    }
    if (!printable(pattern)) {
      throw ApiError.badRequest("pattern", "'pattern' may not contain white space or control characters.");
    }
    return pattern;
  }

  /**
   * After {@code head}, a whole literal segment (ended by ':') must come before any wildcard, and hold no escape:
   * {@code enginel:\_tag:*} would otherwise pass for a segment that does not start with '_'.
   */
  private static void requireLiteralSegment(String head, String pattern) {
    String rest = pattern.substring(head.length());
    int glob = firstGlob(rest);
    int colon = rest.indexOf(':');
    int escape = rest.indexOf('\\');
    if (!(glob < 0 || (colon > 0 && colon < glob)) || (escape >= 0 && (colon < 0 || escape < colon))) {
      throw ApiError.badRequest("pattern", "'pattern' must name a whole segment before any wildcard, as in '"
          + head + (head.endsWith(":app:") ? "my-service" : "design") + ":*'.");
    }
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
