package io.enginel.http;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.domain.Role;
import io.enginel.jobs.FileStore;
import io.enginel.jobs.JobsApi;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code POST /api/designs/{id}/file}: the design file, as the raw body or as the first file of a
 * multipart form. Streamed to disk (never held in memory) with a running byte count, so an upload over
 * {@code storage.maxUploadBytes} is cut off with a 413 as soon as it passes the limit. Then, on a worker,
 * hashed and moved to its content address; then recorded on the design, which queues its geometry job.
 * Answers 202 with the design and the job.
 */
final class UploadHandler {
  private final Vertx vertx;
  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final FileStore files;

  UploadHandler(Vertx vertx, EnginelConfig config, RepositoryClient repository, FileStore files) {
    this.vertx = vertx;
    this.config = config;
    this.repository = repository;
    this.files = files;
  }

  void upload(RoutingContext ctx) {
    Principal p = Authenticator.principal(ctx);
    String design = Requests.id(ctx, "id", Resources.DESIGNS);
    HttpServerRequest req = ctx.request();
    long limit = config.storage().maxUploadBytes();
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && parseLong(length) > limit) {
      tooLarge(ctx, null);
      return;
    }
    double density = density(Requests.queryParams(ctx).get("density"));
    req.pause();
    repository.get(Resources.DESIGNS, design)
        .compose(found -> {
          String org = found.getJsonObject("row").getString("organization");
          if (!p.canSee(List.of(org))) {
            return Future.failedFuture(ApiError.notFound());
          }
          if (!p.role(org).atLeast(Role.EDITOR)) {
            return Future.failedFuture(ApiError.forbidden("Uploading a file needs EDITOR or ADMIN."));
          }
          return receive(ctx, req, limit);
        })
        .compose(tmp -> vertx.executeBlocking(() -> files.ingest(tmp), false))
        .compose(stored -> repository.attachFile(design, stored.sha256(), stored.size(), stored.path(), density, p,
            Requests.ip(ctx)))
        .onComplete(ar -> {
          if (ar.failed()) {
            if (!ctx.response().ended()) {
              req.resume();
              Responses.error(ctx, ar.cause());
            }
            return;
          }
          vertx.eventBus().publish(JobsApi.WAKE, null, new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
          JsonObject row = ar.result().getJsonObject("row");
          ctx.response().putHeader("Location", "/api/analysis-jobs/" + row.getString("job") + "/");
          Responses.json(ctx, 202, row);
        });
  }

  /** Streams the body (or its first multipart file) to a temporary file, counting bytes. */
  private Future<Path> receive(RoutingContext ctx, HttpServerRequest req, long limit) {
    Path tmp;
    try {
      tmp = files.newTempFile();
    } catch (java.io.IOException e) {
      return Future.failedFuture(ApiError.unavailable("The file store cannot take uploads now."));
    }
    Promise<Path> done = Promise.promise();
    vertx.fileSystem().open(tmp.toString(), new OpenOptions().setCreateNew(true).setWrite(true)).onComplete(opened -> {
      if (opened.failed()) {
        done.fail(ApiError.unavailable("The file store cannot take uploads now."));
        req.resume();
        return;
      }
      AsyncFile file = opened.result();
      long[] received = {0};
      boolean[] finished = {false};
      Runnable abort = () -> {
        finished[0] = true;
        file.close().onComplete(c -> vertx.fileSystem().delete(tmp.toString()));
      };
      java.util.function.Consumer<Buffer> write = chunk -> {
        if (finished[0]) {
          return;
        }
        received[0] += chunk.length();
        if (received[0] > limit) {
          abort.run();
          tooLarge(ctx, done);
          return;
        }
        file.write(chunk);
        if (file.writeQueueFull()) {
          req.pause();
          file.drainHandler(v -> req.resume());
        }
      };
      Runnable end = () -> {
        if (finished[0]) {
          return;
        }
        finished[0] = true;
        file.close().onComplete(closed -> {
          if (received[0] == 0) {
            vertx.fileSystem().delete(tmp.toString());
            done.tryFail(ApiError.badRequest("file", "The upload is empty."));
          } else if (closed.failed()) {
            done.tryFail(ApiError.unavailable("The upload could not be written."));
          } else {
            done.tryComplete(tmp);
          }
        });
      };
      req.exceptionHandler(t -> {
        abort.run();
        done.tryFail(ApiError.badRequest("file", "The upload was interrupted."));
      });
      String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
      if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
        boolean[] taken = {false};
        req.setExpectMultipart(true);
        req.uploadHandler(upload -> {
          if (taken[0]) {
            upload.handler(b -> { });
            return;
          }
          taken[0] = true;
          stream(upload, write);
        });
        req.endHandler(v -> {
          if (!taken[0] && !finished[0]) {
            finished[0] = true;
            file.close().onComplete(c -> vertx.fileSystem().delete(tmp.toString()));
            done.tryFail(ApiError.badRequest("file", "The form holds no file."));
          } else {
            end.run();
          }
        });
      } else {
        req.handler(write::accept);
        req.endHandler(v -> end.run());
      }
      req.resume();
    });
    return done.future();
  }

  private static void stream(ReadStream<Buffer> upload, java.util.function.Consumer<Buffer> write) {
    upload.handler(write::accept);
  }

  /** A 413, then the connection is closed: the rest of an oversized body is not read. */
  private void tooLarge(RoutingContext ctx, Promise<Path> done) {
    ApiError e = new ApiError(413, "too_large", "The file is over the limit of " + config.storage().maxUploadBytes() + " bytes.");
    if (done != null) {
      done.tryFail(e);
    }
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    ctx.response().endHandler(v -> ctx.request().connection().close());
    Responses.error(ctx, e);
  }

  private double density(String raw) {
    if (raw == null || raw.isEmpty()) {
      return config.jobs().defaultDensity();
    }
    try {
      double d = Double.parseDouble(raw);
      if (d > 0 && Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiError.badParameter("density", "'density' must be a positive number.");
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
