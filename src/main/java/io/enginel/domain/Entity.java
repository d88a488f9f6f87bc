package io.enginel.domain;

import java.util.Locale;

/**
 * Everything whose change raises a domain event. {@link #model()} is the seed's model name (used by
 * manual invalidation {@code {"model": "DesignAsset"}}), {@link #address()} the event-bus address its
 * events are published on, {@link #table()} the Postgres table whose NOTIFY maps back to it.
 */
public enum Entity {
  ORGANIZATION("Organization", "organizations", "id"),
  USER("User", "users", "id"),
  MEMBERSHIP("Membership", "memberships", null),
  DESIGN_SERIES("DesignSeries", "design_series", "id"),
  DESIGN_ASSET("DesignAsset", "design_assets", "id"),
  ASSEMBLY_NODE("AssemblyNode", "assembly_nodes", "id"),
  GEOMETRY_METADATA("GeometryMetadata", "geometry_metadata", "design_id"),
  ANALYSIS_JOB("AnalysisJob", "analysis_jobs", "id"),
  REVIEW_SESSION("ReviewSession", "review_sessions", "id"),
  REVIEW_REVIEWERS("ReviewReviewers", "review_reviewers", null),
  MARKUP("Markup", "markups", "id"),
  AUDIT_LOG("AuditLog", "audit_logs", "id"),
  SESSION("Session", "sessions", "token_hash");

  /** Prefix of the per-entity domain event addresses: {@code enginel.events.DesignAsset}. */
  public static final String EVENTS_PREFIX = "enginel.events.";

  private final String model;
  private final String table;
  private final String idColumn;

  Entity(String model, String table, String idColumn) {
    this.model = model;
    this.table = table;
    this.idColumn = idColumn;
  }

  /** The column that identifies one row of {@link #table()}, or null when the key is composite. */
  public String idColumn() {
    return idColumn;
  }

  public String model() {
    return model;
  }

  public String table() {
    return table;
  }

  public String address() {
    return EVENTS_PREFIX + model;
  }

  public static Entity byModel(String model) {
    for (Entity e : values()) {
      if (e.model.equals(model)) {
        return e;
      }
    }
    return null;
  }

  public static Entity byTable(String table) {
    for (Entity e : values()) {
      if (e.table.equals(table.toLowerCase(Locale.ROOT))) {
        return e;
      }
    }
    return null;
  }
}
