package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.Field;
import io.enginel.domain.Filter;
import io.enginel.domain.ListQuery;
import io.enginel.domain.MatchSet;
import io.enginel.domain.Resource;
import io.enginel.domain.Validation;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Lists and retrieves, built from the resource definitions: one parameterised statement each. */
final class ReadQueries {
  private final SqlClient db;
  private final QueryStats stats;

  ReadQueries(SqlClient db, QueryStats stats) {
    this.db = db;
    this.stats = stats;
  }

  /**
   * {@code {"count": n, "rows": [...]}}; a page past the end (other than the first) is a 404.
   *
   * <p>One statement: the page, and its count as a sub-select of the same conditions (evaluated once), so that the
   * page itself reads only the rows it shows where an index gives its order. A resource whose rows each belong to an
   * organization ({@link Resource#scopeColumn}) is read organization by organization: each organization's first
   * {@code offset + size} rows in the list's order (an ordered index scan that stops there), merged and cut to the
   * page. Its order ends with the row's unique id, so the merge gives exactly the rows and order of the plain
   * statement ({@code ListStatementTest} compares the two). A search reads its matches once instead
   * ({@link #matchesFirst}): walking each organization's index in order would read every row for a rare word. The
   * count leaves out joined tables its conditions do not mention ({@link Resource#fromFor}).
   */
  Future<JsonObject> list(ListQuery q, Scope scope) {
    Resource r = q.resource();
    List<Field> fields = r.readableFields();
    Sql sql = statement(q, scope);
    stats.count("list:" + r.name());
    return db.preparedQuery(sql.text()).execute(sql.tuple()).map(rows -> {
      JsonArray results = new JsonArray();
      long count = 0;
      for (Row row : rows) {
        results.add(RowMapper.toJson(fields, row));
        count = row.getLong(fields.size());
      }
      if (results.isEmpty() && q.page() > 1) {
        throw ApiError.invalidPage();
      }
      return new JsonObject().put("count", count).put("rows", results);
    });
  }

