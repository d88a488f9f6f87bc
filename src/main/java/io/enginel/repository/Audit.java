package io.enginel.repository;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/** The audit log row every mutation writes, in the mutation's own transaction. */
final class Audit {
  static final String INSERT = "INSERT INTO audit_logs (organization_id, actor_id, actor_username, action, resource_type, "
      + "resource_id, changes, ip_address) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)";

  private Audit() {}

  static Future<Void> record(SqlConnection conn, QueryStats stats, UUID org, Actor actor, String action,
                             String resourceType, String resourceId, JsonObject changes) {
    stats.count("audit");
    return conn.preparedQuery(INSERT)
        .execute(Tuple.of(org, actor.id(), actor.username(), action, resourceType, resourceId, changes, actor.ip()))
        .mapEmpty();
  }
}
