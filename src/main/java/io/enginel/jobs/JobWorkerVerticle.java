package io.enginel.jobs;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * An analysis job worker. Deployed with {@link ThreadingModel#WORKER}: geometry extraction blocks (it reads
 * and integrates a whole mesh) and must never run on an event loop. It claims queued jobs from Postgres
 * through the repository (one at a time, {@code FOR UPDATE SKIP LOCKED}, so several workers and nodes share
 * the queue and a job whose worker died is taken again), reports progress, and completes or fails each
 * job; those writes raise domain events like any other, so job and design caches refresh. It also
 * computes geometry on demand ({@link JobsApi#COMPUTE}) for the metadata endpoint.
 */
public final class JobWorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(JobWorkerVerticle.class);

  private final EnginelConfig config;
  private final FileStore files;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private RepositoryClient repository;
  private boolean busy;
  private long timer = -1;

  public JobWorkerVerticle(EnginelConfig config, FileStore files) {
    this.config = config;
    this.files = files;
  }

  @Override
  public Future<?> start() {
    repository = new RepositoryClient(vertx, config.pg().replyTimeoutMs());
    consumers.add(vertx.eventBus().localConsumer(JobsApi.WAKE, m -> poll()));
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(JobsApi.COMPUTE, m -> {
      JsonObject b = m.body();
      try {
        m.reply(GeometryExtraction.extract(files.resolve(b.getString("path")), b.getString("file_format"),
            b.getDouble("density", config.jobs().defaultDensity())));
      } catch (GeometryExtraction.Failure e) {
        m.fail(422, new ApiError(422, "geometry_failed", e.getMessage()).toJson().encode());
      } catch (RuntimeException e) {
        LOG.error("geometry of {} failed", b.getString("path"), e);
        m.fail(500, new ApiError(500, "internal", "Geometry extraction failed.").toJson().encode());
      }
    }));
    timer = vertx.setPeriodic(config.jobs().pollMs(), id -> poll());
    List<Future<Void>> registrations = new ArrayList<>();
    consumers.forEach(c -> registrations.add(c.completion()));
    return Future.all(registrations).onSuccess(v -> poll());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Works through the queue until it is empty; a poll while working is a no-op. */
  private void poll() {
    if (busy) {
      return;
    }
    busy = true;
    next();
  }

  private void next() {
    repository.claimJob(config.jobs().staleAfterSeconds()).onComplete(ar -> {
      if (ar.failed() || ar.result().getJsonObject("row") == null || ar.result().getJsonObject("row").isEmpty()) {
        if (ar.failed()) {
          LOG.debug("cannot claim jobs now: {}", ar.cause().getMessage());
        }
        busy = false;
        return;
      }
      run(ar.result().getJsonObject("row")).onComplete(done -> next());
    });
  }

  private Future<Void> run(JsonObject job) {
    String id = job.getString("job");
    if (job.getString("path") == null) {
      return repository.failJob(id, "The design has no uploaded file.").mapEmpty();
    }
    JsonObject parameters = job.getValue("parameters") instanceof JsonObject p ? p : new JsonObject();
    double density = parameters.getDouble("density", config.jobs().defaultDensity());
    long start = System.nanoTime();
    return repository.jobProgress(id, 10).<Void>compose(p -> {
      JsonObject properties;
      try {
        properties = GeometryExtraction.extract(files.resolve(job.getString("path")), job.getString("file_format"), density);
      } catch (GeometryExtraction.Failure e) {
        LOG.info("job {} failed: {}", id, e.getMessage());
        return repository.failJob(id, e.getMessage()).mapEmpty();
      } catch (RuntimeException e) {
        LOG.error("job {} failed unexpectedly", id, e);
        return repository.failJob(id, "Geometry extraction failed unexpectedly.").mapEmpty();
      }
      LOG.info("job {}: geometry of {} triangles in {} ms", id, properties.getValue("triangle_count"),
          (System.nanoTime() - start) / 1_000_000);
      return repository.jobProgress(id, 90).compose(x -> repository.completeJob(id, properties)).mapEmpty();
    }).recover(t -> {
      LOG.warn("job {} interrupted: {} (it will be taken again)", id, t.getMessage());
      return Future.succeededFuture();
    });
  }
}
