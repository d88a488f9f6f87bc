package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.BusSignatures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Credentials, login sessions, principals and {@code /api/users/me}. */
final class AccountQueries {
  private final SqlClient db;
  private final QueryStats stats;

  AccountQueries(SqlClient db, QueryStats stats) {
    this.db = db;
    this.stats = stats;
  }

  /** {@code {"user_id", "password_hash", "is_active"}}, or 404 for an unknown user name. */
  Future<JsonObject> credentials(String username) {
    stats.count("credentials");
    return db.preparedQuery("SELECT id, password_hash, is_active FROM users WHERE username = $1")
        .execute(Tuple.of(username)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          Row row = rows.iterator().next();
          return new JsonObject().put("user_id", row.getLong(0)).put("password_hash", row.getString(1))
              .put("is_active", row.getBoolean(2));
        });
  }

  /**
   * Counts one login attempt under each key ({@code u:<name>}, {@code a:<address>}) in its one-minute window,
   * for the whole cluster at once: {@code {key: {"attempts", "retry_after" (seconds left in the window)}}}.
   * Windows ended more than ten minutes ago are swept now and then.
   */
  Future<JsonObject> loginAttempt(List<String> keys) {
    stats.count("login:attempt");
    Future<Void> sweep = ThreadLocalRandom.current().nextInt(100) == 0
        ? db.query("DELETE FROM login_attempts WHERE window_start < now() - interval '10 minutes'").execute().mapEmpty()
        : Future.succeededFuture();
    return sweep.compose(v -> db.preparedQuery("INSERT INTO login_attempts AS a (key, window_start, attempts) "
            + "SELECT k, now(), 1 FROM unnest($1::text[]) AS k ON CONFLICT (key) DO UPDATE SET "
            + "window_start = CASE WHEN a.window_start <= now() - interval '1 minute' THEN now() ELSE a.window_start END, "
            + "attempts = CASE WHEN a.window_start <= now() - interval '1 minute' THEN 1 ELSE a.attempts + 1 END "
            + "RETURNING key, attempts, "
            + "ceil(extract(epoch FROM window_start + interval '1 minute' - now()))::int")
        .execute(Tuple.of(keys.toArray(String[]::new)))).map(rows -> {
          JsonObject out = new JsonObject();
          rows.forEach(row -> out.put(row.getString(0), new JsonObject().put("attempts", row.getInteger(1))
              .put("retry_after", Math.max(1, row.getInteger(2)))));
          return out;
        });
  }

  Future<JsonObject> createSession(String tokenHash, long userId, int ttlSeconds, String ip) {
    stats.count("session:create");
    return db.preparedQuery("INSERT INTO sessions (token_hash, user_id, expires_at, ip_address, bus_id) "
            + "VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5) RETURNING expires_at")
        .execute(Tuple.of(tokenHash, userId, ttlSeconds, ip, BusSignatures.busId(tokenHash)))
        .map(rows -> new JsonObject().put("user_id", userId)
            .put("expires_at", rows.iterator().next().getOffsetDateTime(0).toInstant().toEpochMilli()));
  }

  /** {@code {"user_id", "expires_at" (epoch ms)}} of a live session of an active user, else 404. */
  Future<JsonObject> session(String tokenHash) {
    stats.count("session:get");
    return db.preparedQuery("SELECT s.user_id, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
            + "WHERE s.token_hash = $1 AND s.expires_at > now() AND u.is_active")
        .execute(Tuple.of(tokenHash)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          Row row = rows.iterator().next();
          return new JsonObject().put("user_id", row.getLong(0))
              .put("expires_at", row.getOffsetDateTime(1).toInstant().toEpochMilli());
        });
  }

  /** {@code {"token_hash"}} of the live session of an active user whose bus id this is, else 404. */
  Future<JsonObject> sessionByBusId(String busId) {
    stats.count("session:bus");
    return db.preparedQuery("SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id "
            + "WHERE s.bus_id = $1 AND s.expires_at > now() AND u.is_active")
        .execute(Tuple.of(busId)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          return new JsonObject().put("token_hash", rows.iterator().next().getString(0));
        });
  }

  /** Ends a session; answers the user it belonged to (or null). Expired sessions are swept on the way. */
  Future<JsonObject> deleteSession(String tokenHash) {
    stats.count("session:delete");
    return db.preparedQuery("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < now() - interval '1 day' "
            + "RETURNING user_id, token_hash")
        .execute(Tuple.of(tokenHash)).map(rows -> {
          JsonObject out = new JsonObject();
          for (Row row : rows) {
            if (tokenHash.equals(row.getString(1))) {
              out.put("user_id", row.getLong(0));
            }
          }
          return out;
        });
  }

  /** The principal of an active user: {@code {"user_id", "username", "staff", "memberships": [{organization, role}]}}. */
  Future<JsonObject> principal(long userId) {
    stats.count("principal");
    return db.preparedQuery("SELECT u.username, u.is_staff, u.is_active, m.organization_id, m.role FROM users u "
            + "LEFT JOIN memberships m ON m.user_id = u.id WHERE u.id = $1")
        .execute(Tuple.of(userId)).map(rows -> {
          if (rows.size() == 0 || !rows.iterator().next().getBoolean(2)) {
            throw ApiError.notFound();
          }
          JsonArray memberships = new JsonArray();
          Row first = null;
          for (Row row : rows) {
            first = first == null ? row : first;
            if (row.getUUID(3) != null) {
              memberships.add(new JsonObject().put("organization", row.getUUID(3).toString()).put("role", row.getString(4)));
            }
          }
          return new JsonObject().put("user_id", userId).put("username", first.getString(0))
              .put("staff", first.getBoolean(1)).put("memberships", memberships);
        });
  }

  /** The user with their organizations and roles, as {@code GET /api/users/me} answers it. */
  Future<JsonObject> me(long userId) {
    stats.count("me");
    return db.preparedQuery("SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.is_staff, u.is_active, "
            + "u.date_joined, o.id, o.name, m.role FROM users u LEFT JOIN memberships m ON m.user_id = u.id "
            + "LEFT JOIN organizations o ON o.id = m.organization_id WHERE u.id = $1 ORDER BY o.name, o.id")
        .execute(Tuple.of(userId)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          JsonObject me = null;
          JsonArray orgs = new JsonArray();
          for (Row row : rows) {
            if (me == null) {
              me = new JsonObject().put("id", row.getLong(0)).put("username", row.getString(1))
                  .put("email", row.getString(2)).put("first_name", row.getString(3)).put("last_name", row.getString(4))
                  .put("is_staff", row.getBoolean(5)).put("is_active", row.getBoolean(6))
                  .put("date_joined", RowMapper.timestamp(row.getOffsetDateTime(7)));
            }
            if (row.getUUID(8) != null) {
              orgs.add(new JsonObject().put("id", row.getUUID(8).toString()).put("name", row.getString(9))
                  .put("role", row.getString(10)));
            }
          }
          me.put("organizations", orgs);
          return me;
        });
  }
}
