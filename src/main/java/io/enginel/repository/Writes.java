package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.ETags;
import io.enginel.domain.Entity;
import io.enginel.domain.Field;
import io.enginel.domain.FieldType;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.domain.Role;
import io.enginel.domain.WriteRule;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Create, update and delete of every writable resource, each in one transaction that also writes the
 * audit log row: a failure leaves the database as it was. Authorization happens inside the transaction,
 * against the memberships as they are now: an organization you are not a member of is invisible (404,
 * or 400 when named as a parent), a role below the resource's write role is a 403. What a resource's writes
 * do beyond storing its fields is declared with it ({@link WriteRule}) and carried out here.
 */
final class Writes {
  private final Pool pool;
  private final QueryStats stats;
  private final WriteChecks checks;

  Writes(Pool pool, QueryStats stats) {
    this.pool = pool;
    this.stats = stats;
    this.checks = new WriteChecks(stats);
  }

  /** The user's role in the organization, or null when they are not a member. */
  Future<Role> role(SqlConnection conn, UUID org, long user) {
    return checks.role(conn, org, user);
  }

  // ---------------------------------------------------------------- create

  Future<WriteResult> create(Resource r, Actor actor, Map<String, Object> fields, String parentPathId,
                             String hash) {
    return pool.withTransaction(conn -> createOrg(conn, r, actor, fields, parentPathId)
        .compose(org -> {
          Map<String, Object> columns = insertColumns(r, actor, fields, org, hash);
          return beforeInsert(conn, r, fields, columns)
              .compose(v -> insert(conn, r, columns))
              .compose(inserted -> afterInsert(conn, r, actor, org, inserted))
              .compose(inserted -> {
                String key = String.valueOf(inserted.getValue(r.keyColumn()));
                return readBack(conn, r, inserted).compose(row -> {
                  JsonObject changes = new JsonObject();
                  fields.forEach((k, v) -> changes.put(k, RowMapper.jsonValue(v)));
                  return Audit.record(conn, stats, org, actor, "CREATE", r.entity().model(), key, changes)
                      .compose(v -> event(conn, r, "create", key, null, inserted, actor))
                      .map(ev -> new WriteResult(row, ev));
                });
              });
        }))
        .recover(t -> Future.failedFuture(PgErrors.map(t)));
  }

