package io.enginel.jobs;

import io.enginel.domain.geometry.GeometryException;
import io.enginel.domain.geometry.MassProperties;
import io.enginel.domain.geometry.MeshReader;
import io.vertx.core.json.JsonObject;

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
      return MassProperties.compute(MeshReader.read(file, format), density).toJson();
    } catch (GeometryException e) {
      throw new Failure(e.getMessage(), e);
    }
  }
}
