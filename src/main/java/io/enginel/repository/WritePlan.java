package io.enginel.repository;

import io.enginel.domain.Resource;
import io.enginel.domain.Resources;

import java.util.Map;

/**
 * What the server fills in on writes to a resource's table, beyond the client's fields.
 *
 * @param orgColumn   the column holding the row's organization ({@code id} for organizations), or null
 * @param actorColumn the column recording who created the row, or null
 */
record WritePlan(String orgColumn, String actorColumn) {

  private static final Map<String, WritePlan> PLANS = Map.of(
      Resources.ORGANIZATIONS.name(), new WritePlan("id", null),
      Resources.USERS.name(), new WritePlan(null, null),
      Resources.MEMBERS.name(), new WritePlan("organization_id", null),
      Resources.SERIES.name(), new WritePlan("organization_id", "created_by"),
      Resources.DESIGNS.name(), new WritePlan("organization_id", "uploaded_by"),
      Resources.ASSEMBLY_NODES.name(), new WritePlan("organization_id", null),
      Resources.ANALYSIS_JOBS.name(), new WritePlan("organization_id", "created_by"),
      Resources.REVIEWS.name(), new WritePlan("organization_id", "created_by"),
      Resources.MARKUPS.name(), new WritePlan("organization_id", "author_id"));

  static WritePlan of(Resource r) {
    WritePlan p = PLANS.get(r.name());
    if (p == null) {
      throw new IllegalArgumentException(r.name() + " is read-only");
    }
    return p;
  }
}
