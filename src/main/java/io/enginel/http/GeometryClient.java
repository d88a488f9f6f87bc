package io.enginel.http;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.jobs.JobsApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/** Asks the job workers ({@link JobsApi#COMPUTE}) for the geometry of a stored file, computed now. */
final class GeometryClient {
  private final Vertx vertx;
  private final double density;

  GeometryClient(Vertx vertx, EnginelConfig config) {
    this.vertx = vertx;
    this.density = config.jobs().defaultDensity();
  }

  /** {@code file}: {@code {"path", "file_format"}} as the repository describes it. */
  Future<JsonObject> compute(JsonObject file) {
    return vertx.eventBus().<JsonObject>request(JobsApi.COMPUTE, new JsonObject().put("path", file.getString("path"))
            .put("file_format", file.getString("file_format")).put("density", density),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(120_000))
        .map(m -> m.body()).recover(t -> Future.failedFuture(ApiError.from(t)));
  }
}
