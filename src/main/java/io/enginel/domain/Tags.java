package io.enginel.domain;

/**
 * How invalidation tags are spelled. A cached answer is filled under the tags of everything it shows; an
 * event invalidates tags by the rules declared with each resource in {@link Resources}. Both sides spell tags
 * here, from the resources' names, so they cannot drift apart:
 * <ul>
 *   <li>{@code <item>:<id>}: one row and every answer that shows it ({@code design:d1});</li>
 *   <li>{@code <item>:<id>:<part>}: a part of a row cached on its own ({@code design:d1:bom},
 *       {@code organization:o1:storage}), or the rows of another resource that belong to it
 *       ({@code design:d1:assembly-nodes}, {@code review:r1:markups});</li>
 *   <li>{@code organization:<id>:<resource>}: the lists of a resource of every scope that includes the
 *       organization; {@code …:<resource>:f:<column>} the same lists when they depend on one column.</li>
 * </ul>
 */
public final class Tags {
  private Tags() {}

  /** Parts of a row cached on their own. */
  public static final String STORAGE = "storage";
  public static final String BOM = "bom";
  public static final String METADATA = "metadata";

  /** Audit log lists as staff see them: with the rows of no organization (user accounts). */
  public static final String AUDIT_STAFF = "audit:staff";

  /** One row of a resource, and every answer that shows it. */
  public static String of(Resource r, Object id) {
    return row(r.item(), id);
  }

  static String row(String item, Object id) {
    return item + ":" + id;
  }

  /** A part of a row cached on its own ({@link #BOM}, {@link #METADATA}, {@link #STORAGE}). */
  public static String part(Resource r, Object id, String part) {
    return of(r, id) + ":" + part;
  }

  /** The rows of {@code belonging} that belong to one row of {@code r} (a design's nodes, a review's markups). */
  public static String part(Resource r, Object id, Resource belonging) {
    return part(r, id, belonging.name());
  }

  /** The lists of {@code listed} of every scope that includes the organization. */
  public static String lists(Object org, Resource listed) {
    return lists(org, listed.name());
  }

  static String lists(Object org, String listedName) {
    return of(Resources.ORGANIZATIONS, org) + ":" + listedName;
  }

  /** The lists of {@code listed} of every scope that includes the organization and depend on one column. */
  public static String listColumn(Object org, Resource listed, String column) {
    return lists(org, listed) + ":f:" + column;
  }

  /** A cached session (sessions tier), by the SHA-256 of its token. */
  public static String session(String tokenHash) {
    return "session:" + tokenHash;
  }
}
