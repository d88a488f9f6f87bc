package io.enginel.http;

import io.enginel.domain.ApiError;
import io.enginel.domain.FieldType;
import io.enginel.domain.Resource;
import io.enginel.domain.Validation;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reading a request: its JSON body, its path ids and its query parameters, each refused with a clear 4xx. */
final class Requests {
  private Requests() {}

  /** The body as a JSON object: 415 for another content type, 400 for an empty, malformed or non-object body. */
  static JsonObject jsonBody(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String mime = type == null ? "" : type.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (!mime.equals("application/json") && !(mime.startsWith("application/") && mime.endsWith("+json"))) {
      throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
    }
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ApiError.badRequest("body", "A JSON object body is required.");
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new ApiError(400, "malformed_json", "The body is not valid JSON.",
          new JsonObject().put("field", "body"));
    }
    if (!(value instanceof JsonObject json)) {
      throw ApiError.badRequest("body", "The body must be a JSON object.");
    }
    return json;
  }

  /** A path id of a resource: a UUID or a positive integer, else a 400 naming the parameter. */
  static String id(RoutingContext ctx, String param, Resource r) {
    return id(ctx.pathParam(param), param, r.idType());
  }

  static String id(String raw, String param, FieldType type) {
    if (raw == null) {
      throw ApiError.badParameter(param, "'" + param + "' is required.");
    }
    if (type == FieldType.UUID) { // the canonical form as it is (no UUID and no new string on every read); else made
      return Validation.isCanonicalUuid(raw) ? raw : Validation.uuid(param, raw, true).toString();
    }
    try {
      long v = Long.parseLong(raw);
      if (v < 1) {
        throw new NumberFormatException();
      }
      return Long.toString(v);
    } catch (NumberFormatException e) {
      throw ApiError.badParameter(param, "'" + param + "' must be a positive integer.");
    }
  }

  /** Query parameters, first value of each; a repeated parameter is a 400 rather than a silent choice. */
  static Map<String, String> params(RoutingContext ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : queryParams(ctx)) {
      if (out.put(e.getKey(), e.getValue()) != null) {
        throw ApiError.badParameter(e.getKey(), "'" + e.getKey() + "' is given more than once.");
      }
    }
    return out;
  }

  /**
   * The decoded query parameters; a query string that is not valid percent-encoding ({@code %G1}, a lone
   * {@code %}) is a 400 naming the query, not the internal error vertx-web's decoding failure would become.
   */
  static io.vertx.core.MultiMap queryParams(RoutingContext ctx) {
    try {
      return ctx.queryParams();
    } catch (io.vertx.ext.web.handler.HttpException | IllegalArgumentException e) {
      throw ApiError.badParameter("query", "The query string is not valid percent-encoding.");
    }
  }

  static String ip(RoutingContext ctx) {
    var remote = ctx.request().remoteAddress();
    return remote == null ? null : remote.hostAddress();
  }
}
