package io.enginel.domain.geometry;

/** A design file that cannot be read as a mesh: corrupt, truncated, empty or of an unsupported kind. */
public final class GeometryException extends Exception {
  public GeometryException(String message) {
    super(message);
  }

  public GeometryException(String message, Throwable cause) {
    super(message, cause);
  }
}
