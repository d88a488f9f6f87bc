package io.enginel.invalidation;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Names of the invalidation tags. A cached answer is filled under the tags of everything it shows; an
 * event invalidates tags by the rules of {@link InvalidationRules}. Both sides build names here, so they
 * cannot drift apart.
 */
public final class Tags {
  private Tags() {}

  /** An organization's detail, and every list of organizations that shows it. */
  public static String org(String id) { return "org:" + id; }
  /** Its members (and the user lists of scopes that include it). */
  public static String orgMembers(String id) { return "org:" + id + ":members"; }
  public static String orgStorage(String id) { return "org:" + id + ":storage"; }
  /** The lists of one kind ({@code designs}, {@code series}, {@code nodes} …) of every scope that includes the organization. */
  public static String orgLists(String id, String kind) { return "org:" + id + ":" + kind; }

  /** The lists of one kind of every scope that includes the organization and depend on one column. */
  public static String orgListColumn(String id, String kind, String column) {
    return "org:" + id + ":" + kind + ":f:" + column;
  }

  /** Audit log lists as staff see them: with the rows of no organization (user accounts). */
  public static final String AUDIT_STAFF = "audit:staff";

  public static String user(String id) { return "user:" + id; }
  public static String series(String id) { return "series:" + id; }
  public static String design(String id) { return "design:" + id; }
  public static String designBom(String id) { return "design:" + id + ":bom"; }
  public static String designMetadata(String id) { return "design:" + id + ":metadata"; }
  /** Every assembly node detail of a design (a deleted node takes its subtree with it). */
  public static String designNodes(String id) { return "design:" + id + ":nodes"; }
  public static String node(String id) { return "node:" + id; }
  public static String job(String id) { return "job:" + id; }
  public static String review(String id) { return "review:" + id; }
  public static String reviewMarkups(String id) { return "review:" + id + ":markups"; }
  public static String markup(String id) { return "markup:" + id; }
  /** A cached session (sessions tier), by the SHA-256 of its token. */
  public static String session(String tokenHash) { return "session:" + tokenHash; }

  /**
   * The tags a resource's detail is filled under: its own, and those of the rows it shows or belongs to
   * (a design shows its series' part number; a node belongs to its design's tree).
   */
  public static List<String> forDetail(String resource, JsonObject row) {
    String id = String.valueOf(row.getValue(resource.equals("members") ? "user" : "id"));
    return switch (resource) {
      case "organizations" -> List.of(org(id));
      case "users" -> List.of(user(id));
      case "series" -> List.of(series(id));
      case "designs" -> List.of(design(id), series(row.getString("series")));
      case "assembly-nodes" -> List.of(node(id), designNodes(row.getString("design")));
      case "analysis-jobs" -> List.of(job(id), design(row.getString("design")));
      case "reviews" -> List.of(review(id), design(row.getString("design")));
      case "markups" -> List.of(markup(id), review(row.getString("review")));
      default -> List.of();
    };
  }

  /** The kind of list tag of each resource whose lists are invalidated column by column. */
  static final java.util.Map<String, String> LIST_KINDS = java.util.Map.of("designs", "designs", "series", "series",
      "assembly-nodes", "nodes", "analysis-jobs", "jobs", "reviews", "reviews", "markups", "markups");

  /**
   * The tags of one list page of a scope: the coarse tags of {@link #forList(String, List, long)}; for the
   * resources of {@link #LIST_KINDS}, one tag per column the list depends on (its filters, ordering, search)
   * per organization; and the tag of every row it shows. An update that changes no column the list depends
   * on then reaches the page only through the rows it shows.
   */
  public static List<String> forListPage(String resource, List<String> orgIds, long userId,
                                         java.util.Set<String> columns, io.vertx.core.json.JsonArray rows) {
    List<String> tags = new ArrayList<>(forList(resource, orgIds, userId));
    String kind = LIST_KINDS.get(resource);
    if (kind != null) {
      for (String org : orgIds) {
        for (String column : columns) {
          tags.add(orgListColumn(org, kind, column));
        }
      }
      for (Object row : rows) {
        tags.add(forDetail(resource, (JsonObject) row).get(0));
      }
    }
    return tags;
  }

  /**
   * The tags a list of a resource is filled under, for a scope: one per organization of the scope (a user
   * in no organization sees only themselves: their own tag).
   */
  public static List<String> forList(String resource, List<String> orgIds, long userId) {
    if (orgIds.isEmpty()) {
      return List.of(user(Long.toString(userId)));
    }
    List<String> tags = new ArrayList<>(orgIds.size());
    for (String org : orgIds) {
      tags.add(switch (resource) {
        case "organizations" -> org(org);
        case "users" -> orgMembers(org);
        case "assembly-nodes" -> orgLists(org, "nodes");
        case "analysis-jobs" -> orgLists(org, "jobs");
        case "audit-logs" -> orgLists(org, "audit");
        default -> orgLists(org, resource);
      });
    }
    return tags;
  }
}
