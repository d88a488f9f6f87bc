package io.enginel.repository;

import io.enginel.domain.ApiError;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.enginel.domain.Resources;
import io.enginel.domain.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Design files and analysis jobs: attaching an uploaded file (which queues a geometry job), the job
 * queue of the workers ({@code FOR UPDATE SKIP LOCKED}; a job whose worker stopped reporting is taken
 * again, so a restart loses none), progress, results and the stored geometry metadata. The audit log
 * records what users do (the upload, a job created through the API); a worker's transitions show on the
 * job itself (status, progress, times, error) and are not audited.
 */
final class JobQueries {
  static final String GEOMETRY = "GEOMETRY_EXTRACTION";

  private final Pool pool;
  private final QueryStats stats;
  private final Writes writes;

  JobQueries(Pool pool, QueryStats stats, Writes writes) {
    this.pool = pool;
    this.stats = stats;
    this.writes = writes;
  }

  /**
   * Records a stored file on its design — its hash, size, path and {@code format} (the format its content was
   * detected as, which replaces the one the design had) — with upload_status PROCESSING, and queues its geometry
   * job. The answer is the design with {@code "job"} and {@code "previous_file_format"}.
   */
  Future<WriteResult> attachFile(Actor actor, UUID design, String hash, long size, String path, String format,
                                 double density) {
    if (!Resources.FILE_FORMATS.contains(format)) {
      return Future.failedFuture(ApiError.badRequest("file_format", "The file format must be one of " + Resources.FILE_FORMATS + "."));
    }
    return pool.withTransaction(conn -> {
      stats.count("lock:designs");
      return conn.preparedQuery("SELECT organization_id, file_format FROM design_assets WHERE id = $1 FOR UPDATE")
          .execute(Tuple.of(design)).compose(rows -> {
            if (rows.size() == 0) {
              return Future.failedFuture(ApiError.notFound());
            }
            UUID org = rows.iterator().next().getUUID(0);
            String previous = rows.iterator().next().getString(1);
            return writes.role(conn, org, actor.id()).compose(role -> {
              if (role == null) {
                return Future.failedFuture(ApiError.notFound());
              }
              if (!role.atLeast(Role.EDITOR)) {
                return Future.failedFuture(ApiError.forbidden("Uploading a file needs EDITOR or ADMIN."));
              }
              stats.count("file:designs");
              UUID job = UUID.randomUUID();
              List<String> changed = new ArrayList<>(List.of("file_hash", "file_size", "storage_path", "upload_status",
                  "updated_at"));
              JsonObject changes = new JsonObject().put("file", new JsonObject().put("sha256", hash).put("size", size)
                  .put("format", format));
              if (!format.equals(previous)) {
                changed.add("file_format");
                changes.put("file_format", new JsonObject().put("old", previous).put("new", format));
              }
              return conn.preparedQuery("UPDATE design_assets SET file_hash = $2, file_size = $3, storage_path = $4, "
                      + "file_format = $5, upload_status = 'PROCESSING', updated_at = now() WHERE id = $1 RETURNING series_id")
                  .execute(Tuple.of(design, hash, size, path, format))
                  .compose(updated -> conn.preparedQuery("INSERT INTO analysis_jobs (id, design_id, organization_id, job_type, "
                          + "parameters, created_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6)")
                      .execute(Tuple.of(job, design, org, GEOMETRY, new JsonObject().put("density", density), actor.id()))
                      .compose(x -> Audit.record(conn, stats, org, actor, "UPDATE", Entity.DESIGN_ASSET.model(),
                          design.toString(), changes))
                      .compose(x -> Audit.record(conn, stats, org, actor, "CREATE", Entity.ANALYSIS_JOB.model(),
                          job.toString(), new JsonObject().put("job_type", GEOMETRY)))
                      .compose(x -> new ReadQueries(conn, stats).get(Resources.DESIGNS, design))
                      .map(read -> new WriteResult(read.getJsonObject("row").put("job", job.toString())
                          .put("previous_file_format", previous), List.of(
                          designEvent(design, org, updated.iterator().next().getUUID(0), changed),
                          new DomainEvent.Builder(Entity.ANALYSIS_JOB, "create", job.toString())
                              .ref("job", job).ref("design", design).ref("organization", org).build()))));
            });
          });
    });
  }

