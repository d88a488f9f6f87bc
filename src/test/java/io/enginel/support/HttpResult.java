package io.enginel.support;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A finished HTTP exchange: status, headers and body, with JSON accessors for assertions. */
public record HttpResult(int status, MultiMap headers, Buffer body) {
  public JsonObject json() {
    return body == null || body.length() == 0 ? null : body.toJsonObject();
  }

  public JsonArray results() {
    return json().getJsonArray("results");
  }

  public String header(String name) {
    return headers.get(name);
  }

  public String xCache() {
    return headers.get("X-Cache");
  }

  @Override
  public String toString() {
    return status + " " + (body == null ? "" : body.toString());
  }
}
