package io.enginel.http;

import io.enginel.domain.ApiError;
import io.enginel.domain.geometry.ContentFormat;
import io.enginel.jobs.FileStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams an upload's body (or the first file of its multipart form) to a temporary file of the store, never
 * holding it in memory: a running byte count cuts it off with a 413 as soon as it passes the limit, and its first
 * {@link ContentFormat#HEAD_BYTES} are kept aside for format detection. On any failure the temporary file is
 * deleted.
 */
final class UploadReceiver {
  /** A body received in full: the temporary file, its size, its first bytes and the name the client gave it (or null). */
  record Received(Path path, long size, byte[] head, String name) {}

  private final Vertx vertx;
  private final FileStore files;
  private final long limit;

  UploadReceiver(Vertx vertx, FileStore files, long limit) {
    this.vertx = vertx;
    this.files = files;
    this.limit = limit;
  }

  /** A 413 for a file over the limit; {@code source} is the header or field that told. */
  ApiError tooLarge(String kind, String source) {
    return new ApiError(413, "too_large", "The file is over the limit of " + limit + " bytes (storage.maxUploadBytes); "
        + "upload a smaller file.", new JsonObject().put(kind, source).put("limit_bytes", limit));
  }

  /**
   * Receives the body of a paused request: as a multipart form when {@code form}, else raw with the name
   * {@code rawName} (from its Content-Disposition).
   */
  Future<Received> receive(HttpServerRequest req, boolean form, String rawName) {
    Path tmp;
    try {
      tmp = files.newTempFile();
    } catch (IOException e) {
      return Future.failedFuture(ApiError.unavailable("The file store cannot take uploads now."));
    }
    Promise<Received> done = Promise.promise();
    vertx.fileSystem().open(tmp.toString(), new OpenOptions().setCreateNew(true).setWrite(true)).onComplete(opened -> {
      if (opened.failed()) {
        done.fail(ApiError.unavailable("The file store cannot take uploads now."));
        req.resume();
        return;
      }
      new Transfer(req, opened.result(), tmp, done).start(form, rawName);
    });
    return done.future();
  }

  /** One upload in flight. Every callback runs on the request's event loop. */
  private final class Transfer {
    private final HttpServerRequest req;
    private final AsyncFile file;
    private final Path tmp;
    private final Promise<Received> done;
    private final Buffer head = Buffer.buffer(1024);
    private long received;
    private boolean finished;
    private boolean fileSeen;
    private String name;

    Transfer(HttpServerRequest req, AsyncFile file, Path tmp, Promise<Received> done) {
      this.req = req;
      this.file = file;
      this.tmp = tmp;
      this.done = done;
    }

    void start(boolean form, String rawName) {
      req.exceptionHandler(t -> fail(ApiError.badRequest("file", "The upload was interrupted before its end.")));
      if (form) {
        req.setExpectMultipart(true);
        req.uploadHandler(upload -> {
          if (fileSeen) {
            upload.handler(b -> { }); // only the first file is taken
            return;
          }
          fileSeen = true;
          name = upload.filename();
          upload.handler(this::write);
        });
      } else {
        fileSeen = true;
        name = rawName;
        req.handler(this::write);
      }
      req.endHandler(v -> end());
      req.resume();
    }

    private void write(Buffer chunk) {
      if (finished) {
        return;
      }
      received += chunk.length();
      if (received > limit) {
        fail(tooLarge("field", "file"));
        return;
      }
      if (head.length() < ContentFormat.HEAD_BYTES) {
        head.appendBuffer(chunk, 0, Math.min(chunk.length(), ContentFormat.HEAD_BYTES - head.length()));
      }
      file.write(chunk);
      if (file.writeQueueFull()) {
        req.pause();
        file.drainHandler(v -> req.resume());
      }
    }

    private void end() {
      if (finished) {
        return;
      }
      if (!fileSeen) {
        fail(ApiError.badRequest("file", "The multipart form holds no file: send it as a file field, e.g. "
            + "Content-Disposition: form-data; name=\"file\"; filename=\"part.stl\"."));
        return;
      }
      if (received == 0) {
        fail(ApiError.badRequest("file", "The upload is empty: send the file's bytes as the body "
            + "(Content-Type: application/octet-stream) or as the file of a multipart/form-data form."));
        return;
      }
      finished = true;
      file.close().onComplete(closed -> {
        if (closed.failed()) {
          vertx.fileSystem().delete(tmp.toString())
              .onComplete(d -> done.tryFail(ApiError.unavailable("The upload could not be written.")));
        } else {
          done.tryComplete(new Received(tmp, received, head.getBytes(), name));
        }
      });
    }

    private void fail(ApiError error) {
      if (finished) {
        return;
      }
      finished = true;
      // answered once the file is gone: a refused upload leaves nothing behind
      file.close().onComplete(c -> vertx.fileSystem().delete(tmp.toString()).onComplete(d -> done.tryFail(error)));
    }
  }
}
