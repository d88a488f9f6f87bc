package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The computed views: a design's BOM tree and an organization's storage use. */
final class DesignQueries {
  /** Deepest level the BOM query follows, so that a cycle written behind the API's back cannot loop forever. */
  static final int MAX_BOM_DEPTH = 64;

  private static final String BOM = """
      WITH RECURSIVE tree AS (
        SELECT n.id, n.parent_id, n.part_number, n.name, n.quantity, n.position, 1 AS depth, n.quantity::bigint AS total
          FROM assembly_nodes n WHERE n.design_id = $1 AND n.parent_id IS NULL
        UNION ALL
        SELECT c.id, c.parent_id, c.part_number, c.name, c.quantity, c.position, t.depth + 1, t.total * c.quantity
          FROM assembly_nodes c JOIN tree t ON c.parent_id = t.id WHERE t.depth < $2
      )
      SELECT id, parent_id, part_number, name, quantity, position, depth, total FROM tree
       ORDER BY depth, position, part_number, id""";

  private final SqlClient db;
  private final QueryStats stats;

  DesignQueries(SqlClient db, QueryStats stats) {
    this.db = db;
    this.stats = stats;
  }

  /**
   * The BOM of a design, by one recursive query: {@code {"design", "part_number", "node_count", "max_depth",
   * "roots": [node…], "parts": [{"part_number", "total_quantity"}…]}} where each node carries its
   * {@code quantity} per parent, its rolled-up {@code total_quantity} (product along the path) and its
   * {@code children}; {@code parts} totals every part number over the whole tree. Owners ride along
   * for the caller's visibility check.
   */
  Future<JsonObject> bom(UUID design) {
    stats.count("bom");
    return db.preparedQuery("SELECT d.organization_id, s.part_number FROM design_assets d "
            + "JOIN design_series s ON s.id = d.series_id WHERE d.id = $1")
        .execute(Tuple.of(design)).compose(head -> {
          if (head.size() == 0) {
            return Future.failedFuture(ApiError.notFound());
          }
          Row h = head.iterator().next();
          return db.preparedQuery(BOM).execute(Tuple.of(design, MAX_BOM_DEPTH)).map(rows -> {
            Map<UUID, JsonObject> byId = new HashMap<>();
            JsonArray roots = new JsonArray();
            Map<String, Long> parts = new LinkedHashMap<>();
            int maxDepth = 0;
            for (Row row : rows) {
              JsonObject node = new JsonObject().put("id", row.getUUID(0).toString()).put("part_number", row.getString(2))
                  .put("name", row.getString(3)).put("quantity", row.getInteger(4)).put("position", row.getInteger(5))
                  .put("depth", row.getInteger(6)).put("total_quantity", row.getLong(7)).put("children", new JsonArray());
              byId.put(row.getUUID(0), node);
              UUID parent = row.getUUID(1);
              if (parent == null) {
                roots.add(node);
              } else {
                byId.get(parent).getJsonArray("children").add(node);
              }
              parts.merge(row.getString(2), row.getLong(7), Long::sum);
              maxDepth = Math.max(maxDepth, row.getInteger(6));
            }
            List<JsonObject> partList = new ArrayList<>();
            parts.forEach((pn, total) -> partList.add(new JsonObject().put("part_number", pn).put("total_quantity", total)));
            partList.sort((a, b) -> a.getString("part_number").compareTo(b.getString("part_number")));
            JsonObject bom = new JsonObject().put("design", design.toString()).put("part_number", h.getString(1))
                .put("node_count", byId.size()).put("max_depth", maxDepth).put("roots", roots)
                .put("parts", new JsonArray(new ArrayList<>(partList)));
            return new JsonObject().put("row", bom).put("owners", new JsonArray().add(h.getUUID(0).toString()));
          });
        });
  }

  /** Bytes used by an organization's designs against its quota. */
  Future<JsonObject> storage(UUID org) {
    stats.count("storage");
    return db.preparedQuery("SELECT o.storage_quota_bytes, coalesce(sum(d.file_size), 0)::bigint, count(d.id) "
            + "FROM organizations o LEFT JOIN design_assets d ON d.organization_id = o.id WHERE o.id = $1 GROUP BY o.id")
        .execute(Tuple.of(org)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          Row row = rows.iterator().next();
          long quota = row.getLong(0);
          long used = row.getLong(1);
          JsonObject storage = new JsonObject().put("organization", org.toString()).put("quota_bytes", quota)
              .put("used_bytes", used).put("available_bytes", Math.max(0, quota - used))
              .put("percent_used", quota == 0 ? (used == 0 ? 0.0 : 100.0) : Math.round(used * 10000.0 / quota) / 100.0)
              .put("design_count", row.getLong(2));
          return new JsonObject().put("row", storage).put("owners", new JsonArray().add(org.toString()));
        });
  }
}
