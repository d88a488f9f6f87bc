package io.enginel.http;

import io.enginel.domain.ListQuery;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The page-number pagination shape of Django REST framework: {@code {"count", "next", "previous",
 * "results"}}. Links are path-absolute ({@code /api/designs/?page=2&…}), built from the canonical query,
 * so that one cached page serves every equivalent request whatever host name it was asked under.
 */
final class Pages {
  private Pages() {}

  static Buffer render(String path, ListQuery q, JsonObject result) {
    long count = result.getLong("count", 0L);
    JsonArray rows = result.getJsonArray("rows");
    long shown = (long) (q.page() - 1) * q.pageSize() + rows.size();
    String next = shown < count ? link(path, q.paramsForPage(q.page() + 1)) : null;
    String previous = q.page() > 1 ? link(path, q.paramsForPage(q.page() - 1)) : null;
    return new JsonObject().put("count", count).put("next", next).put("previous", previous).put("results", rows).toBuffer();
  }

  static String link(String path, Map<String, String> params) {
    StringBuilder sb = new StringBuilder(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      sb.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return sb.toString();
  }
}
