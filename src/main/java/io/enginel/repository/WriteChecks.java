package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.Resource;
import io.enginel.domain.Role;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The questions a write asks the database inside its transaction: a user's role, whether they review a review
 * or share an organization with another user, and the checks of the {@link io.enginel.domain.WriteRule}s
 * (one ADMIN kept, a tree without cycles, the next version).
 */
final class WriteChecks {
  private final QueryStats stats;

  WriteChecks(QueryStats stats) {
    this.stats = stats;
  }

  /** The user's role in the organization, or null when they are not a member. */
  Future<Role> role(SqlConnection conn, UUID org, long user) {
    stats.count("role");
    return conn.preparedQuery("SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2")
        .execute(Tuple.of(org, user))
        .map(rows -> rows.size() == 0 ? null : Role.parse(rows.iterator().next().getString(0)));
  }

  Future<Boolean> isReviewer(SqlConnection conn, UUID review, long user) {
    stats.count("reviewer");
    return conn.preparedQuery("SELECT 1 FROM review_reviewers WHERE review_id = $1 AND user_id = $2")
        .execute(Tuple.of(review, user)).map(rows -> rows.size() > 0);
  }

  Future<Boolean> sharesOrganization(SqlConnection conn, long a, long b) {
    stats.count("shares");
    return conn.preparedQuery("SELECT 1 FROM memberships x JOIN memberships y ON x.organization_id = y.organization_id "
        + "WHERE x.user_id = $1 AND y.user_id = $2 LIMIT 1").execute(Tuple.of(a, b)).map(rows -> rows.size() > 0);
  }

  /**
   * Refuses to leave an organization without an ADMIN. The organization row is locked first, so that two
   * concurrent demotions of two ADMINs are decided one after the other.
   */
  Future<Void> keepOneAdmin(SqlConnection conn, UUID org) {
    stats.count("admins");
    return conn.preparedQuery("SELECT id FROM organizations WHERE id = $1 FOR UPDATE").execute(Tuple.of(org))
        .compose(locked -> conn.preparedQuery("SELECT count(*) FROM memberships WHERE organization_id = $1 AND role = 'ADMIN'")
            .execute(Tuple.of(org)))
        .compose(rows -> rows.iterator().next().getLong(0) > 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(ApiError.conflict("role", "An organization must keep at least one ADMIN.")));
  }

  /**
   * A tree row's {@code parent} must belong to the same parent row (a node's design) and must not be the row
   * itself or below it. {@code row} is null for a new row.
   */
  Future<Void> treeParent(SqlConnection conn, Resource r, UUID owner, UUID parent, UUID row) {
    String table = r.table();
    String ownerColumn = column(r, r.parent().field());
    String parentColumn = column(r, "parent");
    stats.count("parent:" + r.name());
    String sql = row == null
        ? "SELECT " + ownerColumn + ", false FROM " + table + " WHERE id = $1"
        : "WITH RECURSIVE below AS (SELECT id FROM " + table + " WHERE id = $2 UNION "
          + "SELECT c.id FROM " + table + " c JOIN below b ON c." + parentColumn + " = b.id) "
          + "SELECT " + ownerColumn + ", EXISTS (SELECT 1 FROM below WHERE below.id = $1) FROM " + table + " WHERE id = $1";
    Tuple params = row == null ? Tuple.of(parent) : Tuple.of(parent, row);
    return conn.preparedQuery(sql).execute(params).compose(rows -> {
      if (rows.size() == 0 || !owner.equals(rows.iterator().next().getUUID(0))) {
        return Future.failedFuture(ApiError.badRequest("parent",
            "'parent' must be a " + r.item() + " of the same " + r.parent().resource().item() + "."));
      }
      if (rows.iterator().next().getBoolean(1)) {
        return Future.failedFuture(ApiError.badRequest("parent", "'parent' would make the tree a cycle."));
      }
      return Future.succeededFuture();
    });
  }

  /** The next {@code version} of a row's parent (the parent row is locked by the caller). */
  Future<Integer> nextVersion(SqlConnection conn, Resource r, Object parentId) {
    stats.count("version:" + r.name());
    return conn.preparedQuery("SELECT coalesce(max(version), 0) + 1 FROM " + r.table() + " WHERE "
            + column(r, r.parent().field()) + " = $1")
        .execute(Tuple.of(parentId)).map(rows -> rows.iterator().next().getInteger(0));
  }

  private static String column(Resource r, String field) {
    return r.field(field).orElseThrow().column();
  }
}
