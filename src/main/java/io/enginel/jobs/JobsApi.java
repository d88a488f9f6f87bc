package io.enginel.jobs;

/** Event-bus addresses of the analysis job workers. */
public final class JobsApi {
  /** Publish (no body) to make idle workers look for queued jobs at once, as an upload does. */
  public static final String WAKE = "enginel.jobs.wake";
  /**
   * {@code {"path", "file_format", "density"}} → the geometry of a stored file, computed now on a worker
   * ({@link GeometryExtraction#toJson shape}); a corrupt or unsupported file fails with 422 and a clear message.
   */
  public static final String COMPUTE = "enginel.jobs.compute";

  private JobsApi() {}
}
