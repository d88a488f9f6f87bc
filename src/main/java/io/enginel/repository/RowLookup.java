package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.Entity;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * One row of an entity's table as stored ({@code to_jsonb}), by its id: what a manual invalidation by model
 * and id reads for the ids the row refers to ({@link RepositoryApi#ROW}).
 */
final class RowLookup {
  private final SqlClient db;
  private final QueryStats stats;

  RowLookup(SqlClient db, QueryStats stats) {
    this.db = db;
    this.stats = stats;
  }

  Future<JsonObject> row(String model, String id) {
    Entity entity = Entity.byModel(model);
    if (entity == null || entity.idColumn() == null) {
      throw ApiError.badRequest("model", "Unknown model, or one without a single id: " + model);
    }
    Object key;
    try {
      key = entity.parseId(id);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("id", "'id' is not an id of " + entity.model() + ".");
    }
    stats.count("row:" + entity.table());
    return db.preparedQuery("SELECT to_jsonb(t) FROM " + entity.table() + " t WHERE " + entity.idColumn() + " = $1")
        .execute(Tuple.of(key)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          Object row = rows.iterator().next().getValue(0);
          return row instanceof JsonObject o ? o : new JsonObject(String.valueOf(row));
        });
  }
}
