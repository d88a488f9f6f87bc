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
 * refused again each time (nothing is kept for it). Only a target whose parameters are its query string is looked
 * up or kept ({@link #keyable}).
 *
 * <p>One instance per HTTP verticle, used on its event loop only.
 */
final class ListQueries {
  static final int SLOTS = 4096;
  /**
   * Longer query strings, and queries ordered by more than {@link #MAX_KEPT_ORDERINGS} terms, are parsed every time:
   * a slot then holds at most ~3 KB (the string, what it parses to, the key's part), the table at most ~12 MB per
   * event loop whatever is sent.
   */
  static final int MAX_KEPT_LENGTH = 512;
  static final int MAX_KEPT_ORDERINGS = 4;

  /** A parsed list query and its part of the cache key ({@link CacheKeys#queryPart}). */
  record Parsed(ListQuery query, String keyPart) {}

  /** A kept parse, with what it was parsed from besides its query's own resource and fixed filters. */
  private record Slot(String queryString, String defaultOrdering, Parsed parsed) {
    boolean holds(Resource r, Map<String, String> fixed, String ordering, String query) {
      ListQuery q = parsed.query();
      return q.resource() == r && queryString.equals(query) && Objects.equals(defaultOrdering, ordering)
          && q.fixed().equals(fixed);
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
    if (!keyable(ctx.request().uri())) {
      return parse(Requests.params(ctx), resource, fixed, defaultOrdering);
    }
    return of(Objects.requireNonNullElse(ctx.request().query(), ""), () -> Requests.params(ctx), resource, fixed,
        defaultOrdering);
  }

  /**
   * Whether the parameters of a request target are exactly those of its query string ({@code query()}), so that
   * the string can stand for them: an origin-form target ({@code /path?query}) without a {@code #}. The decoder of
   * the parameters stops at the first {@code #} of the whole target while {@code query()} is what follows the first
   * {@code ?}: in {@code http://x#y/api/designs?page=2} the query string is {@code page=2} and the parameters are
   * none, and keeping that parse under {@code page=2} would answer every later {@code ?page=2} with page 1.
   */
  static boolean keyable(String uri) {
    return uri != null && uri.startsWith("/") && uri.indexOf('#') < 0;
  }

  /** The same, from the raw query string and its decoded parameters (asked for only when the string is new here). */
  Parsed of(String query, Supplier<Map<String, String>> params, Resource resource, Map<String, String> fixed,
            String defaultOrdering) {
    int slot = ((query.hashCode() * 31 + resource.name().hashCode()) * 31 + fixed.hashCode()) & (SLOTS - 1);
    Slot kept = slots[slot];
    if (kept != null && kept.holds(resource, fixed, defaultOrdering, query)) {
      return kept.parsed();
    }
    Parsed parsed = parse(params.get(), resource, fixed, defaultOrdering);
    if (query.length() <= MAX_KEPT_LENGTH && parsed.query().ordering().size() <= MAX_KEPT_ORDERINGS) {
      slots[slot] = new Slot(query, defaultOrdering, parsed);
    }
    return parsed;
  }

  private Parsed parse(Map<String, String> params, Resource resource, Map<String, String> fixed,
                       String defaultOrdering) {
    ListQuery q = ListQuery.parse(resource, params, fixed, defaultOrdering, defaultPageSize, maxPageSize);
    return new Parsed(q, CacheKeys.queryPart(q.canonical()));
  }
}
