package io.enginel.invalidation;

/**
 * Event-bus addresses of invalidation. {@link #MANUAL} is public (any member of the cluster, with a staff
 * token); {@link #PRINCIPALS} takes the other Enginel nodes' signed messages; every other address answers its
 * own node only.
 */
public final class InvalidationApi {
  private static final String P = "enginel.invalidation.";

  /**
   * Node-local: a committed domain event ({@link io.enginel.domain.DomainEvent} JSON) → {@code {"tags": n, "deleted": n,
   * "deferred": bool}} once its invalidations are carried out (or kept, with the tier fenced, while Redis is
   * away). Local to the node: the node that committed the write carries out its invalidation.
   */
  public static final String APPLY = P + "apply";
  /**
   * Public: manual invalidation for another service, acting for a staff user whose bearer token it sends in the
   * message header {@code Authorization: Bearer <token>} (checked as HTTP checks it: 401 without a valid one,
   * 403 when the user is not staff). Bodies as {@link #APPLY_MANUAL}. Answered by the node's front door.
   */
  public static final String MANUAL = P + "manual";
  /**
   * Node-local: {@code {"keys": [...]}}, {@code {"pattern": "..."}}, {@code {"model": "DesignAsset"}} or
   * {@code {"model": "DesignAsset", "id": "...", "row": {...}}} (the row as stored, read by the front door),
   * optionally {@code "tier"} → {@code {"deleted": n, ...}}; what {@code POST /api/cache/invalidate} and
   * {@link #MANUAL} run once the caller is known to be staff.
   */
  public static final String APPLY_MANUAL = P + "apply-manual";
  /** Node-local: {@code {}} → the state of the Postgres change listener: {@code {"listening", "notifications", "reconnects"}}. */
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
