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

  /**
   * Prefix of each cluster member's own address ({@code enginel.invalidation.principals.<vertx node id>}):
   * {@code {"sessions": [token hashes], "users": [ids]}} → {@code {}} once that member's in-memory principals
   * of those sessions and users are gone. A node that ends sessions or changes users asks every member and
   * waits for their answers before it answers its client (see {@link PrincipalEvictions}).
   */
  public static final String PRINCIPALS = P + "principals.";

  private InvalidationApi() {}
}
