package io.enginel.cache;

/**
 * Event-bus addresses of the cache verticle. Every body is a JSON object with an optional {@code "tier"}
 * ({@code default} | {@code sessions} | {@code longterm}, default {@code default}). Failures are reply failures
 * with an HTTP-like code (400 bad request, 403 a key outside the caller's namespace, 503 Redis unavailable) and a
 * JSON message {@code {"error", "message"}}.
 *
 * <p>Public (any member of the cluster, listed in {@code io.enginel.PublicInterface}): {@link #GET}, {@link #SET},
 * {@link #DELETE}, {@link #DELETE_PATTERN}, {@link #TTL}, {@link #GET_OR_COMPUTE}, on keys under
 * {@code <prefix>:app:} only, and {@link #WARM} with a staff token. Every other address here answers its own node
 * only, but {@link #NEAR_EVICT}, which takes the other Enginel nodes' signed messages.
 */
public final class CacheApi {
  private static final String P = "enginel.cache.";

  /** {@code {"key"}} → {@code {"key", "hit", "value"}} (a cached API response answers its JSON body, ETag and owners). */
  public static final String GET = P + "get";
  /**
   * {@code {"key", "value": any JSON, "ttl"?: seconds, "if_absent"?: bool}} → {@code {"stored", "bytes",
   * "compressed"}}; with {@code if_absent} only when the key holds nothing (SET NX), {@code stored} false otherwise.
   */
  public static final String SET = P + "set";
  /** {@code {"keys": [...]}} → {@code {"deleted"}}. */
  public static final String DELETE = P + "delete";
  /** {@code {"pattern"}} → {@code {"deleted"}}: SCAN + UNLINK in batches, never KEYS; the pattern is validated. */
  public static final String DELETE_PATTERN = P + "delete-pattern";
  /**
   * {@code {"key", "ttl"?, "loader": {"address", "body", "timeout_ms"?}}} → {@code {"key", "hit", "value"}}: on a
   * miss the loader address is asked (request/reply, its reply body is the value), once per key however
   * many ask at the same time.
   */
  public static final String GET_OR_COMPUTE = P + "get-or-compute";
  /** {@code {"key"}} → {@code {"key", "ttl"}}: seconds left, -1 without expiry, -2 absent. */
  public static final String TTL = P + "ttl";
  /**
   * Public: warming, {@code {"organization": id}} → what was warmed (its detail, storage and recent designs, filled
   * through the API's own reads); needs a staff user's bearer token in the message header {@code Authorization}.
   * Answered by the node's front door (the HTTP verticle), as {@code POST /api/cache/warm/organizations/{id}}.
   */
  public static final String WARM = P + "warm";
  /** Node-local: {@link #WARM} without a token, for the node's own start-up warming ({@code cache.warmOrganizations}). */
  public static final String APPLY_WARM = P + "apply-warm";
  /** Node-local: {@link #GET} on any of Enginel's own keys (sessions, manual invalidation). */
  public static final String OWN_GET = P + "own.get";
  /**
   * Node-local: {@link #DELETE} of Enginel's own keys (never under {@code <prefix>:_}), dropped from every node's
   * near cache too; {@code "guaranteed"}: kept and carried out when Redis is back.
   */
  public static final String OWN_DELETE = P + "own.delete";
  /** Node-local: {@link #DELETE_PATTERN} over Enginel's own keys (manual invalidation by pattern or model). */
  public static final String OWN_DELETE_PATTERN = P + "own.delete-pattern";
  /** Node-local: {@code {}} → per-tier Redis statistics and this server's own counters. */
  public static final String STATS = P + "stats";
  /** Node-local: {@code {}} → {@code {"status", "tiers": {tier: {"status", "latency_ms", "circuit"}}}}. */
  public static final String HEALTH = P + "health";

  /**
   * Node-local, zero-copy: a {@link CachedRead} → a {@code ReadOutcome} holding its {@link Answer} (or its
   * failure): the answer, cached or computed and filled. What {@link CacheClient#read} sends when it does not call
   * the instance of its event loop directly.
   */
  public static final String READ = P + "read";
  /**
   * Node-local: {@code {"tier", "tags": [...]}} → {@code {"deleted", "clock"}} or {@code {"deferred": true}} when
   * Redis is away (the tier then serves nothing until the invalidation has been carried out).
   */
  public static final String INVALIDATE_TAGS = P + "invalidate-tags";
  /**
   * Node-local: {@code {"tiers"?: [...]}} → starts a new incarnation of each tier (all three by default): every
   * cached answer and session becomes invalid at once.
   */
  public static final String INVALIDATE_ALL = P + "invalidate-all";
  /**
   * Prefix of each Enginel node's own address ({@code enginel.cache.near.<vertx node id>}), for the other nodes'
   * signed messages ({@link ClusterFanOut}): what that node keeps in memory about an invalidation goes —
   * {@code {"tier", "tags": [...]}}, {@code {"tier", "keys": [...]}}, {@code {"tier", "pattern"}} or
   * {@code {"tier", "all": true}}, with its {@code "clock"}, or {@code "pending": true} when the sender could not
   * carry it out in Redis. Confirmed once done; the sender waits for every confirmation before it answers.
   */
  public static final String NEAR_EVICT = P + "near.";
  /**
   * Node-local: {@code {}} → {@code {}} once the memory epoch has advanced and the lease has run out (see
   * {@link MemoryLease}); sent by a node that a cluster member did not answer.
   */
  public static final String MEMORY_EPOCH_ADVANCE = P + "memory-epoch.advance";

  private CacheApi() {}
}
