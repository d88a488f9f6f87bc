package io.enginel.domain;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * An error that reaches the client as {@code {"error": code, "message": text, "details": ...}} with the
 * HTTP status {@link #status()}. Crosses the event bus as a reply failure whose code is the status and
 * whose message is the JSON body, so the HTTP verticle can answer it as it is.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;
  private final JsonObject details;

  public ApiError(int status, String code, String message, JsonObject details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  public ApiError(int status, String code, String message) {
    this(status, code, message, null);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public JsonObject details() {
    return details;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("error", code).put("message", getMessage());
    if (details != null) {
      json.put("details", details);
    }
    return json;
  }

  public static ApiError badRequest(String field, String message) {
    return new ApiError(400, "invalid", message, new JsonObject().put("field", field));
  }

  public static ApiError badParameter(String parameter, String message) {
    return new ApiError(400, "invalid_parameter", message, new JsonObject().put("parameter", parameter));
  }

  /** A request header that cannot be taken as it is: {@code details.header} names it. */
  public static ApiError badHeader(String header, String message) {
    return new ApiError(400, "invalid_header", message, new JsonObject().put("header", header));
  }

  public static ApiError notFound() {
    return new ApiError(404, "not_found", "Not found.");
  }

  /** A page past the end of a list (other than the first, which is an empty list). */
  public static ApiError invalidPage() {
    return new ApiError(404, "not_found", "Invalid page.", new JsonObject().put("parameter", "page"));
  }

  public static ApiError forbidden(String message) {
    return new ApiError(403, "forbidden", message);
  }

  public static ApiError conflict(String field, String message) {
    return new ApiError(409, "conflict", message, field == null ? null : new JsonObject().put("field", field));
  }

  public static ApiError unavailable(String message) {
    return new ApiError(503, "unavailable", message);
  }

  /** Turns an event-bus failure back into an ApiError; anything unknown becomes a 503 or 500. */
  public static ApiError from(Throwable t) {
    if (t instanceof ApiError e) {
      return e;
    }
    if (t instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() >= 400 && re.failureCode() < 600) {
        try {
          JsonObject body = new JsonObject(re.getMessage());
          return new ApiError(re.failureCode(), body.getString("error", "error"), body.getString("message", ""),
              body.getJsonObject("details"));
        } catch (DecodeException | NullPointerException | ClassCastException ignored) {
          // a consumer outside Enginel failed with a plain message: keep it
          return new ApiError(re.failureCode(), "error", re.getMessage() == null ? "Request failed." : re.getMessage());
        }
      }
      if (re.failureType() == ReplyFailure.TIMEOUT || re.failureType() == ReplyFailure.NO_HANDLERS) {
        return unavailable("A backend service did not answer in time; try again.");
      }
    }
    return new ApiError(500, "internal", "Internal server error.");
  }
}
