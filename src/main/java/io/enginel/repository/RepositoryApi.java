package io.enginel.repository;

/**
 * Event-bus addresses of the repository verticle, every one answered by its own node only. Request/reply, JSON
 * bodies; a failure is a reply
 * failure whose code is an HTTP status and whose message is the error JSON
 * ({@link io.enginel.domain.ApiError}). Documented in the README; used by the HTTP verticle through
 * {@link RepositoryClient}.
 */
public final class RepositoryApi {
  private static final String P = "enginel.repository.";

  /** {@code {"query": ListQuery, "scope": {"orgs", "user", "staff"}, "parent"?: {"resource", "id"}}} → {@code {"count", "rows", "owners"?}}. */
  public static final String LIST = P + "list";
  /**
   * {@code {"query": ListQuery, "organization"}} → {@code {"matches": bytes}}: one organization's matches of a list
   * query whose resource keeps them ({@link io.enginel.domain.MatchSet}; the query without its range filters, ordered
   * by the resource's match order), else a 400.
   */
  public static final String LIST_MATCHES = P + "list.matches";
  /**
   * {@code {"query": ListQuery, "scope", "ids": [uuid, ...]}} → {@code {"rows": [...], "keys": [epoch µs, ...]}}: the
   * rows among {@code ids} that the scope sees and that meet the query now, in no order, with their order keys.
   */
  public static final String LIST_ROWS = P + "list.rows";
  /** {@code {"resource", "id"}} → {@code {"row", "owners"}}. */
  public static final String GET = P + "get";
  /** {@code {"design"}} → {@code {"row": bom tree, "owners"}}. */
  public static final String BOM = P + "bom";
  /** {@code {"organization"}} → {@code {"row": storage, "owners"}}. */
  public static final String STORAGE = P + "storage";
  /** {@code {"user"}} → {@code {"row": me, "owners"}}. */
  public static final String ME = P + "me";
  /** {@code {"resource", "fields", "parent"?, "actor", "ip", "password_hash"?}} → {@code {"row", "event"}}. */
  public static final String CREATE = P + "create";
  /** {@code {"resource", "id", "fields", "replace", "parent"?, "actor", "ip"}} → {@code {"row", "event"}}. */
  public static final String UPDATE = P + "update";
  /** {@code {"resource", "id", "parent"?, "actor", "ip"}} → {@code {"event"}}. */
  public static final String DELETE = P + "delete";
  /** {@code {"op": "add"|"remove", "review", "user", "actor", "ip"}} → {@code {"row", "event"}}. */
  public static final String REVIEWERS = P + "reviewers";
  /** {@code {"design", "sha256", "size", "path", "file_format", "density", "actor", "ip"}} → {@code {"row": design (+ "job", "previous_file_format"), "events"}}. */
  public static final String FILE_ATTACH = P + "file.attach";
  /** {@code {"design"}} → {@code {"row": metadata or null, "owners", "file", "job"}}. */
  public static final String METADATA = P + "metadata";
  /** {@code {"design", "properties"}} → stores geometry computed on demand. */
  public static final String METADATA_SAVE = P + "metadata.save";
  /** {@code {"stale_after_seconds"}} → {@code {"row": job to run, or {}}}. */
  public static final String JOB_CLAIM = P + "jobs.claim";
  /** {@code {"job", "progress"}}. */
  public static final String JOB_PROGRESS = P + "jobs.progress";
  /** {@code {"job", "properties"}}: stores the geometry and completes the job and the upload. */
  public static final String JOB_COMPLETE = P + "jobs.complete";
  /** {@code {"job", "error"}}. */
  public static final String JOB_FAIL = P + "jobs.fail";
  /** {@code {"username"}} → {@code {"user_id", "password_hash", "is_active"}}. */
  public static final String CREDENTIALS = P + "credentials";
  /**
   * {@code {"keys": ["u:<name>", "a:<address>"]}} → {@code {key: {"attempts", "retry_after"}}}: one more login
   * attempt counted under each key in its one-minute window, for the whole cluster.
   */
  public static final String LOGIN_ATTEMPT = P + "login.attempt";
  /** {@code {"token_hash", "user_id", "ttl_seconds", "ip"}} → {@code {"user_id", "expires_at"}}. */
  public static final String SESSION_CREATE = P + "session.create";
  /** {@code {"bus_id"}} → {@code {"token_hash"}} of a live session ({@code io.enginel.domain.BusSignatures}), or 404. */
  public static final String SESSION_BY_BUS_ID = P + "session.by-bus-id";
  /** {@code {"token_hash"}} → {@code {"user_id", "expires_at"}} or 404. */
  public static final String SESSION_GET = P + "session.get";
  /**
   * {@code {"token_hash"}} → {@code {"user_id"?}}: the session ends, and is answered once its invalidation is done
   * (its cached copy refused, its principal forgotten on every node).
   */
  public static final String SESSION_DELETE = P + "session.delete";
  /** {@code {"user"}} → principal {@code {"user_id", "username", "staff", "memberships"}}. */
  public static final String PRINCIPAL = P + "principal";
  /** {@code {"entity": model, "id"}} → the row's columns as JSON (for manual invalidation by model and id), or 404. */
  public static final String ROW = P + "row";
  /** {@code {}} → {@code {"queries": {operation: count}}}. */
  public static final String STATS = P + "stats";
  /** {@code {}} → {@code {"ok": true, "latency_ms"}} or a failure. */
  public static final String HEALTH = P + "health";

  private RepositoryApi() {}
}
