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
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Create, update and delete of every writable resource, each in one transaction that also writes the
 * audit log row: a failure leaves the database as it was. Authorization happens inside the transaction,
 * against the memberships as they are now: an organization you are not a member of is invisible (404,
 * or 400 when named as a parent), a role below the resource's write role is a 403.
 */
final class Writes {
  private final Pool pool;
  private final QueryStats stats;

  Writes(Pool pool, QueryStats stats) {
    this.pool = pool;
    this.stats = stats;
  }

  // ---------------------------------------------------------------- create

  Future<WriteResult> create(Resource r, Actor actor, Map<String, Object> fields, String parentPathId,
                             String passwordHash) {
    WritePlan plan = WritePlan.of(r);
    return pool.withTransaction(conn -> createOrg(conn, r, actor, fields, parentPathId)
        .compose(org -> {
          Map<String, Object> columns = insertColumns(r, plan, actor, fields, org, passwordHash);
          Future<Map<String, Object>> extra = r == Resources.DESIGNS
              ? nextVersion(conn, (UUID) fields.get("series")).map(v -> {
                columns.put("version", v);
                return columns;
              })
              : r == Resources.ASSEMBLY_NODES && fields.get("parent") != null
              ? checkNodeParent(conn, (UUID) fields.get("design"), (UUID) fields.get("parent"), null).map(columns)
              : Future.succeededFuture(columns);
          return extra.compose(cols -> insert(conn, r, cols))
              .compose(inserted -> afterCreate(conn, r, actor, org, inserted))
              .compose(inserted -> {
                Object id = r == Resources.MEMBERS ? inserted.getValue("user_id") : inserted.getValue("id");
                return readBack(conn, r, id, org).compose(read -> {
                  JsonObject row = read.getJsonObject("row");
                  JsonObject changes = new JsonObject();
                  fields.forEach((k, v) -> changes.put(k, RowMapper.jsonValue(v)));
                  return Audit.record(conn, stats, org, actor, "CREATE", r.entity().model(), String.valueOf(id), changes)
                      .compose(v -> event(conn, r, "create", String.valueOf(id), null, inserted, actor))
                      .map(ev -> new WriteResult(row, ev));
                });
              });
        }))
        .recover(t -> Future.failedFuture(PgErrors.map(t)));
  }

