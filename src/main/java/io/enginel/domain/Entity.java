package io.enginel.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Everything whose change raises a domain event: a table, its events and the ids they name. {@link #model()}
 * is the seed's model name (used by manual invalidation {@code {"model": "DesignAsset"}}), {@link #address()}
 * the event-bus address its events are published on, {@link #table()} the table whose NOTIFY maps back to it,
 * {@link #refs()} which column of a row names which id of an event's refs — read from the rows a write locks
 * and returns, from the rows of a notification (migration V2 sends exactly these columns) and from the row a
 * manual invalidation reads. What the events invalidate is declared with the entity's resource in
 * {@link Resources}.
 */
public enum Entity {
  ORGANIZATION("Organization", "organizations", "id", FieldType.UUID, Map.of("id", "organization")),
  USER("User", "users", "id", FieldType.LONG, Map.of("id", "user", "organization_ids", "organization")),
  MEMBERSHIP("Membership", "memberships", null, null, Map.of("organization_id", "organization", "user_id", "user")),
  DESIGN_SERIES("DesignSeries", "design_series", "id", FieldType.UUID,
      Map.of("id", "series", "organization_id", "organization")),
  DESIGN_ASSET("DesignAsset", "design_assets", "id", FieldType.UUID,
      Map.of("id", "design", "organization_id", "organization", "series_id", "series")),
  ASSEMBLY_NODE("AssemblyNode", "assembly_nodes", "id", FieldType.UUID,
      Map.of("id", "node", "organization_id", "organization", "design_id", "design", "parent_id", "parent")),
  GEOMETRY_METADATA("GeometryMetadata", "geometry_metadata", "design_id", FieldType.UUID,
      Map.of("design_id", "design", "organization_id", "organization")),
  ANALYSIS_JOB("AnalysisJob", "analysis_jobs", "id", FieldType.UUID,
      Map.of("id", "job", "organization_id", "organization", "design_id", "design")),
  REVIEW_SESSION("ReviewSession", "review_sessions", "id", FieldType.UUID,
      Map.of("id", "review", "organization_id", "organization", "design_id", "design")),
  REVIEW_REVIEWERS("ReviewReviewers", "review_reviewers", null, null,
      Map.of("review_id", "review", "user_id", "user", "organization_id", "organization")),
  MARKUP("Markup", "markups", "id", FieldType.UUID,
      Map.of("id", "markup", "organization_id", "organization", "review_id", "review")),
  AUDIT_LOG("AuditLog", "audit_logs", "id", FieldType.LONG, Map.of("id", "audit", "organization_id", "organization")),
  SESSION("Session", "sessions", "token_hash", FieldType.STRING, Map.of("token_hash", "session", "user_id", "user"));

  /** Prefix of the per-entity domain event addresses: {@code enginel.events.DesignAsset}. */
  public static final String EVENTS_PREFIX = "enginel.events.";

  private final String model;
  private final String table;
  private final String idColumn;
  private final FieldType idType;
  private final Map<String, String> refs;

  Entity(String model, String table, String idColumn, FieldType idType, Map<String, String> refs) {
    this.model = model;
    this.table = table;
    this.idColumn = idColumn;
    this.idType = idType;
    this.refs = refs;
  }

  /** The column that identifies one row of {@link #table()}, or null when the key is composite. */
  public String idColumn() {
    return idColumn;
  }

  /** The id named by a string ({@code 42}, a UUID or a token hash), typed for a query; a bad one throws. */
  public Object parseId(String id) {
    return switch (idType) {
      case UUID -> UUID.fromString(id);
      case LONG -> Long.parseLong(id);
      default -> id;
    };
  }

  public String model() {
    return model;
  }

  public String table() {
    return table;
  }

  /** Column of a row → the name of the event ref its value is. */
  public Map<String, String> refs() {
    return refs;
  }

  public String address() {
    return EVENTS_PREFIX + model;
  }

  /** Adds the refs a row names ({@code column → value}, an array column naming several) to an event. */
  public void addRefs(DomainEvent.Builder event, JsonObject row) {
    if (row == null) {
      return;
    }
    refs.forEach((column, ref) -> {
      Object v = row.getValue(column);
      if (v instanceof JsonArray a) {
        a.forEach(x -> event.ref(ref, x));
      } else {
        event.ref(ref, v);
      }
    });
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
