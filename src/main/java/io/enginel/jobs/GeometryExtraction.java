package io.enginel.jobs;

import io.enginel.domain.geometry.ContentFormat;
import io.enginel.domain.geometry.GeometryException;
import io.enginel.domain.geometry.MassProperties;
import io.enginel.domain.geometry.MeshReader;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Geometry metadata of a stored design file (blocking: run it on a worker). */
final class GeometryExtraction {
  private GeometryExtraction() {}

  /** A file whose geometry cannot be extracted, with a message fit for the job's {@code error_message}. */
  static final class Failure extends Exception {
    Failure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** {@link MassProperties#toJson()} of the file, for {@code density}. */
  static JsonObject extract(Path file, String format, double density) throws Failure {
    try {
      return MassProperties.compute(MeshReader.read(file, readAs(file, format)), density).toJson();
    } catch (GeometryException e) {
      throw new Failure(e.getMessage(), e);
    }
  }

  /**
   * The format the file's content says, when it is one {@link MeshReader} reads — so a {@code file_format} changed
   * after the upload does not make a readable file unreadable — else the recorded one, whose error then says why.
   */
  private static String readAs(Path file, String recorded) {
    try (InputStream in = Files.newInputStream(file)) {
      ContentFormat content = ContentFormat.detect(in.readNBytes(ContentFormat.HEAD_BYTES), Files.size(file));
      return content.readable() ? content.fileFormat() : recorded;
    } catch (IOException e) {
      return recorded; // the reader reports the file it cannot read
    }
  }
}
