package io.enginel.http;

import io.enginel.cache.CacheKeys;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Resource;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The list queries of one event loop, each query string parsed once: a hot list is asked for with the same query
 * string again and again, and percent-decoding it, validating each filter, building the canonical form and the
 * cache key's part took a sixth of a near-cache list hit (JFR, docs/performance.md). A direct-mapped table of
 * {@value #SLOTS} slots, compared whole on every use (resource, fixed filters, default ordering, query string), so
 * a slot another query string took is a parse, never another query's answer. What is kept is what
 * {@link ListQuery#parse} answers for those inputs, which depends on nothing else; a query string it refuses is
 * refused again each time (nothing is kept for it).
 *
 * <p>One instance per HTTP verticle, used on its event loop only.
 */
final class ListQueries {
  static final int SLOTS = 4096;
  /** Longer query strings are parsed every time: the table stays under ~2 MB of strings per loop whatever is sent. */
  static final int MAX_KEPT_LENGTH = 512;

  /** A parsed list query and its part of the cache key ({@link CacheKeys#queryPart}). */
  record Parsed(ListQuery query, String keyPart) {}

  private record Slot(Resource resource, Map<String, String> fixed, String defaultOrdering, String queryString,
                      Parsed parsed) {
    boolean holds(Resource r, Map<String, String> f, String ordering, String query) {
      return resource == r && queryString.equals(query) && Objects.equals(defaultOrdering, ordering) && fixed.equals(f);
    }
  }

  private final Slot[] slots = new Slot[SLOTS];
  private final int defaultPageSize;
  private final int maxPageSize;

  ListQueries(int defaultPageSize, int maxPageSize) {
    this.defaultPageSize = defaultPageSize;
    this.maxPageSize = maxPageSize;
  }

  /**
   * The request's list query for {@code resource}, with {@code fixed} filters (a sub-list's parent) and its
   * default ordering (null: the resource's own). Throws the 400 of {@link ListQuery#parse} for a bad query.
   */
  Parsed of(RoutingContext ctx, Resource resource, Map<String, String> fixed, String defaultOrdering) {
    return of(Objects.requireNonNullElse(ctx.request().query(), ""), () -> Requests.params(ctx), resource, fixed,
        defaultOrdering);
  }

  /** The same, from the raw query string and its decoded parameters (asked for only when the string is new here). */
  Parsed of(String query, Supplier<Map<String, String>> params, Resource resource, Map<String, String> fixed,
            String defaultOrdering) {
    int slot = (query.hashCode() * 31 + resource.name().hashCode()) & (SLOTS - 1);
    Slot kept = slots[slot];
    if (kept != null && kept.holds(resource, fixed, defaultOrdering, query)) {
      return kept.parsed();
    }
    ListQuery q = ListQuery.parse(resource, params.get(), fixed, defaultOrdering, defaultPageSize,
        maxPageSize);
    Parsed parsed = new Parsed(q, CacheKeys.queryPart(q.canonical()));
    if (query.length() <= MAX_KEPT_LENGTH) {
      slots[slot] = new Slot(resource, Map.copyOf(fixed), defaultOrdering, query, parsed);
    }
    return parsed;
  }
}
