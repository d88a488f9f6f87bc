package io.enginel.http;

import io.enginel.domain.ApiError;
import io.enginel.domain.ETags;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The conditional headers of a write. {@code If-Match} is handed to the repository, which evaluates it with the row
 * locked ({@link io.enginel.repository.RepositoryClient#update}); here it is only read. A malformed one is a 400
 * rather than ignored: ignoring it would turn a write its sender meant to be conditional into an unconditional one.
 */
final class Preconditions {
  private Preconditions() {}

  /** The entity tags of {@code If-Match} ({@code [*]} for the star), or null when the request has none. */
  static List<String> ifMatch(RoutingContext ctx) {
    List<String> values = ctx.request().headers().getAll(HttpHeaders.IF_MATCH);
    if (values.isEmpty()) {
      return null;
    }
    List<String> tags = ETags.parseList(String.join(", ", values));
    if (tags == null) {
      throw new ApiError(400, "invalid_header", "If-Match must be * or a comma-separated list of entity tags in "
          + "double quotes, as the ETag header gives them (\"abc\", \"def\").",
          new JsonObject().put("header", "If-Match"));
    }
    return tags;
  }
}
