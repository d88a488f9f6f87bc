package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.Entity;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Principal;
import io.enginel.domain.Resource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The repository's event-bus API as method calls ({@link RepositoryApi}), for the HTTP verticle. Failures
 * come back as {@link ApiError}s. Requests stay on this node.
 */
public final class RepositoryClient {
  private final Vertx vertx;
  private final DeliveryOptions options;

  public RepositoryClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
  }

  public Future<JsonObject> list(ListQuery query, Principal principal, Resource parent, String parentId) {
    JsonObject m = new JsonObject().put("query", query.toJson()).put("scope", principal.scopeJson());
    if (parent != null) {
      m.put("parent", new JsonObject().put("resource", parent.name()).put("id", parentId));
    }
    return request(RepositoryApi.LIST, m);
  }

  /** One organization's matches of a list query, as the bytes of a {@link io.enginel.domain.MatchSet}. */
  public Future<Buffer> matches(ListQuery query, String organization) {
    return request(RepositoryApi.LIST_MATCHES, new JsonObject().put("query", query.toJson())
        .put("organization", organization)).map(m -> m.getBuffer("matches"));
  }

  /** The rows among {@code ids} that the principal sees and that meet the query now, with their order keys. */
  public Future<JsonObject> rowsAmong(ListQuery query, Principal principal, List<UUID> ids) {
    JsonArray given = new JsonArray(new ArrayList<>(ids.size()));
    for (UUID id : ids) {
      given.add(id.toString());
    }
    return request(RepositoryApi.LIST_ROWS, new JsonObject().put("query", query.toJson())
        .put("scope", principal.scopeJson()).put("ids", given));
  }

  /** One row of an entity's table as stored ({@code to_jsonb}), by its id; a 404 when there is none. */
  public Future<JsonObject> row(Entity entity, String id) {
    return request(RepositoryApi.ROW, new JsonObject().put("entity", entity.model()).put("id", id));
  }

  public Future<JsonObject> get(Resource r, String id) {
    return request(RepositoryApi.GET, new JsonObject().put("resource", r.name()).put("id", id));
  }

  public Future<JsonObject> bom(String design) {
    return request(RepositoryApi.BOM, new JsonObject().put("design", design));
  }

  public Future<JsonObject> storage(String org) {
    return request(RepositoryApi.STORAGE, new JsonObject().put("organization", org));
  }

  public Future<JsonObject> me(long user) {
    return request(RepositoryApi.ME, new JsonObject().put("user", user));
  }

  /** Counts a login attempt under each key for the whole cluster; see {@link RepositoryApi#LOGIN_ATTEMPT}. */
  public Future<JsonObject> loginAttempt(List<String> keys) {
    return request(RepositoryApi.LOGIN_ATTEMPT, new JsonObject().put("keys", new JsonArray(keys)));
  }

  /** The token hash of the live session with this bus id (see {@link io.enginel.domain.BusSignatures}). */
  public Future<JsonObject> sessionByBusId(String busId) {
    return request(RepositoryApi.SESSION_BY_BUS_ID, new JsonObject().put("bus_id", busId));
  }

  public Future<JsonObject> principal(long user) {
    return request(RepositoryApi.PRINCIPAL, new JsonObject().put("user", user));
  }

  public Future<JsonObject> create(Resource r, JsonObject fields, String parentId, Principal actor, String ip,
                                   String passwordHash) {
    JsonObject m = write(r, actor, ip).put("fields", fields).put("parent", parentId);
    if (passwordHash != null) {
      m.put("password_hash", passwordHash);
    }
    return request(RepositoryApi.CREATE, m);
  }

  /** @param ifMatch the entity tags of {@code If-Match}, checked with the row locked (null: unconditional) */
  public Future<JsonObject> update(Resource r, String id, JsonObject fields, boolean replace, String parentId,
                                   Principal actor, String ip, String passwordHash, List<String> ifMatch) {
    JsonObject m = write(r, actor, ip).put("id", id).put("fields", fields).put("replace", replace).put("parent", parentId);
    if (passwordHash != null) {
      m.put("password_hash", passwordHash);
    }
    return request(RepositoryApi.UPDATE, withIfMatch(m, ifMatch));
  }

  /** @param ifMatch the entity tags of {@code If-Match}, checked with the row locked (null: unconditional) */
  public Future<JsonObject> delete(Resource r, String id, String parentId, Principal actor, String ip,
                                   List<String> ifMatch) {
    return request(RepositoryApi.DELETE, withIfMatch(write(r, actor, ip).put("id", id).put("parent", parentId), ifMatch));
  }

  private static JsonObject withIfMatch(JsonObject m, List<String> ifMatch) {
    return ifMatch == null ? m : m.put("if_match", new JsonArray(List.copyOf(ifMatch)));
  }

  public Future<JsonObject> reviewer(String review, long user, boolean add, Principal actor, String ip) {
    return request(RepositoryApi.REVIEWERS, new JsonObject().put("op", add ? "add" : "remove").put("review", review)
        .put("user", user).put("actor", actor.toJson()).put("ip", ip));
  }

  /** Records a stored file of the {@code format} its content was detected as on its design, and queues its geometry job. */
  public Future<JsonObject> attachFile(String design, String sha256, long size, String path, String format,
                                       double density, Principal actor, String ip) {
    return request(RepositoryApi.FILE_ATTACH, new JsonObject().put("design", design).put("sha256", sha256).put("size", size)
        .put("path", path).put("file_format", format).put("density", density).put("actor", actor.toJson()).put("ip", ip));
  }

  public Future<JsonObject> metadata(String design) {
    return request(RepositoryApi.METADATA, new JsonObject().put("design", design));
  }

  public Future<JsonObject> saveMetadata(String design, JsonObject properties) {
    return request(RepositoryApi.METADATA_SAVE, new JsonObject().put("design", design).put("properties", properties));
  }

  public Future<JsonObject> claimJob(int staleAfterSeconds) {
    return request(RepositoryApi.JOB_CLAIM, new JsonObject().put("stale_after_seconds", staleAfterSeconds));
  }

  public Future<JsonObject> jobProgress(String job, int progress) {
    return request(RepositoryApi.JOB_PROGRESS, new JsonObject().put("job", job).put("progress", progress));
  }

  public Future<JsonObject> completeJob(String job, JsonObject properties) {
    return request(RepositoryApi.JOB_COMPLETE, new JsonObject().put("job", job).put("properties", properties));
  }

  public Future<JsonObject> failJob(String job, String error) {
    return request(RepositoryApi.JOB_FAIL, new JsonObject().put("job", job).put("error", error));
  }

  public Future<JsonObject> credentials(String username) {
    return request(RepositoryApi.CREDENTIALS, new JsonObject().put("username", username));
  }

  public Future<JsonObject> createSession(String tokenHash, long userId, int ttlSeconds, String ip) {
    return request(RepositoryApi.SESSION_CREATE, new JsonObject().put("token_hash", tokenHash).put("user_id", userId)
        .put("ttl_seconds", ttlSeconds).put("ip", ip));
  }

  public Future<JsonObject> session(String tokenHash) {
    return request(RepositoryApi.SESSION_GET, new JsonObject().put("token_hash", tokenHash));
  }

  public Future<JsonObject> deleteSession(String tokenHash) {
    return request(RepositoryApi.SESSION_DELETE, new JsonObject().put("token_hash", tokenHash));
  }

  public Future<JsonObject> stats() {
    return request(RepositoryApi.STATS, new JsonObject());
  }

  public Future<JsonObject> health() {
    return request(RepositoryApi.HEALTH, new JsonObject());
  }

  private static JsonObject write(Resource r, Principal actor, String ip) {
    return new JsonObject().put("resource", r.name()).put("actor", actor.toJson()).put("ip", ip);
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, options)
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result().body())
            : Future.failedFuture(ApiError.from(ar.cause())));
  }
}