  /**
   * Takes the oldest pending job, or a running one whose worker has not reported for
   * {@code staleAfterSeconds}: {@code {"job", "design", "organization", "job_type", "parameters", "path",
   * "file_format", "file_hash"}}, or an empty object when there is none.
   */
  Future<WriteResult> claim(int staleAfterSeconds) {
    stats.count("claim:jobs");
    return pool.preparedQuery("UPDATE analysis_jobs j SET status = 'RUNNING', started_at = coalesce(j.started_at, now()), "
            + "progress = 0, error_message = NULL, finished_at = NULL, updated_at = now() "
            + "FROM design_assets d WHERE d.id = j.design_id AND j.id = (SELECT id FROM analysis_jobs "
            + "WHERE status = 'PENDING' OR (status = 'RUNNING' AND updated_at < now() - make_interval(secs => $1)) "
            + "ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1) "
            + "RETURNING j.id, j.design_id, j.organization_id, j.job_type, j.parameters, d.storage_path, d.file_format, d.file_hash")
        .execute(Tuple.of(staleAfterSeconds)).map(rows -> {
          if (rows.size() == 0) {
            return new WriteResult(new JsonObject(), List.of());
          }
          Row r = rows.iterator().next();
          JsonObject job = new JsonObject().put("job", r.getUUID(0).toString()).put("design", r.getUUID(1).toString())
              .put("organization", r.getUUID(2).toString()).put("job_type", r.getString(3))
              .put("parameters", r.getValue(4)).put("path", r.getString(5)).put("file_format", r.getString(6))
              .put("file_hash", r.getString(7));
          return new WriteResult(job, jobEvent(r.getUUID(0), r.getUUID(1), r.getUUID(2),
              List.of("status", "started_at", "progress", "error_message", "finished_at", "updated_at")));
        });
  }

  /** A running job's progress (0..100); also its heartbeat. */
  Future<WriteResult> progress(UUID job, int progress) {
    stats.count("progress:jobs");
    return pool.preparedQuery("UPDATE analysis_jobs SET progress = $2, updated_at = now() WHERE id = $1 AND status = 'RUNNING' "
            + "RETURNING design_id, organization_id")
        .execute(Tuple.of(job, Math.max(0, Math.min(100, progress)))).map(rows -> rows.size() == 0
            ? new WriteResult(new JsonObject(), List.of())
            : new WriteResult(new JsonObject().put("progress", progress),
                jobEvent(job, rows.iterator().next().getUUID(0), rows.iterator().next().getUUID(1),
                    List.of("progress", "updated_at"))));
  }

  /** Stores the geometry, completes the job and the design's upload, in one transaction. */
  Future<WriteResult> complete(UUID job, JsonObject properties) {
    return pool.withTransaction(conn -> {
      stats.count("complete:jobs");
      return conn.preparedQuery("UPDATE analysis_jobs SET status = 'COMPLETED', progress = 100, result = $2::jsonb, "
              + "finished_at = now(), updated_at = now() WHERE id = $1 AND status = 'RUNNING' RETURNING design_id, organization_id")
          .execute(Tuple.of(job, properties)).compose(rows -> {
            if (rows.size() == 0) {
              return Future.failedFuture(ApiError.conflict(null, "The job is not running (taken by another worker?)."));
            }
            UUID design = rows.iterator().next().getUUID(0);
            UUID org = rows.iterator().next().getUUID(1);
            return storeMetadata(conn, design, properties)
                .compose(series -> designStatus(conn, design, "COMPLETED").map(s ->
                        new WriteResult(new JsonObject().put("job", job.toString()).put("status", "COMPLETED"), List.of(
                            jobEvent(job, design, org, List.of("status", "progress", "result", "finished_at", "updated_at")),
                            metadataEvent(design, org), designEvent(design, org, s, List.of("upload_status", "updated_at"))))));
          });
    });
  }

  /** Fails a job with a clear message; its design's upload becomes FAILED. */
  Future<WriteResult> fail(UUID job, String message) {
    return pool.withTransaction(conn -> {
      stats.count("fail:jobs");
      return conn.preparedQuery("UPDATE analysis_jobs SET status = 'FAILED', error_message = $2, finished_at = now(), "
              + "updated_at = now() WHERE id = $1 AND status IN ('PENDING', 'RUNNING') RETURNING design_id, organization_id")
          .execute(Tuple.of(job, message.length() > 2000 ? message.substring(0, 2000) : message)).compose(rows -> {
            if (rows.size() == 0) {
              return Future.succeededFuture(new WriteResult(new JsonObject(), List.of()));
            }
            UUID design = rows.iterator().next().getUUID(0);
            UUID org = rows.iterator().next().getUUID(1);
            return designStatus(conn, design, "FAILED").map(series ->
                    new WriteResult(new JsonObject().put("job", job.toString()).put("status", "FAILED"),
                        List.of(jobEvent(job, design, org, List.of("status", "error_message", "finished_at", "updated_at")),
                            designEvent(design, org, series, List.of("upload_status", "updated_at")))));
          });
    });
  }

