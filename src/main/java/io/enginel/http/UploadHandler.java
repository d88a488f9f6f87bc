package io.enginel.http;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.domain.Role;
import io.enginel.domain.geometry.ContentFormat;
import io.enginel.domain.geometry.MeshReader;
import io.enginel.jobs.FileStore;
import io.enginel.jobs.JobsApi;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /api/designs/{id}/file}: the design file, as the raw body or as the first file of a multipart form.
 * Streamed to disk by {@link UploadReceiver}; then, on a worker, its format is detected from its content
 * ({@link ContentFormat}: the first bytes kept while it streamed, and its size). A file Enginel cannot compute
 * geometry from is refused with a 415 and deleted; any other is hashed, moved to its content address and recorded on
 * the design with the detected format, which queues its geometry job. Answers 202 with the design, the job and the
 * detected format (and a note when the file's name or the design said otherwise).
 */
final class UploadHandler {
  private static final List<String> BODY_TYPES = List.of("application/octet-stream", "multipart/form-data");

  private final Vertx vertx;
  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final FileStore files;
  private final UploadReceiver receiver;

  UploadHandler(Vertx vertx, EnginelConfig config, RepositoryClient repository, FileStore files) {
    this.vertx = vertx;
    this.config = config;
    this.repository = repository;
    this.files = files;
    this.receiver = new UploadReceiver(vertx, files, config.storage().maxUploadBytes());
  }

  /** A stored file with the format its content was detected as, and the name it came with. */
  private record Admitted(FileStore.Stored stored, ContentFormat format, String name) {}

  void upload(RoutingContext ctx) {
    Principal p = Authenticator.principal(ctx);
    String design = Requests.id(ctx, "id", Resources.DESIGNS);
    HttpServerRequest req = ctx.request();
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && parseLong(length) > config.storage().maxUploadBytes()) {
      refuseAndClose(ctx, receiver.tooLarge("header", "Content-Length"));
      return;
    }
    double density = density(Requests.queryParams(ctx).get("density"));
    boolean form = isForm(req.getHeader(HttpHeaders.CONTENT_TYPE));
    String rawName = form ? null : ContentDisposition.filename(req.getHeader(ContentDisposition.HEADER));
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
          return receiver.receive(req, form, rawName);
        })
        .compose(received -> vertx.executeBlocking(() -> admit(received), false))
        .compose(admitted -> repository.attachFile(design, admitted.stored().sha256(), admitted.stored().size(),
                admitted.stored().path(), admitted.format().fileFormat(), density, p, Requests.ip(ctx))
            .map(attached -> answer(attached.getJsonObject("row"), admitted)))
        .onComplete(ar -> {
          if (ar.failed()) {
            if (ApiError.from(ar.cause()).status() == 413) {
              refuseAndClose(ctx, ApiError.from(ar.cause()));
            } else if (!ctx.response().ended()) {
              req.resume();
              Responses.error(ctx, ar.cause());
            }
            return;
          }
          vertx.eventBus().publish(JobsApi.WAKE, null, new DeliveryOptions().setLocalOnly(true));
          ctx.response().putHeader("Location", "/api/analysis-jobs/" + ar.result().getString("job") + "/");
          Responses.json(ctx, 202, ar.result());
        });
  }

  /**
   * On a worker: detects the received file's format; refuses (and deletes) one whose geometry Enginel cannot
   * compute, stores any other at its content address.
   */
  private Admitted admit(UploadReceiver.Received received) throws Exception {
    ContentFormat format = ContentFormat.detect(received.head(), received.size());
    try {
      if (!format.readable()) {
        throw unsupported(format, received);
      }
      return new Admitted(files.ingest(received.path()), format, received.name());
    } finally {
      Files.deleteIfExists(received.path()); // gone once ingested; refused or failed, it must not stay
    }
  }

  /** 415: the detected format (or "unrecognised"), the format the name says, and the formats Enginel reads. */
  private static ApiError unsupported(ContentFormat format, UploadReceiver.Received received) {
    String named = ContentFormat.ofName(received.name());
    StringBuilder message = new StringBuilder("The file is ").append(format.description())
        .append(format == ContentFormat.UNRECOGNISED ? "; Enginel" : ": Enginel").append(" computes geometry from ")
        .append(ContentFormat.READABLE).append(" only");
    if (format == ContentFormat.STEP || format == ContentFormat.IGES) {
      message.append(" (its exact B-rep geometry needs a CAD kernel, which Enginel has not). Export the part as STL "
          + "or OBJ and upload that.");
    } else {
      message.append(": a binary STL is an 80-byte header, a triangle count and 50 bytes a triangle; an ASCII STL "
          + "starts with 'solid' followed by 'facet' lines; an OBJ has 'v x y z' and 'f' lines.");
      long declared = ContentFormat.declaredTriangles(received.head());
      if ("stl".equals(named) && declared >= 0) {
        message.append(" Read as a binary STL, its header declares ").append(declared).append(" triangles, which take 84 + 50 × ")
            .append(declared).append(" = ").append(84 + 50 * declared).append(" bytes; it has ").append(received.size())
            .append(" (cut short?).");
      }
    }
    JsonObject details = new JsonObject().put("field", "file").put("detected_format", format.fileFormat())
        .put("readable_formats", new JsonArray(MeshReader.SUPPORTED));
    if (named != null) {
      details.put("filename_format", named);
    }
    return new ApiError(415, "unsupported_file_format", message.toString(), details);
  }

  /**
   * The 202 body: the design (its {@code file_format} now the detected one), the job, {@code detected_format}, and
   * {@code format_note} when the file's name or the design's previous format said otherwise.
   */
  private static JsonObject answer(JsonObject design, Admitted admitted) {
    String previous = (String) design.remove("previous_file_format");
    String detected = admitted.format().fileFormat();
    String named = ContentFormat.ofName(admitted.name());
    List<String> disagreements = new ArrayList<>();
    if (named != null && !named.equals(detected)) {
      disagreements.add("the file name '" + shorten(admitted.name()) + "' says " + named);
    }
    if (previous != null && !previous.equals(detected)) {
      disagreements.add("the design's file_format was " + previous);
    }
    design.put("detected_format", detected);
    if (!disagreements.isEmpty()) {
      design.put("format_note", "The content is " + admitted.format().description() + ", so file_format is now "
          + detected + ", although " + String.join(" and ", disagreements) + ".");
    }
    return design;
  }

  /**
   * Whether the body is a multipart form (else it is the file itself, whatever its type says); a type that cannot
   * carry a file is a 415, a form without a boundary a 400, both naming the header.
   */
  private static boolean isForm(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return false;
    }
    String mime = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    if (mime.equals("multipart/form-data")) {
      if (!contentType.toLowerCase(Locale.ROOT).contains("boundary=")) {
        throw ApiError.badHeader("Content-Type", "A multipart/form-data body needs its boundary: "
            + "Content-Type: multipart/form-data; boundary=<the boundary of the parts>.");
      }
      return true;
    }
    if (mime.startsWith("multipart/") || mime.equals("application/x-www-form-urlencoded") || mime.equals("application/json")
        || (mime.startsWith("application/") && mime.endsWith("+json"))) {
      throw new ApiError(415, "unsupported_media_type", "Content-Type " + mime + " cannot carry a design file: send "
          + "the file's bytes as the body (application/octet-stream, or the file's own type) or as the file of a "
          + "multipart/form-data form.", new JsonObject().put("header", "Content-Type")
          .put("accepted", new JsonArray(BODY_TYPES)));
    }
    return false;
  }

  /** An error answered before the body is read in full, then the connection is closed: the rest is not read. */
  private static void refuseAndClose(RoutingContext ctx, ApiError e) {
    if (ctx.response().ended()) {
      return;
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
    throw ApiError.badParameter("density", "'density' must be a positive number (mass per unit volume, in the "
        + "file's units), e.g. ?density=7.85; without it " + config.jobs().defaultDensity() + " is taken.");
  }

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
