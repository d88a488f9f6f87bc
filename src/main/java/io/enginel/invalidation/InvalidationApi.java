package io.enginel.invalidation;

/** Event-bus addresses of the invalidation verticle (documented in the README). */
public final class InvalidationApi {
  private static final String P = "enginel.invalidation.";

  /**
   * A committed domain event ({@link io.enginel.domain.DomainEvent} JSON) → {@code {"tags": n, "deleted": n,
   * "deferred": bool}} once its invalidations are carried out (or kept, with the tier fenced, while Redis is
   * away). Local to the node: the node that committed the write carries out its invalidation.
   */
  public static final String APPLY = P + "apply";
  /**
   * Manual invalidation: {@code {"keys": [...]}}, {@code {"pattern": "..."}}, {@code {"model": "DesignAsset"}}
   * or {@code {"model": "DesignAsset", "id": "..."}}, optionally {@code "tier"} → {@code {"deleted": n, ...}}.
   */
  public static final String MANUAL = P + "manual";
  /** {@code {}} → the state of the Postgres change listener: {@code {"listening", "notifications", "reconnects"}}. */
  public static final String STATUS = P + "status";

  private InvalidationApi() {}
}
