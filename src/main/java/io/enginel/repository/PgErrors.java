package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.util.Locale;
import java.util.Map;

/** Maps database failures to API errors: known SQLSTATEs to 4xx, an unreachable database to 503. */
final class PgErrors {
  private static final Logger LOG = LoggerFactory.getLogger(PgErrors.class);

  /** Unique and foreign-key constraints, by name, to the field a client should fix. */
  private static final Map<String, String> CONSTRAINT_FIELDS = Map.ofEntries(
      Map.entry("organizations_slug_key", "slug"),
      Map.entry("users_username_key", "username"),
      Map.entry("design_series_organization_id_part_number_key", "part_number"),
      Map.entry("design_assets_series_id_version_key", "series"),
      Map.entry("memberships_pkey", "user"),
      Map.entry("memberships_user_id_fkey", "user"),
      Map.entry("review_reviewers_pkey", "user"),
      Map.entry("review_reviewers_user_id_fkey", "user"),
      Map.entry("assembly_nodes_parent_id_fkey", "parent"),
      Map.entry("design_assets_series_id_fkey", "series"),
      Map.entry("assembly_nodes_design_id_fkey", "design"),
      Map.entry("analysis_jobs_design_id_fkey", "design"),
      Map.entry("review_sessions_design_id_fkey", "design"),
      Map.entry("markups_review_id_fkey", "review"));

  private PgErrors() {}

  static ApiError map(Throwable t) {
    if (t instanceof ApiError e) {
      return e;
    }
    if (t instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      String field = pg.getConstraint() == null ? null : CONSTRAINT_FIELDS.get(pg.getConstraint());
      switch (state) {
        case "23505":
          return ApiError.conflict(field, field == null ? "This already exists." : "An object with this '" + field + "' already exists.");
        case "23503":
          return field == null ? ApiError.conflict(null, "The object is still referenced, or refers to one that does not exist.")
              : ApiError.badRequest(field, "'" + field + "' refers to an object that does not exist.");
        case "23514", "22001", "22003", "22P02", "22007", "22008", "23502":
          return new ApiError(400, "invalid", "The value is not accepted by the database.");
        case "40001", "40P01":
          return new ApiError(409, "conflict", "The object was changed concurrently; retry.");
        case "57014":
          return ApiError.unavailable("The database took too long to answer.");
        default:
          if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P") || state.equals("3D000")) {
            return ApiError.unavailable("The database is unavailable; try again shortly.");
          }
      }
      LOG.error("database error {} {}", state, pg.getMessage());
      return new ApiError(500, "internal", "Internal server error.");
    }
    if (isConnectivity(t)) {
      return ApiError.unavailable("The database is unavailable; try again shortly.");
    }
    LOG.error("repository failure", t);
    return new ApiError(500, "internal", "Internal server error.");
  }

  /** Connection refused or closed, pool wait timeouts and full wait queues. */
  static boolean isConnectivity(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof ConnectTimeoutException
          || c instanceof IOException || c instanceof ConnectionPoolTooBusyException) {
        return true;
      }
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (c instanceof VertxException || c instanceof IllegalStateException || c.getClass().getName().contains("NoStackTrace")) {
        if (m.contains("closed") || m.contains("timeout") || m.contains("max waiting") || m.contains("connection")
            || m.contains("pool")) {
          return true;
        }
      }
    }
    return false;
  }
}
