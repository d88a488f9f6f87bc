package io.enginel.invalidation;

import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Which column of a changed row names which id of a domain event's refs. Used for Postgres
 * notifications (whose rows carry exactly these columns, see migration V2) and manual invalidation
 * by model and id.
 */
final class ChangeRefs {
  static final Map<Entity, Map<String, String>> COLUMNS = Map.ofEntries(
      Map.entry(Entity.ORGANIZATION, Map.of("id", "organization")),
      Map.entry(Entity.USER, Map.of("id", "user", "organization_ids", "organization")),
      Map.entry(Entity.MEMBERSHIP, Map.of("organization_id", "organization", "user_id", "user")),
      Map.entry(Entity.DESIGN_SERIES, Map.of("id", "series", "organization_id", "organization")),
      Map.entry(Entity.DESIGN_ASSET, Map.of("id", "design", "organization_id", "organization", "series_id", "series")),
      Map.entry(Entity.ASSEMBLY_NODE, Map.of("id", "node", "organization_id", "organization", "design_id", "design",
          "parent_id", "parent")),
      Map.entry(Entity.GEOMETRY_METADATA, Map.of("design_id", "design", "organization_id", "organization")),
      Map.entry(Entity.ANALYSIS_JOB, Map.of("id", "job", "organization_id", "organization", "design_id", "design")),
      Map.entry(Entity.REVIEW_SESSION, Map.of("id", "review", "organization_id", "organization", "design_id", "design")),
      Map.entry(Entity.REVIEW_REVIEWERS, Map.of("review_id", "review", "user_id", "user", "organization_id", "organization")),
      Map.entry(Entity.MARKUP, Map.of("id", "markup", "organization_id", "organization", "review_id", "review")),
      Map.entry(Entity.AUDIT_LOG, Map.of("id", "audit", "organization_id", "organization")),
      Map.entry(Entity.SESSION, Map.of("token_hash", "session", "user_id", "user")));

  private ChangeRefs() {}

  /** Adds the refs of one row ({@code column → value}) to an event under construction. */
  static void addRow(DomainEvent.Builder b, Entity entity, JsonObject row) {
    if (row == null) {
      return;
    }
    COLUMNS.getOrDefault(entity, Map.of()).forEach((column, ref) -> {
      Object v = row.getValue(column);
      if (v instanceof JsonArray a) {
        a.forEach(x -> b.ref(ref, x));
      } else {
        b.ref(ref, v);
      }
    });
  }
}