  /**
   * A design's stored geometry: {@code {"row": metadata or null, "owners", "file": {"path", "file_format",
   * "file_hash"}, "job": {"id", "status", "progress", "error_message"} or null}}; 404 for an unknown design.
   */
  Future<JsonObject> metadata(UUID design) {
    stats.count("metadata");
    return pool.preparedQuery("SELECT d.organization_id, d.storage_path, d.file_format, d.file_hash, g.properties, "
            + "g.computed_at, g.file_hash, j.id, j.status, j.progress, j.error_message FROM design_assets d "
            + "LEFT JOIN geometry_metadata g ON g.design_id = d.id "
            + "LEFT JOIN LATERAL (SELECT * FROM analysis_jobs x WHERE x.design_id = d.id AND x.job_type = $2 "
            + "ORDER BY x.created_at DESC LIMIT 1) j ON true WHERE d.id = $1")
        .execute(Tuple.of(design, GEOMETRY)).map(rows -> {
          if (rows.size() == 0) {
            throw ApiError.notFound();
          }
          Row r = rows.iterator().next();
          JsonObject out = new JsonObject().put("owners", new JsonArray().add(r.getUUID(0).toString()))
              .put("file", r.getString(1) == null ? null : new JsonObject().put("path", r.getString(1))
                  .put("file_format", r.getString(2)).put("file_hash", r.getString(3)))
              .put("job", r.getUUID(7) == null ? null : new JsonObject().put("id", r.getUUID(7).toString())
                  .put("status", r.getString(8)).put("progress", r.getInteger(9)).put("error_message", r.getString(10)));
          Object props = r.getValue(4);
          if (props != null) {
            JsonObject row = (props instanceof JsonObject o ? o.copy() : new JsonObject(props.toString()))
                .put("design", design.toString()).put("file_hash", r.getString(6))
                .put("computed_at", RowMapper.timestamp(r.getOffsetDateTime(5)));
            out.put("row", row);
          } else {
            out.putNull("row");
          }
          return out;
        });
  }

  /** Stores geometry computed on demand (no job involved). */
  Future<WriteResult> saveMetadata(UUID design, JsonObject properties) {
    return pool.withTransaction(conn -> storeMetadata(conn, design, properties).compose(series ->
        conn.preparedQuery("SELECT organization_id FROM design_assets WHERE id = $1").execute(Tuple.of(design))
            .map(rows -> new WriteResult(new JsonObject(),
                metadataEvent(design, rows.iterator().next().getUUID(0))))));
  }

  private Future<UUID> storeMetadata(SqlConnection conn, UUID design, JsonObject properties) {
    stats.count("store:metadata");
    return conn.preparedQuery("INSERT INTO geometry_metadata (design_id, organization_id, file_hash, properties) "
            + "SELECT d.id, d.organization_id, d.file_hash, $2::jsonb FROM design_assets d WHERE d.id = $1 "
            + "ON CONFLICT (design_id) DO UPDATE SET file_hash = excluded.file_hash, properties = excluded.properties, "
            + "computed_at = now() RETURNING design_id")
        .execute(Tuple.of(design, properties)).compose(rows -> rows.size() == 0
            ? Future.failedFuture(ApiError.notFound()) : Future.succeededFuture(design));
  }

  private Future<UUID> designStatus(SqlConnection conn, UUID design, String status) {
    stats.count("status:designs");
    return conn.preparedQuery("UPDATE design_assets SET upload_status = $2, updated_at = now() WHERE id = $1 RETURNING series_id")
        .execute(Tuple.of(design, status)).map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID(0));
  }

  private static DomainEvent jobEvent(UUID job, UUID design, UUID org, List<String> changed) {
    return new DomainEvent.Builder(Entity.ANALYSIS_JOB, "update", job.toString()).ref("job", job).ref("design", design)
        .ref("organization", org).changed(changed).build();
  }

  private static DomainEvent designEvent(UUID design, UUID org, UUID series, List<String> changed) {
    return new DomainEvent.Builder(Entity.DESIGN_ASSET, "update", design.toString()).ref("design", design)
        .ref("organization", org).ref("series", series).changed(changed).build();
  }

  private static DomainEvent metadataEvent(UUID design, UUID org) {
    return new DomainEvent.Builder(Entity.GEOMETRY_METADATA, "update", design.toString()).ref("design", design)
        .ref("organization", org).build();
  }

}