  /** The organization a new row belongs to, after checking the actor may create in it. */
  private Future<UUID> createOrg(SqlConnection conn, Resource r, Actor actor, Map<String, Object> fields, String parentPathId) {
    if (r.has(WriteRule.ORGANIZATION_ROOT)) {
      return Future.succeededFuture(UUID.randomUUID());
    }
    if (r.has(WriteRule.ACCOUNTS)) {
      return actor.staff() ? Future.succeededFuture(null)
          : Future.failedFuture(ApiError.forbidden("Only staff may create " + r.name() + "."));
    }
    Resource.Parent parent = r.parent();
    UUID parentId = parentPathId != null ? UUID.fromString(parentPathId) : (UUID) fields.get(parent.field());
    stats.count("parent:" + parent.table());
    return conn.preparedQuery("SELECT " + parent.orgColumn() + " FROM " + parent.table() + " WHERE id = $1"
            + (r.has(WriteRule.VERSIONED) ? " FOR UPDATE" : " FOR SHARE"))
        .execute(Tuple.of(parentId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(parentPathId != null ? ApiError.notFound() : missingParent(parent.field()));
          }
          UUID org = rows.iterator().next().getUUID(0);
          return checks.role(conn, org, actor.id()).compose(role -> {
            if (role == null) {
              return Future.failedFuture(parentPathId != null ? ApiError.notFound() : missingParent(parent.field()));
            }
            if (role.atLeast(r.writeRole())) {
              return Future.succeededFuture(org);
            }
            if (r.has(WriteRule.AUTHORED)) {
              return checks.isReviewer(conn, parentId, actor.id()).compose(reviewer -> reviewer ? Future.succeededFuture(org)
                  : Future.failedFuture(ApiError.forbidden("Adding " + r.name() + " needs " + r.writeRole()
                      + " or ADMIN, or being a reviewer.")));
            }
            return Future.failedFuture(ApiError.forbidden("This needs the " + r.writeRole() + " role in the organization."));
          });
        });
  }

  private Map<String, Object> insertColumns(Resource r, Actor actor, Map<String, Object> fields, UUID org, String hash) {
    Map<String, Object> cols = new LinkedHashMap<>();
    if (r.keyColumn().equals("id") && r.idType() == FieldType.UUID) {
      cols.put("id", r.has(WriteRule.ORGANIZATION_ROOT) ? org : UUID.randomUUID());
    }
    for (Field f : r.fields()) {
      if (!f.creatable() || f.column() == null || f.type() == FieldType.LONG_ARRAY) {
        continue;
      }
      if (f.hashed()) {
        if (hash == null) {
          throw ApiError.badRequest(f.name(), "This field is required: '" + f.name() + "'.");
        }
        cols.put(f.column(), hash);
      } else if (fields.containsKey(f.name())) {
        cols.put(f.column(), RowMapper.param(f.type(), fields.get(f.name())));
      } else if (f.defaultValue() != null) {
        cols.put(f.column(), f.defaultValue());
      }
    }
    if (r.orgColumn() != null && !cols.containsKey(r.orgColumn())) {
      cols.put(r.orgColumn(), org);
    }
    if (r.creatorColumn() != null) {
      cols.put(r.creatorColumn(), actor.id());
    }
    return cols;
  }

  /** The checks and server-decided columns of a new row: its version, its place in a tree. */
  private Future<Void> beforeInsert(SqlConnection conn, Resource r, Map<String, Object> fields, Map<String, Object> columns) {
    if (r.has(WriteRule.VERSIONED)) {
      return checks.nextVersion(conn, r, fields.get(r.parent().field())).map(v -> {
        columns.put("version", v);
        return null;
      });
    }
    if (r.has(WriteRule.TREE) && fields.get("parent") != null) {
      return checks.treeParent(conn, r, (UUID) fields.get(r.parent().field()), (UUID) fields.get("parent"), null);
    }
    return Future.succeededFuture();
  }

  private Future<Row> insert(SqlConnection conn, Resource r, Map<String, Object> cols) {
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(r.table()).append(" (");
    StringBuilder values = new StringBuilder();
    List<Object> params = new ArrayList<>();
    for (Map.Entry<String, Object> e : cols.entrySet()) {
      if (!params.isEmpty()) {
        sql.append(", ");
        values.append(", ");
      }
      params.add(e.getValue());
      sql.append(e.getKey());
      values.append('$').append(params.size()).append(e.getValue() instanceof JsonObject ? "::jsonb" : "");
    }
    sql.append(") VALUES (").append(values).append(") RETURNING *");
    stats.count("create:" + r.name());
    return conn.preparedQuery(sql.toString()).execute(Tuple.from(params)).map(rows -> rows.iterator().next());
  }

  /** The creator of an organization becomes its first ADMIN. */
  private Future<Row> afterInsert(SqlConnection conn, Resource r, Actor actor, UUID org, Row inserted) {
    if (!r.has(WriteRule.ORGANIZATION_ROOT)) {
      return Future.succeededFuture(inserted);
    }
    stats.count("create:members");
    return conn.preparedQuery("INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'ADMIN')")
        .execute(Tuple.of(org, actor.id())).map(inserted);
  }

  // ---------------------------------------------------------------- update

  Future<WriteResult> update(Resource r, Actor actor, String id, String parentPathId, Map<String, Object> fields,
                             String hash, List<String> ifMatch) {
    return pool.withTransaction(conn -> lock(conn, r, id, parentPathId)
        .compose(current -> authorize(conn, r, actor, current, false)
            .compose(org -> checkIfMatch(conn, r, current, org, ifMatch)).compose(org -> {
          Map<String, Object> changed = changedColumns(r, current, fields);
          String hashedColumn = r.hashedField().map(Field::column).orElse(null);
          if (hashedColumn != null && hash != null) {
            changed.put(hashedColumn, hash);
          }
          if (changed.isEmpty()) {
            return readBack(conn, r, current).map(row -> new WriteResult(row, List.of()));
          }
          return beforeUpdate(conn, r, org, current, changed)
              .compose(v -> applyUpdate(conn, r, current, changed))
              .compose(updated -> readBack(conn, r, current).compose(row -> {
                JsonObject changes = new JsonObject();
                changed.forEach((col, value) -> changes.put(fieldOf(r, col), col.equals(hashedColumn) ? "changed"
                    : new JsonObject().put("old", RowMapper.jsonValue(current.getValue(col))).put("new", RowMapper.jsonValue(value))));
                String key = String.valueOf(current.getValue(r.keyColumn()));
                Set<String> columns = new LinkedHashSet<>(changed.keySet());
                if (r.stampsUpdates()) {
                  columns.add("updated_at");
                }
                if (r.has(WriteRule.STATUS_TIMES) && changed.containsKey("status")) {
                  columns.addAll(List.of("started_at", "finished_at"));
                }
                return Audit.record(conn, stats, org, actor, "UPDATE", r.entity().model(), key, changes)
                    .compose(x -> event(conn, r, "update", key, current, updated, actor))
                    .map(ev -> new WriteResult(row, withChanged(ev, columns)));
              }));
        })))
        .recover(t -> Future.failedFuture(PgErrors.map(t)));
  }

  /** The checks of an update: a tree stays a tree, an organization keeps an ADMIN. */
  private Future<Void> beforeUpdate(SqlConnection conn, Resource r, UUID org, Row current, Map<String, Object> changed) {
    Future<Void> checked = Future.succeededFuture();
    if (r.has(WriteRule.TREE) && changed.get("parent_id") != null) {
      String owner = r.field(r.parent().field()).orElseThrow().column();
      checked = checks.treeParent(conn, r, current.getUUID(owner), (UUID) changed.get("parent_id"), current.getUUID("id"));
    }
    if (r.has(WriteRule.MEMBERSHIP) && "ADMIN".equals(current.getString("role"))) {
      checked = checked.compose(v -> checks.keepOneAdmin(conn, org));
    }
    return checked;
  }

  private Map<String, Object> changedColumns(Resource r, Row current, Map<String, Object> fields) {
    Map<String, Object> changed = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      Field f = r.field(e.getKey()).orElseThrow();
      if (!f.updatable() || f.column() == null) {
        continue;
      }
      Object now = RowMapper.param(f.type(), e.getValue());
      Object was = current.getValue(f.column());
      if (!Objects.equals(RowMapper.jsonValue(was), RowMapper.jsonValue(now))) {
        changed.put(f.column(), now);
      }
    }
    return changed;
  }

  private Future<Row> applyUpdate(SqlConnection conn, Resource r, Row current, Map<String, Object> changed) {
    StringBuilder sql = new StringBuilder("UPDATE ").append(r.table()).append(" SET ");
    List<Object> params = new ArrayList<>();
    for (Map.Entry<String, Object> e : changed.entrySet()) {
      params.add(e.getValue());
      sql.append(params.size() > 1 ? ", " : "").append(e.getKey()).append(" = $").append(params.size())
          .append(e.getValue() instanceof JsonObject ? "::jsonb" : "");
    }
    if (r.stampsUpdates()) {
      sql.append(", updated_at = now()");
    }
    if (r.has(WriteRule.STATUS_TIMES) && changed.containsKey("status")) {
      sql.append(switch ((String) changed.get("status")) {
        case "PENDING" -> ", started_at = NULL, finished_at = NULL";
        case "RUNNING" -> ", started_at = coalesce(started_at, now()), finished_at = NULL";
        default -> ", started_at = coalesce(started_at, now()), finished_at = now()";
      });
    }
    appendKey(sql, r, params, current);
    sql.append(" RETURNING *");
    stats.count("update:" + r.name());
    return conn.preparedQuery(sql.toString()).execute(Tuple.from(params)).map(rows -> rows.iterator().next());
  }

  // ---------------------------------------------------------------- delete

  Future<WriteResult> delete(Resource r, Actor actor, String id, String parentPathId, List<String> ifMatch) {
    return pool.withTransaction(conn -> lock(conn, r, id, parentPathId)
        .compose(current -> authorize(conn, r, actor, current, true)
            .compose(org -> checkIfMatch(conn, r, current, org, ifMatch)).compose(org -> {
          Future<Void> checked = Future.succeededFuture();
          if (r.has(WriteRule.MEMBERSHIP) && "ADMIN".equals(current.getString("role"))) {
            checked = checks.keepOneAdmin(conn, org);
          }
          if (r.has(WriteRule.ACCOUNTS) && current.getLong(r.keyColumn()) == actor.id()) {
            checked = Future.failedFuture(ApiError.conflict(null, "You cannot delete your own account."));
          }
          return checked.compose(v -> cascadeRefs(conn, r, current)).compose(extra -> {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("DELETE FROM ").append(r.table());
            appendKey(sql, r, params, current);
            stats.count("delete:" + r.name());
            String key = String.valueOf(current.getValue(r.keyColumn()));
            return conn.preparedQuery(sql.toString()).execute(Tuple.from(params))
                .compose(x -> Audit.record(conn, stats, org, actor, "DELETE", r.entity().model(), key, new JsonObject()))
                .compose(x -> event(conn, r, "delete", key, current, null, actor))
                .map(ev -> {
                  DomainEvent.Builder b = rebuild(ev);
                  extra.forEach(b::refs);
                  return new WriteResult(null, b.build());
                });
          });
        })))
        .recover(t -> Future.failedFuture(PgErrors.map(t)));
  }

  /** The ids the database's cascades delete along with the row and that the invalidation needs. */
  private Future<Map<String, List<Object>>> cascadeRefs(SqlConnection conn, Resource r, Row current) {
    if (r.cascadeRefs() == null) {
      return Future.succeededFuture(Map.of());
    }
    stats.count("cascade:" + r.name());
    return conn.preparedQuery(r.cascadeRefs()).execute(Tuple.of(current.getValue(r.keyColumn()))).map(rows -> {
      Map<String, List<Object>> refs = new LinkedHashMap<>();
      rows.forEach(row -> refs.computeIfAbsent(row.getString(0), k -> new ArrayList<>()).add(row.getString(1)));
      return refs;
    });
  }

  // ---------------------------------------------------------------- reviewers

  Future<WriteResult> reviewer(Actor actor, UUID reviewId, long userId, boolean add) {
    return pool.withTransaction(conn -> {
      stats.count("lock:reviews");
      return conn.preparedQuery("SELECT organization_id, design_id FROM review_sessions WHERE id = $1 FOR UPDATE")
          .execute(Tuple.of(reviewId)).compose(rows -> {
            if (rows.size() == 0) {
              return Future.failedFuture(ApiError.notFound());
            }
            Row review = rows.iterator().next();
            UUID org = review.getUUID("organization_id");
            return checks.role(conn, org, actor.id()).compose(role -> {
              if (role == null) {
                return Future.failedFuture(ApiError.notFound());
              }
              if (!role.atLeast(Role.EDITOR)) {
                return Future.failedFuture(ApiError.forbidden("Changing reviewers needs EDITOR or ADMIN."));
              }
              Future<Integer> change = add
                  ? checks.role(conn, org, userId).compose(target -> target == null
                      ? Future.failedFuture(ApiError.badRequest("user", "'user' is not a member of the review's organization."))
                      : insertReviewer(conn, reviewId, userId))
                  : deleteReviewer(conn, reviewId, userId);
              return change.compose(n -> {
                ReadQueries reads = new ReadQueries(conn, stats);
                if (n == 0) {
                  return reads.get(Resources.REVIEWS, reviewId).map(read -> new WriteResult(read.getJsonObject("row"), List.of()));
                }
                JsonObject changes = new JsonObject().put("reviewers", new JsonObject().put(add ? "added" : "removed", userId));
                return Audit.record(conn, stats, org, actor, "UPDATE", Entity.REVIEW_SESSION.model(), reviewId.toString(), changes)
                    .compose(x -> reads.get(Resources.REVIEWS, reviewId))
                    .map(read -> new WriteResult(read.getJsonObject("row"),
                        new DomainEvent.Builder(Entity.REVIEW_REVIEWERS, add ? "add" : "remove", reviewId.toString())
                            .ref("review", reviewId).ref("organization", org).ref("design", review.getUUID("design_id"))
                            .ref("user", userId).build()));
              });
            });
          });
    }).recover(t -> Future.failedFuture(PgErrors.map(t)));
  }

  private Future<Integer> insertReviewer(SqlConnection conn, UUID review, long user) {
    stats.count("create:reviewers");
    return conn.preparedQuery("INSERT INTO review_reviewers (review_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(review, user)).map(r -> r.rowCount());
  }

  private Future<Integer> deleteReviewer(SqlConnection conn, UUID review, long user) {
    stats.count("delete:reviewers");
    return conn.preparedQuery("DELETE FROM review_reviewers WHERE review_id = $1 AND user_id = $2")
        .execute(Tuple.of(review, user)).compose(r -> r.rowCount() == 0
            ? Future.failedFuture(new ApiError(404, "not_found", "That user is not a reviewer of this review."))
            : Future.succeededFuture(r.rowCount()));
  }

  // ---------------------------------------------------------------- shared steps

  /** Locks the row for the rest of the transaction; absent is a 404. */
  private Future<Row> lock(SqlConnection conn, Resource r, String id, String parentPathId) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT * FROM ").append(r.table()).append(" WHERE ");
    if (r.nesting() != null) {
      params.add(UUID.fromString(parentPathId));
      sql.append(r.nesting().column()).append(" = $1 AND ");
    }
    params.add(r.idType() == FieldType.UUID ? UUID.fromString(id) : (Object) Long.parseLong(id));
    sql.append(r.keyColumn()).append(" = $").append(params.size()).append(" FOR UPDATE");
    stats.count("lock:" + r.name());
    return conn.preparedQuery(sql.toString()).execute(Tuple.from(params)).compose(rows -> rows.size() == 0
        ? Future.failedFuture(ApiError.notFound()) : Future.succeededFuture(rows.iterator().next()));
  }

  /**
   * {@code If-Match} (null: none), evaluated with the row locked, after authorization (a caller who may not change
   * the row learns nothing of it, not even its ETag): the row's representation as a GET answers it is read in this
   * transaction and its ETag compared by strong comparison ({@link ETags#ifMatch}); a mismatch is a 412 naming the
   * header and the current ETag, and nothing is written. Answers {@code org} to go on with.
   */
  private Future<UUID> checkIfMatch(SqlConnection conn, Resource r, Row current, UUID org, List<String> ifMatch) {
    if (ifMatch == null || ifMatch.contains(ETags.ANY)) {
      return Future.succeededFuture(org); // the row exists: it is locked
    }
    return readBack(conn, r, current).compose(row -> {
      String etag = ETags.of(row.toBuffer().getBytes());
      if (ETags.ifMatch(ifMatch, etag)) {
        return Future.succeededFuture(org);
      }
      return Future.failedFuture(new ApiError(412, "precondition_failed", (ETags.anyWeak(ifMatch)
          ? "If-Match uses strong comparison: a weak entity tag (W/\"…\") never matches. "
          : "The resource has changed since the ETag in If-Match was read. ")
          + "Read it again and retry with its current ETag.",
          new JsonObject().put("header", "If-Match").put("etag", etag)));
    });
  }

  /** Decides whether the actor may change or delete the row; answers the row's organization. */
  private Future<UUID> authorize(SqlConnection conn, Resource r, Actor actor, Row current, boolean delete) {
    if (r.has(WriteRule.ACCOUNTS)) {
      long target = current.getLong(r.keyColumn());
      if (actor.staff() || (!delete && target == actor.id())) {
        return Future.succeededFuture(null);
      }
      if (target == actor.id()) { // deleting one's own account: seen, not allowed, whatever organizations they share
        return Future.failedFuture(ApiError.forbidden("Only staff may delete users."));
      }
      return checks.sharesOrganization(conn, actor.id(), target).compose(shares -> Future.failedFuture(shares
          ? ApiError.forbidden(delete ? "Only staff may delete users." : "You may change only your own account.")
          : ApiError.notFound()));
    }
    UUID org = current.getUUID(r.orgColumn());
    return checks.role(conn, org, actor.id()).compose(role -> {
      if (role == null) {
        return Future.failedFuture(ApiError.notFound());
      }
      if (r.has(WriteRule.MEMBERSHIP) && delete && current.getLong(r.keyColumn()) == actor.id()) {
        return Future.succeededFuture(org); // leaving an organization
      }
      if (r.has(WriteRule.AUTHORED)) {
        Long author = current.getLong(r.creatorColumn());
        return (author != null && author == actor.id()) || role == Role.ADMIN ? Future.succeededFuture(org)
            : Future.failedFuture(ApiError.forbidden("Only the author or an ADMIN may change a " + r.item() + "."));
      }
      return role.atLeast(r.writeRole()) ? Future.succeededFuture(org)
          : Future.failedFuture(ApiError.forbidden("This needs the " + r.writeRole() + " role in the organization."));
    });
  }

  /** The domain event of a committed write: refs from the old and the new row. */
  private Future<DomainEvent> event(SqlConnection conn, Resource r, String op, String id, Row before, Row after, Actor actor) {
    DomainEvent.Builder b = new DomainEvent.Builder(r.entity(), op, id);
    for (Row row : new Row[] {before, after}) {
      if (row != null) {
        r.entity().refs().forEach((column, ref) -> {
          if (row.getColumnIndex(column) >= 0) {
            b.ref(ref, row.getValue(column));
          }
        });
      }
    }
    if (r.has(WriteRule.ORGANIZATION_ROOT) && "create".equals(op)) {
      b.ref(Resources.USERS.item(), actor.id()); // the creator is its first member
    }
    if (!r.has(WriteRule.ACCOUNTS)) {
      return Future.succeededFuture(b.build());
    }
    stats.count("orgs:users");
    return conn.preparedQuery("SELECT organization_id FROM memberships WHERE user_id = $1")
        .execute(Tuple.of(Long.parseLong(id))).map(rows -> {
          rows.forEach(row -> b.ref(Resources.ORGANIZATIONS.item(), row.getUUID(0)));
          return b.build();
        });
  }

  private static DomainEvent withChanged(DomainEvent ev, Collection<String> columns) {
    return rebuild(ev).changed(columns).build();
  }

  private static DomainEvent.Builder rebuild(DomainEvent ev) {
    DomainEvent.Builder b = new DomainEvent.Builder(ev.entity(), ev.op(), ev.id()).source(ev.source()).changed(ev.changed());
    ev.refs().forEach(b::refs);
    return b;
  }

  private static void appendKey(StringBuilder sql, Resource r, List<Object> params, Row current) {
    sql.append(" WHERE ");
    if (r.nesting() != null) {
      params.add(current.getValue(r.nesting().column()));
      sql.append(r.nesting().column()).append(" = $").append(params.size()).append(" AND ");
    }
    params.add(current.getValue(r.keyColumn()));
    sql.append(r.keyColumn()).append(" = $").append(params.size());
  }

  /** The representation of a row as the transaction sees it. */
  private Future<JsonObject> readBack(SqlConnection conn, Resource r, Row row) {
    Object under = r.nesting() == null ? null : row.getValue(r.nesting().column());
    return new ReadQueries(conn, stats).get(r, row.getValue(r.keyColumn()), under).map(read -> read.getJsonObject("row"));
  }

  private static String fieldOf(Resource r, String column) {
    for (Field f : r.fields()) {
      if (column.equals(f.column())) {
        return f.name();
      }
    }
    return column;
  }

  private static ApiError missingParent(String field) {
    return ApiError.badRequest(field, "'" + field + "' refers to an object that does not exist.");
  }
}