  /** The organization a new row belongs to, after checking the actor may create in it. */
  private Future<UUID> createOrg(SqlConnection conn, Resource r, Actor actor, Map<String, Object> fields, String parentPathId) {
    if (r == Resources.ORGANIZATIONS) {
      return Future.succeededFuture(UUID.randomUUID());
    }
    if (r == Resources.USERS) {
      return actor.staff() ? Future.succeededFuture(null) : Future.failedFuture(ApiError.forbidden("Only staff may create users."));
    }
    Resource.Parent parent = r.parent();
    UUID parentId = parentPathId != null ? UUID.fromString(parentPathId) : (UUID) fields.get(parent.field());
    boolean lockForVersion = r == Resources.DESIGNS;
    stats.count("parent:" + parent.table());
    return conn.preparedQuery("SELECT " + parent.orgColumn() + " FROM " + parent.table() + " WHERE id = $1"
            + (lockForVersion ? " FOR UPDATE" : " FOR SHARE"))
        .execute(Tuple.of(parentId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(parentPathId != null ? ApiError.notFound() : missingParent(parent.field()));
          }
          UUID org = rows.iterator().next().getUUID(0);
          return role(conn, org, actor.id()).compose(role -> {
            if (role == null) {
              return Future.failedFuture(parentPathId != null ? ApiError.notFound() : missingParent(parent.field()));
            }
            if (role.atLeast(r.writeRole())) {
              return Future.succeededFuture(org);
            }
            if (r == Resources.MARKUPS) {
              return isReviewer(conn, parentId, actor.id()).compose(reviewer -> reviewer ? Future.succeededFuture(org)
                  : Future.failedFuture(ApiError.forbidden("Adding markups needs EDITOR or ADMIN, or being a reviewer.")));
            }
            return Future.failedFuture(ApiError.forbidden("This needs the " + r.writeRole() + " role in the organization."));
          });
        });
  }

  private Map<String, Object> insertColumns(Resource r, WritePlan plan, Actor actor, Map<String, Object> fields,
                                            UUID org, String passwordHash) {
    Map<String, Object> cols = new LinkedHashMap<>();
    if (r.idType() == FieldType.UUID && r != Resources.MEMBERS) {
      cols.put("id", r == Resources.ORGANIZATIONS ? org : UUID.randomUUID());
    }
    for (Field f : r.fields()) {
      if (!f.creatable() || f.column() == null || f.type() == FieldType.LONG_ARRAY) {
        continue;
      }
      if (r == Resources.USERS && f.name().equals("password")) {
        if (passwordHash == null) {
          throw ApiError.badRequest("password", "This field is required: 'password'.");
        }
        cols.put(f.column(), passwordHash);
      } else if (fields.containsKey(f.name())) {
        cols.put(f.column(), RowMapper.param(f.type(), fields.get(f.name())));
      } else if (f.defaultValue() != null) {
        cols.put(f.column(), f.defaultValue());
      }
    }
    if (plan.orgColumn() != null && !cols.containsKey(plan.orgColumn())) {
      cols.put(plan.orgColumn(), org);
    }
    if (plan.actorColumn() != null) {
      cols.put(plan.actorColumn(), actor.id());
    }
    return cols;
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
  private Future<Row> afterCreate(SqlConnection conn, Resource r, Actor actor, UUID org, Row inserted) {
    if (r != Resources.ORGANIZATIONS) {
      return Future.succeededFuture(inserted);
    }
    stats.count("create:members");
    return conn.preparedQuery("INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'ADMIN')")
        .execute(Tuple.of(org, actor.id())).map(inserted);
  }

  private Future<Integer> nextVersion(SqlConnection conn, UUID series) {
    stats.count("version:designs");
    return conn.preparedQuery("SELECT coalesce(max(version), 0) + 1 FROM design_assets WHERE series_id = $1")
        .execute(Tuple.of(series)).map(rows -> rows.iterator().next().getInteger(0));
  }

  // ---------------------------------------------------------------- update

  Future<WriteResult> update(Resource r, Actor actor, String id, String parentPathId, Map<String, Object> fields,
                             String passwordHash, List<String> ifMatch) {
    WritePlan plan = WritePlan.of(r);
    return pool.withTransaction(conn -> lock(conn, r, id, parentPathId)
        .compose(current -> authorize(conn, r, plan, actor, current, false)
            .compose(org -> checkIfMatch(conn, r, current, org, ifMatch)).compose(org -> {
          Map<String, Object> changed = changedColumns(r, current, fields);
          if (r == Resources.USERS && passwordHash != null) {
            changed.put("password_hash", passwordHash);
          }
          if (changed.isEmpty()) {
            return readBack(conn, r, rowKey(r, current), org)
                .map(read -> new WriteResult(read.getJsonObject("row"), java.util.List.of()));
          }
          Future<Void> checks = Future.succeededFuture();
          if (r == Resources.ASSEMBLY_NODES && changed.containsKey("parent_id") && changed.get("parent_id") != null) {
            checks = checkNodeParent(conn, current.getUUID("design_id"), (UUID) changed.get("parent_id"), current.getUUID("id"));
          }
          if (r == Resources.MEMBERS && "ADMIN".equals(current.getString("role"))) {
            checks = checks.compose(v -> keepOneAdmin(conn, org));
          }
          return checks.compose(v -> applyUpdate(conn, r, current, changed))
              .compose(updated -> readBack(conn, r, rowKey(r, current), org).compose(read -> {
                JsonObject changes = new JsonObject();
                changed.forEach((col, value) -> changes.put(fieldOf(r, col), col.equals("password_hash") ? "changed"
                    : new JsonObject().put("old", RowMapper.jsonValue(current.getValue(col))).put("new", RowMapper.jsonValue(value))));
                String key = String.valueOf(rowKey(r, current));
                java.util.Set<String> columns = new java.util.LinkedHashSet<>(changed.keySet());
                if (r != Resources.MEMBERS) {
                  columns.add("updated_at");
                }
                if (r == Resources.ANALYSIS_JOBS && changed.containsKey("status")) {
                  columns.addAll(List.of("started_at", "finished_at"));
                }
                return Audit.record(conn, stats, org, actor, "UPDATE", r.entity().model(), key, changes)
                    .compose(x -> event(conn, r, "update", key, current, updated, actor))
                    .map(ev -> new WriteResult(read.getJsonObject("row"), withChanged(ev, columns)));
              }));
        })))
        .recover(t -> Future.failedFuture(PgErrors.map(t)));
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
    if (r != Resources.MEMBERS) {
      sql.append(", updated_at = now()");
    }
    if (r == Resources.ANALYSIS_JOBS && changed.containsKey("status")) {
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
    WritePlan plan = WritePlan.of(r);
    return pool.withTransaction(conn -> lock(conn, r, id, parentPathId)
        .compose(current -> authorize(conn, r, plan, actor, current, true)
            .compose(org -> checkIfMatch(conn, r, current, org, ifMatch)).compose(org -> {
          Future<Void> checks = Future.succeededFuture();
          if (r == Resources.MEMBERS && "ADMIN".equals(current.getString("role"))) {
            checks = keepOneAdmin(conn, org);
          }
          if (r == Resources.USERS && current.getLong("id") == actor.id()) {
            checks = Future.failedFuture(ApiError.conflict(null, "You cannot delete your own account."));
          }
          return checks.compose(v -> extraRefs(conn, r, current)).compose(extra -> {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("DELETE FROM ").append(r.table());
            appendKey(sql, r, params, current);
            stats.count("delete:" + r.name());
            String key = String.valueOf(rowKey(r, current));
            return conn.preparedQuery(sql.toString()).execute(Tuple.from(params))
                .compose(x -> Audit.record(conn, stats, org, actor, "DELETE", r.entity().model(), key, new JsonObject()))
                .compose(x -> event(conn, r, "delete", key, current, null, actor))
                .map(ev -> {
                  DomainEvent.Builder b = rebuild(ev);
                  extra.forEach((name, values) -> b.refs(name, values));
                  return new WriteResult(null, b.build());
                });
          });
        })))
        .recover(t -> Future.failedFuture(PgErrors.map(t)));
  }

  /**
   * Ids that the database's cascades delete along with the row and that the invalidation needs: an
   * organization's members (their principals change), a series' designs and their reviews, a design's
   * reviews (whose markups are cached under them).
   */
  private Future<Map<String, List<Object>>> extraRefs(SqlConnection conn, Resource r, Row current) {
    String sql;
    if (r == Resources.ORGANIZATIONS) {
      sql = "SELECT 'user', user_id::text FROM memberships WHERE organization_id = $1";
    } else if (r == Resources.SERIES) {
      sql = "SELECT 'design', d.id::text FROM design_assets d WHERE d.series_id = $1 UNION ALL "
          + "SELECT 'review', rs.id::text FROM review_sessions rs JOIN design_assets d ON d.id = rs.design_id WHERE d.series_id = $1";
    } else if (r == Resources.DESIGNS) {
      sql = "SELECT 'review', id::text FROM review_sessions WHERE design_id = $1";
    } else {
      return Future.succeededFuture(Map.of());
    }
    stats.count("cascade:" + r.name());
    return conn.preparedQuery(sql).execute(Tuple.of(current.getValue("id"))).map(rows -> {
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
            return role(conn, org, actor.id()).compose(role -> {
              if (role == null) {
                return Future.failedFuture(ApiError.notFound());
              }
              if (!role.atLeast(Role.EDITOR)) {
                return Future.failedFuture(ApiError.forbidden("Changing reviewers needs EDITOR or ADMIN."));
              }
              Future<Integer> change = add
                  ? role(conn, org, userId).compose(target -> target == null
                      ? Future.failedFuture(ApiError.badRequest("user", "'user' is not a member of the review's organization."))
                      : insertReviewer(conn, reviewId, userId))
                  : deleteReviewer(conn, reviewId, userId);
              return change.compose(n -> {
                ReadQueries reads = new ReadQueries(conn, stats);
                if (n == 0) {
                  return reads.get(Resources.REVIEWS, reviewId).map(read -> new WriteResult(read.getJsonObject("row"), java.util.List.of()));
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
    StringBuilder sql = new StringBuilder("SELECT * FROM ").append(r.table());
    if (r == Resources.MEMBERS) {
      params.add(UUID.fromString(parentPathId));
      params.add(Long.parseLong(id));
      sql.append(" WHERE organization_id = $1 AND user_id = $2");
    } else {
      params.add(r.idType() == FieldType.UUID ? UUID.fromString(id) : (Object) Long.parseLong(id));
      sql.append(" WHERE id = $1");
    }
    sql.append(" FOR UPDATE");
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
    return readBack(conn, r, rowKey(r, current), org).compose(read -> {
      String etag = ETags.of(read.getJsonObject("row").toBuffer().getBytes());
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
  private Future<UUID> authorize(SqlConnection conn, Resource r, WritePlan plan, Actor actor, Row current, boolean delete) {
    if (r == Resources.USERS) {
      long target = current.getLong("id");
      if (actor.staff() || (!delete && target == actor.id())) {
        return Future.succeededFuture(null);
      }
      return sharesOrganization(conn, actor.id(), target).compose(shares -> Future.failedFuture(shares
          ? ApiError.forbidden(delete ? "Only staff may delete users." : "You may change only your own account.")
          : ApiError.notFound()));
    }
    UUID org = current.getUUID(plan.orgColumn());
    return role(conn, org, actor.id()).compose(role -> {
      if (role == null) {
        return Future.failedFuture(ApiError.notFound());
      }
      if (r == Resources.MEMBERS && delete && current.getLong("user_id") == actor.id()) {
        return Future.succeededFuture(org); // leaving an organization
      }
      if (r == Resources.MARKUPS) {
        Long author = current.getLong("author_id");
        return (author != null && author == actor.id()) || role == Role.ADMIN ? Future.succeededFuture(org)
            : Future.failedFuture(ApiError.forbidden("Only the author or an ADMIN may change a markup."));
      }
      return role.atLeast(r.writeRole()) ? Future.succeededFuture(org)
          : Future.failedFuture(ApiError.forbidden("This needs the " + r.writeRole() + " role in the organization."));
    });
  }

  Future<Role> role(SqlConnection conn, UUID org, long user) {
    stats.count("role");
    return conn.preparedQuery("SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2")
        .execute(Tuple.of(org, user))
        .map(rows -> rows.size() == 0 ? null : Role.parse(rows.iterator().next().getString(0)));
  }

  private Future<Boolean> isReviewer(SqlConnection conn, UUID review, long user) {
    stats.count("reviewer");
    return conn.preparedQuery("SELECT 1 FROM review_reviewers WHERE review_id = $1 AND user_id = $2")
        .execute(Tuple.of(review, user)).map(rows -> rows.size() > 0);
  }

  private Future<Boolean> sharesOrganization(SqlConnection conn, long a, long b) {
    stats.count("shares");
    return conn.preparedQuery("SELECT 1 FROM memberships x JOIN memberships y ON x.organization_id = y.organization_id "
        + "WHERE x.user_id = $1 AND y.user_id = $2 LIMIT 1").execute(Tuple.of(a, b)).map(rows -> rows.size() > 0);
  }

  /**
   * Refuses to leave an organization without an ADMIN. The organization row is locked first, so that two
   * concurrent demotions of two ADMINs are decided one after the other.
   */
  private Future<Void> keepOneAdmin(SqlConnection conn, UUID org) {
    stats.count("admins");
    return conn.preparedQuery("SELECT id FROM organizations WHERE id = $1 FOR UPDATE").execute(Tuple.of(org))
        .compose(locked -> conn.preparedQuery("SELECT count(*) FROM memberships WHERE organization_id = $1 AND role = 'ADMIN'")
            .execute(Tuple.of(org)))
        .compose(rows -> rows.iterator().next().getLong(0) > 1 ? Future.<Void>succeededFuture()
            : Future.failedFuture(ApiError.conflict("role", "An organization must keep at least one ADMIN.")));
  }

  /** A node's parent must be in the same design and must not be the node itself or below it. */
  private Future<Void> checkNodeParent(SqlConnection conn, UUID design, UUID parent, UUID node) {
    stats.count("parent:assembly-nodes");
    String sql = node == null
        ? "SELECT design_id, false FROM assembly_nodes WHERE id = $1"
        : "WITH RECURSIVE below AS (SELECT id FROM assembly_nodes WHERE id = $2 UNION "
          + "SELECT c.id FROM assembly_nodes c JOIN below b ON c.parent_id = b.id) "
          + "SELECT design_id, EXISTS (SELECT 1 FROM below WHERE below.id = $1) FROM assembly_nodes WHERE id = $1";
    Tuple params = node == null ? Tuple.of(parent) : Tuple.of(parent, node);
    return conn.preparedQuery(sql).execute(params).compose(rows -> {
      if (rows.size() == 0 || !design.equals(rows.iterator().next().getUUID(0))) {
        return Future.failedFuture(ApiError.badRequest("parent", "'parent' must be a node of the same design."));
      }
      if (rows.iterator().next().getBoolean(1)) {
        return Future.failedFuture(ApiError.badRequest("parent", "'parent' would make the tree a cycle."));
      }
      return Future.succeededFuture();
    });
  }

  /** The domain event of a committed write: refs from the old and the new row. */
  private Future<DomainEvent> event(SqlConnection conn, Resource r, String op, String id, Row before, Row after, Actor actor) {
    DomainEvent.Builder b = new DomainEvent.Builder(r.entity(), op, id);
    for (Row row : new Row[] {before, after}) {
      if (row != null) {
        r.refColumns().forEach((name, column) -> b.ref(name, row.getValue(column)));
      }
    }
    if (r == Resources.ORGANIZATIONS && "create".equals(op)) {
      b.ref("user", actor.id());
    }
    if (r != Resources.USERS) {
      return Future.succeededFuture(b.build());
    }
    stats.count("orgs:users");
    return conn.preparedQuery("SELECT organization_id FROM memberships WHERE user_id = $1")
        .execute(Tuple.of(Long.parseLong(id))).map(rows -> {
          rows.forEach(row -> b.ref("organization", row.getUUID(0)));
          return b.build();
        });
  }

  private static DomainEvent withChanged(DomainEvent ev, java.util.Collection<String> columns) {
    return rebuild(ev).changed(columns).build();
  }

  private static DomainEvent.Builder rebuild(DomainEvent ev) {
    DomainEvent.Builder b = new DomainEvent.Builder(ev.entity(), ev.op(), ev.id()).source(ev.source()).changed(ev.changed());
    ev.refs().forEach(b::refs);
    return b;
  }

  private static void appendKey(StringBuilder sql, Resource r, List<Object> params, Row current) {
    if (r == Resources.MEMBERS) {
      params.add(current.getUUID("organization_id"));
      params.add(current.getLong("user_id"));
      sql.append(" WHERE organization_id = $").append(params.size() - 1).append(" AND user_id = $").append(params.size());
    } else {
      params.add(current.getValue("id"));
      sql.append(" WHERE id = $").append(params.size());
    }
  }

  private static Object rowKey(Resource r, Row row) {
    return r == Resources.MEMBERS ? row.getLong("user_id") : row.getValue("id");
  }

  /** The representation inside the transaction; members are read by (organization, user). */
  private Future<JsonObject> readBack(SqlConnection conn, Resource r, Object id, UUID org) {
    ReadQueries reads = new ReadQueries(conn, stats);
    return r == Resources.MEMBERS ? reads.member(org, ((Number) id).longValue()) : reads.get(r, id);
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