  /** The statement of {@link #list}: the row's fields in order, then the count. */
  static Sql statement(ListQuery q, Scope scope) {
    Resource r = q.resource();
    List<Field> fields = r.readableFields();
    String scopeColumn = r.scopeColumn();
    Sql sql = new Sql();
    String orgs = scopeColumn == null ? null : sql.placeholder(scope.orgs());
    String visibility;
    if (orgs != null) {
      visibility = scopeColumn + " = ANY(" + orgs + ")";
    } else {
      visibility = sql.template(r.visibility(), scope).takeText();
    }
    String conditions = conditions(sql, q, scope);
    String count = "(SELECT count(*) FROM " + r.fromFor(visibility + conditions) + " WHERE " + visibility
        + conditions + ")";
    List<String> order = new ArrayList<>();
    for (String o : q.ordering()) {
      boolean desc = o.startsWith("-");
      order.add(r.orderings().get(desc ? o.substring(1) : o) + (desc ? " DESC" : " ASC"));
    }
    order.add(r.idSelect() + " ASC");
    long offset = (long) (q.page() - 1) * q.pageSize();
    if (orgs == null) {
      sql.append("SELECT ");
      appendSelect(sql, fields);
      sql.append(", ").append(count).append(" FROM ").append(r.from()).append(" WHERE ").append(visibility)
          .append(conditions).append(" ORDER BY ").append(String.join(", ", order))
          .append(" LIMIT ").param(q.pageSize()).append(" OFFSET ").param(offset);
      return sql;
    }
    if (!q.search().isEmpty()) {
      return matchesFirst(sql, r, fields, visibility + conditions, order, q.pageSize(), offset);
    }
    sql.append("SELECT ");
    for (int i = 0; i < fields.size(); i++) {
      sql.append("page.f").append(String.valueOf(i)).append(", ");
    }
    // each organization once, as = ANY(...) counts it, whatever the array holds
    sql.append(count).append(" FROM (SELECT DISTINCT unnest(").append(orgs)
        .append("::uuid[]) AS id) AS scope_org CROSS JOIN LATERAL (SELECT ");
    for (int i = 0; i < fields.size(); i++) {
      sql.append(fields.get(i).select()).append(" AS f").append(String.valueOf(i)).append(", ");
    }
    List<String> outer = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      String key = order.get(i);
      int space = key.lastIndexOf(' ');
      sql.append(i == 0 ? "" : ", ").append(key.substring(0, space)).append(" AS k").append(String.valueOf(i));
      outer.add("page.k" + i + key.substring(space));
    }
    sql.append(" FROM ").append(r.from()).append(" WHERE ").append(scopeColumn).append(" = scope_org.id")
        .append(conditions).append(" ORDER BY ").append(String.join(", ", order))
        .append(" LIMIT ").param(offset + q.pageSize()).append(") page ORDER BY ").append(String.join(", ", outer))
        .append(" LIMIT ").param(q.pageSize()).append(" OFFSET ").param(offset);
    return sql;
  }

  /** A list's conditions after its visibility ({@code " AND ..."}: filters, search), their values added to {@code sql}. */
  private static String conditions(Sql sql, ListQuery q, Scope scope) {
    Resource r = q.resource();
    appendFilters(sql, r, q.fixed(), scope);
    appendFilters(sql, r, q.filters(), scope);
    if (!q.search().isEmpty()) {
      String pattern = "%" + likeEscape(q.search()) + "%";
      sql.append(" AND (");
      for (int i = 0; i < r.search().size(); i++) {
        sql.append(i == 0 ? "" : " OR ").template(r.searchPredicate(r.search().get(i)), scope, pattern);
      }
      sql.append(")");
    }
    return sql.takeText();
  }

  /**
   * One organization's matches of a list query, as the bytes of a {@link MatchSet}: every row of the organization
   * that meets its filters and search, by the resource's {@link Resource.MatchOrder} in the query's direction (the
   * caller leaves the order's range filters out: they are cut from the set), at most {@link MatchSet#MAX_MATCHES} of
   * them (one more marks the set incomplete). Reads the order key and the id only, from the resource's own table
   * where its conditions allow.
   */
  Future<Buffer> matches(ListQuery q, UUID org) {
    Resource r = q.resource();
    String key = matchKey(q);
    boolean descending = q.ordering().get(0).startsWith("-");
    Sql sql = new Sql();
    String where = r.scopeColumn() + " = " + sql.placeholder(org)
        + conditions(sql, q, new Scope(new UUID[] {org}, -1, false));
    sql.append("SELECT ").append(micros(key)).append(", ").append(r.idSelect())
        .append(" FROM ").append(r.fromFor(where)).append(" WHERE ").append(where).append(" ORDER BY ").append(key)
        .append(descending ? " DESC, " : " ASC, ").append(r.idSelect()).append(" ASC LIMIT ")
        .param(MatchSet.MAX_MATCHES + 1);
    stats.count("matches:" + r.name());
    return db.preparedQuery(sql.text()).execute(sql.tuple()).map(rows -> {
      MatchSet.Writer set = MatchSet.writer();
      for (Row row : rows) {
        Long micros = row.getLong(0);
        if (micros == null) {
          set.incomplete();
        } else {
          set.add(micros, row.getUUID(1));
        }
      }
      return set.bytes();
    });
  }

  /**
   * The rows of a list query among {@code ids}, in no order, each with its order key in epoch microseconds:
   * {@code {"rows": [...], "keys": [...]}}. Only rows the scope may see and that meet every condition of the query
   * now are returned, so that a caller can tell whether the matches it took the ids from still hold.
   */
  Future<JsonObject> rowsAmong(ListQuery q, Scope scope, List<UUID> ids) {
    Resource r = q.resource();
    List<Field> fields = r.readableFields();
    Sql sql = new Sql();
    String page = sql.placeholder(ids.toArray(new UUID[0]));
    String visibility = r.scopeColumn() + " = ANY(" + sql.placeholder(scope.orgs()) + ")";
    String conditions = conditions(sql, q, scope);
    // the ids joined, not "id = ANY(...)" beside the organizations: PostgreSQL then ANDs the organization index's
    // bitmap (every row of the reader's organizations) with the key's; joined, it probes the key 20 times
    // (docs/query-plans.md: 0.15 ms instead of 1.0)
    sql.append("SELECT ");
    appendSelect(sql, fields);
    sql.append(", ").append(micros(matchKey(q))).append(" FROM unnest(").append(page)
        .append("::uuid[]) AS page(id) JOIN ").append(r.joinsTables() ? "(" + r.from() + ")" : r.from())
        .append(" ON ").append(r.idSelect()).append(" = page.id WHERE ").append(visibility).append(conditions);
    stats.count("rows:" + r.name());
    return db.preparedQuery(sql.text()).execute(sql.tuple()).map(rows -> {
      JsonArray found = new JsonArray();
      JsonArray keys = new JsonArray();
      for (Row row : rows) {
        found.add(RowMapper.toJson(fields, row));
        keys.add(row.getLong(fields.size())); // null for an infinite instant: never a set's key
      }
      return new JsonObject().put("rows", found).put("keys", keys);
    });
  }

  /** The order key of a query that can keep its matches; anything else is a 400. */
  private static String matchKey(ListQuery q) {
    Resource r = q.resource();
    Resource.MatchOrder order = r.matchOrder();
    if (order == null || !order.orders(q.ordering())) {
      throw ApiError.badRequest("ordering", "This list keeps no matches in that order.");
    }
    return r.orderings().get(order.ordering());
  }

  /** A timestamp in epoch microseconds, exactly; null for {@code ±infinity} (which a set cannot hold). */
  private static String micros(String timestamp) {
    return "CASE WHEN isfinite(" + timestamp + ") THEN (extract(epoch FROM " + timestamp + ") * 1000000)::bigint END";
  }

  /**
   * A search's list: the matching rows' order keys read once into a set that the count and the page share (a search
   * must read every row it might match, through a trigram index or not), the page's rows then read by id.
   */
  private static Sql matchesFirst(Sql sql, Resource r, List<Field> fields, String where, List<String> order,
                                  int size, long offset) {
    List<String> keys = new ArrayList<>();
    List<String> inner = new ArrayList<>();
    List<String> outer = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      String key = order.get(i);
      int space = key.lastIndexOf(' ');
      keys.add(key.substring(0, space) + " AS k" + i);
      inner.add("k" + i + key.substring(space));
      outer.add("page.k" + i + key.substring(space));
    }
    String id = "page.k" + (order.size() - 1);
    sql.append("WITH matches AS MATERIALIZED (SELECT ").append(String.join(", ", keys)).append(" FROM ")
        .append(r.fromFor(where + String.join(" ", order))).append(" WHERE ").append(where).append(") SELECT ");
    appendSelect(sql, fields);
    sql.append(", (SELECT count(*) FROM matches) FROM (SELECT * FROM matches ORDER BY ")
        .append(String.join(", ", inner)).append(" LIMIT ").param(size).append(" OFFSET ")
        .param(offset).append(") page JOIN ")
        .append(r.joinsTables() ? "(" + r.from() + ")" : r.from()).append(" ON ").append(r.idSelect()).append(" = ")
        .append(id).append(" ORDER BY ").append(String.join(", ", outer));
    return sql;
  }

  /**
   * {@code {"row": {...}, "owners": [...], "last_modified": epoch seconds}} or a 404 ({@code last_modified} only for a
   * resource that keeps such a time, {@link Resource#lastModified}). Visibility is decided by the caller from the
   * owners.
   */
  Future<JsonObject> get(Resource r, Object id) {
    return one(r, "get:" + r.name(), new Sql().append(r.idSelect()).append(" = ").param(id));
  }

  /** One row of a nested resource (a membership), by the row it is under (its organization) and its id. */
  Future<JsonObject> get(Resource r, Object id, Object under) {
    if (under == null) {
      return get(r, id);
    }
    return one(r, "get:" + r.name(), new Sql().append(r.nesting().select()).append(" = ").param(under)
        .append(" AND ").append(r.idSelect()).append(" = ").param(id));
  }

  private Future<JsonObject> one(Resource r, String operation, Sql where) {
    List<Field> fields = r.readableFields();
    Sql sql = new Sql().append("SELECT ");
    appendSelect(sql, fields);
    sql.append(", ").append(r.ownerSelect());
    if (r.lastModified() != null) {
      sql.append(", floor(extract(epoch FROM ").append(r.lastModified()).append("))::bigint");
    }
    sql.append(" FROM ").append(r.from()).append(" WHERE ").append(where.text());
    stats.count(operation);
    return db.preparedQuery(sql.text()).execute(where.tuple()).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound();
      }
      Row row = rows.iterator().next();
      JsonObject one = new JsonObject().put("row", RowMapper.toJson(fields, row))
          .put("owners", new JsonArray(List.of(row.getArrayOfStrings(fields.size()))));
      if (r.lastModified() != null) {
        one.put("last_modified", row.getLong(fields.size() + 1));
      }
      return one;
    });
  }

  /** Owner markers of any row by the owner expression of its resource (404 if absent). */
  Future<JsonArray> owners(Resource r, Object id) {
    Sql sql = new Sql().append("SELECT ").append(r.ownerSelect()).append(" FROM ").append(r.from())
        .append(" WHERE ").append(r.idSelect()).append(" = ").param(id);
    stats.count("owners:" + r.name());
    return db.preparedQuery(sql.text()).execute(sql.tuple()).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound();
      }
      return new JsonArray(List.of(rows.iterator().next().getArrayOfStrings(0)));
    });
  }

  static void appendSelect(Sql sql, List<Field> fields) {
    for (int i = 0; i < fields.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(fields.get(i).select());
    }
  }

  private static void appendFilters(Sql sql, Resource r, Map<String, String> values, Scope scope) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      Filter f = r.filters().get(e.getKey());
      Object v = Validation.filterValue(f, e.getValue());
      sql.append(" AND ").template(f.sql(), scope, v);
    }
  }

  /** Escapes LIKE wildcards so that a search is always a plain substring match. */
  static String likeEscape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      if (c == '%' || c == '_' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
