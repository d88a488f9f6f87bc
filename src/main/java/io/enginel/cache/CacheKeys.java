package io.enginel.cache;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Key naming: {@code <prefix>:} and a colon hierarchy, readable where short and hashed where long. Every
 * variable part is encoded so that it can never contain a Redis glob character ({@code * ? [ ] \}), a
 * colon, white space or a control character: a client's query string can neither split a key nor become
 * a pattern. The counterpart of the seed's {@code CacheKey} builders.
 */
public final class CacheKeys {
  /** Variable parts longer than this are replaced by a hash. */
  static final int MAX_READABLE = 80;

  private final String prefix;

  public CacheKeys(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** The seed's {@code make_key}: prefix, then each part encoded, joined by colons. */
  public String make(Object... parts) {
    return joined(null, parts);
  }

  /**
   * The prefix and each part encoded, then {@code tail} as it is (null: none), joined by colons into one string of
   * the exact size, with no copy on the way (a hot list's key is built on every hit).
   */
  private String joined(String tail, Object... parts) {
    String[] all = new String[1 + parts.length + (tail == null ? 0 : 1)];
    all[0] = prefix;
    for (int i = 0; i < parts.length; i++) {
      all[i + 1] = encode(String.valueOf(parts[i]));
    }
    if (tail != null) {
      all[all.length - 1] = tail;
    }
    return String.join(":", all);
  }

  // -- designs
  public String designDetail(String id) { return make("design", id, "detail"); }
  public String designMetadata(String id) { return make("design", id, "metadata"); }
  public String designBom(String id) { return make("design", id, "bom"); }
  /** A design list as seen by one permission scope; {@code query} is the canonical query string. */
  public String designList(String scope, String query) { return list("design", scope, query); }

  // -- organizations
  public String orgDetail(String id) { return make("organization", id, "detail"); }
  public String orgMembers(String id, String query) { return subList("organization", id, "members", query); }
  public String orgStorage(String id) { return make("organization", id, "storage"); }

  // -- users
  public String userDetail(String id) { return make("user", id, "detail"); }
  public String userMe(String id) { return make("user", id, "me"); }
  /** The seed's {@code user_permissions(user_id, org_id)}; all organizations when {@code org} is null. */
  public String userPermissions(long userId, String org) {
    return org == null ? make("user", userId, "permissions") : make("user", userId, "permissions", org);
  }
  public String userOrganizations(long userId) { return make("user", userId, "organizations"); }

  // -- series, reviews
  public String seriesDetail(String id) { return make("series", id, "detail"); }
  public String seriesVersions(String id, String query) { return subList("series", id, "versions", query); }
  public String reviewDetail(String id) { return make("review", id, "detail"); }
  public String reviewMarkups(String id, String query) { return subList("review", id, "markups", query); }

  /** The seed's {@code search_results(query, model, **filters)}. */
  public String searchResults(String model, String query, Map<String, String> filters) {
    StringBuilder q = new StringBuilder("q=").append(urlEncode(query));
    new TreeMap<>(filters).forEach((k, v) -> q.append('&').append(urlEncode(k)).append('=').append(urlEncode(v)));
    return make("search", model, readable(q.toString()));
  }

  private static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A list under one parent row ({@code series:<id>:versions:<query>}), shared by all who may see the parent. */
  public String subList(String kind, String id, String segment, String query) {
    return subListByPart(kind, id, segment, queryPart(query));
  }

  /** {@link #subList} with the query already made a key part ({@link #queryPart}). */
  public String subListByPart(String kind, String id, String segment, String queryPart) {
    return joined(queryPart, kind, id, segment);
  }

  /** Detail of any resource kind ({@code design}, {@code org}, {@code node} …). */
  public String detail(String kind, String id) { return make(kind, id, "detail"); }

  /** A list of any resource kind as seen by one permission scope. */
  public String list(String kind, String scope, String query) {
    return listByPart(kind, scope, queryPart(query));
  }

  /** {@link #list} with the query already made a key part ({@link #queryPart}): a hot list's part is kept. */
  public String listByPart(String kind, String scope, String queryPart) {
    return joined(queryPart, kind, "list", scope);
  }

  /**
   * One organization's kept matches of a list query ({@code design:matches:v1:<org>:<query of all pages, without its
   * range>}, v1 the {@link io.enginel.domain.MatchSet#VERSION} of their format), shared by every scope that sees the
   * organization.
   */
  public String matches(String kind, String org, String queryPart) {
    return make(kind, "matches", "v" + io.enginel.domain.MatchSet.VERSION, org) + ':' + queryPart;
  }

  /** A list's canonical query as the last part of its key: readable when short, hashed when long, encoded. */
  public static String queryPart(String canonicalQuery) {
    return encode(readable(canonicalQuery));
  }

  /** Sessions live in their own tier under {@code <prefix>:session:<sha-256 of token>}. */
  public String session(String tokenHash) { return make("session", tokenHash); }

  // -- bookkeeping of the invalidation scheme (docs/invalidation.md)
  /** The tier's invalidation state: one hash of its clock, floor and tag stamps (see {@link Scripts}). */
  public String invalidationState() { return prefix + ":_inv"; }
  /** The near-cache epoch: changed when a cluster member did not confirm an eviction (see MemoryLease). */
  public String memoryEpoch() { return prefix + ":_memory:epoch"; }
  /**
   * The set of keys filled under a tag in one window of time ({@link TagSetWindows}): how an invalidation finds them
   * to delete them (an optimisation only).
   */
  public String tagSet(long window, String tag) { return prefix + ":_tag:" + window + ':' + tag; }
  /** Who prunes the tier's old stamps now (one process at a time). */
  public String pruneLease() { return prefix + ":_inv:prune"; }
  /** The tier's clock, minute by minute, for pruning: {@code <incarnation>:<sequence>:<epoch seconds>} entries. */
  public String pruneMarks() { return prefix + ":_inv:marks"; }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** Encodes a part: kept as is when it only holds {@code [A-Za-z0-9._=&,-]}, else percent-encoded (UTF-8). */
  static String encode(String part) {
    if (allPlain(part)) {
      return part;
    }
    StringBuilder sb = new StringBuilder(part.length() * 3);
    part.codePoints().forEach(cp -> {
      if (plain(cp)) {
        sb.append((char) cp);
      } else {
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
          sb.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
      }
    });
    return sb.toString();
  }

  private static boolean allPlain(String part) {
    for (int i = 0; i < part.length(); i++) {
      if (!plain(part.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean plain(int c) {
    return c < PLAIN.length && PLAIN[c];
  }

  /** The characters a key part keeps as they are, by code (a table: every part of every key is checked). */
  private static final boolean[] PLAIN = new boolean[128];

  static {
    for (int c = 0; c < PLAIN.length; c++) {
      PLAIN[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-' || c == '=' || c == '&' || c == ',';
    }
  }

  /** A query part that stays readable up to {@link #MAX_READABLE} characters, else becomes {@code h<sha-256/128>}. */
  static String readable(String query) {
    String encoded = encode(query);
    return encoded.length() <= MAX_READABLE ? encoded : "h" + sha256Hex(query, 16);
  }

  static String sha256Hex(String s, int bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
