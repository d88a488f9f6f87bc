package io.enginel.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The authenticated user and what they may see: their memberships. Two principals with the same set of
 * organizations (and the same staff flag: staff also see account-level audit rows) see the same lists, so
 * list cache entries are keyed by {@link #scopeKey()} rather than by user, and never shared between
 * different scopes.
 */
public record Principal(long userId, String username, boolean staff, Map<String, Role> memberships,
                        List<String> orgIds, String scopeKey) {

  /** Owner marker of a cache entry any authenticated user may read. */
  public static final String OWNER_ANYONE = "*";
  /** Owner marker of a cache entry only staff may read. */
  public static final String OWNER_STAFF = "staff";

  public static Principal of(long userId, String username, boolean staff, Map<String, Role> memberships) {
    TreeMap<String, Role> sorted = new TreeMap<>(memberships);
    List<String> ids = List.copyOf(sorted.keySet());
    String scope = scopeKeyOf(userId, ids) + (staff ? "s" : "");
    return new Principal(userId, username, staff, Collections.unmodifiableMap(sorted), ids, scope);
  }

  /**
   * The organization set as a short, fixed-length key. A user in no organization sees only themselves,
   * so their scope is their own ({@code u<id>}).
   */
  static String scopeKeyOf(long userId, List<String> sortedOrgIds) {
    if (sortedOrgIds.isEmpty()) {
      return "u" + userId;
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] digest = md.digest(String.join(",", sortedOrgIds).getBytes(StandardCharsets.UTF_8));
      return "o" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Role role(String orgId) {
    return memberships.get(orgId);
  }

  /** Whether a cache entry owned by {@code owners} may be served to this principal. */
  public boolean canSee(List<String> owners) {
    for (String owner : owners) {
      if (OWNER_ANYONE.equals(owner) || memberships.containsKey(owner)
          || (staff && OWNER_STAFF.equals(owner)) || owner.equals("u:" + userId)) {
        return true;
      }
    }
    return false;
  }

  public JsonObject toJson() {
    JsonArray ms = new JsonArray();
    memberships.forEach((org, role) -> ms.add(new JsonObject().put("organization", org).put("role", role.name())));
    return new JsonObject().put("user_id", userId).put("username", username).put("staff", staff).put("memberships", ms);
  }

  public static Principal fromJson(JsonObject json) {
    Map<String, Role> ms = new TreeMap<>();
    for (Object o : json.getJsonArray("memberships", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      ms.put(m.getString("organization"), Role.parse(m.getString("role")));
    }
    return of(json.getLong("user_id"), json.getString("username"), json.getBoolean("staff", false), ms);
  }

  /** What the repository needs to scope a query: organizations and the user. */
  public JsonObject scopeJson() {
    return new JsonObject().put("orgs", new JsonArray(new ArrayList<>(orgIds))).put("user", userId).put("staff", staff);
  }
}
