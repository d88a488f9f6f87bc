package io.enginel.domain;

import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A validated list request: filters, search, ordering and page. {@link #canonical()} is the same string
 * for every equivalent query string (parameters in any order, defaults written or not), which makes it
 * the query part of a list cache key and of the next/previous links.
 *
 * @param fixed filters set by the path, not by the client ({@code /api/series/{id}/versions} fixes series)
 */
public record ListQuery(Resource resource, Map<String, String> filters, Map<String, String> fixed, String search,
                        List<String> ordering, int page, int pageSize) {

  public static final String PAGE = "page";
  public static final String PAGE_SIZE = "page_size";
  public static final String SEARCH = "search";
  public static final String ORDERING = "ordering";

  /**
   * Validates query parameters. Unknown parameters are ignored (they do not change the answer, so they are
   * not part of the cache key either); known ones with bad values are a 400 naming the parameter.
   */
  public static ListQuery parse(Resource resource, Map<String, String> params, Map<String, String> fixed,
                                String defaultOrdering, int defaultPageSize, int maxPageSize) {
    Map<String, String> filters = new TreeMap<>();
    for (Map.Entry<String, String> e : params.entrySet()) {
      Filter f = resource.filters().get(e.getKey());
      if (f != null && !fixed.containsKey(e.getKey()) && !e.getValue().isEmpty()) {
        Validation.filterValue(f, e.getValue());
        filters.put(e.getKey(), e.getValue());
      }
    }
    String search = params.getOrDefault(SEARCH, "").trim();
    Validation.checkParameterText(SEARCH, search);
    if (search.length() > 200) {
      throw ApiError.badParameter(SEARCH, "'search' is longer than 200 characters.");
    }
    List<String> ordering = ordering(resource, params.getOrDefault(ORDERING, ""),
        defaultOrdering == null ? resource.defaultOrdering() : defaultOrdering);
    int page = positive(PAGE, params.get(PAGE), 1, Integer.MAX_VALUE / 1000);
    int pageSize = positive(PAGE_SIZE, params.get(PAGE_SIZE), defaultPageSize, maxPageSize);
    return new ListQuery(resource, Collections.unmodifiableMap(filters), Map.copyOf(fixed), search, ordering, page,
        pageSize);
  }

  private static List<String> ordering(Resource resource, String raw, String fallback) {
    String value = raw.isBlank() ? fallback : raw;
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      String p = part.trim();
      String name = p.startsWith("-") ? p.substring(1) : p;
      if (!resource.orderings().containsKey(name)) {
        throw ApiError.badParameter(ORDERING, "Cannot order by '" + Validation.safe(name) + "'; allowed: "
            + String.join(", ", resource.orderings().keySet()) + ".");
      }
      out.add(p);
    }
    return List.copyOf(out);
  }

  private static int positive(String name, String raw, int fallback, int max) {
    if (raw == null || raw.isEmpty()) {
      return fallback;
    }
    int v;
    try {
      v = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw ApiError.badParameter(name, "'" + name + "' must be a positive integer.");
    }
    if (v < 1) {
      throw ApiError.badParameter(name, "'" + name + "' must be a positive integer.");
    }
    if (v > max) {
      throw ApiError.badParameter(name, "'" + name + "' must not exceed " + max + ".");
    }
    return v;
  }

  /**
   * Sorted {@code name=value} pairs joined by {@code &}, names and values percent-encoded (a search for
   * {@code a&b=c} must not read as a filter).
   */
  public String canonical() {
    return canonical(true);
  }

  /** {@link #canonical()} without the page and its size: what every page of the query shares. */
  public String canonicalOfAllPages() {
    return canonical(false);
  }

  private String canonical(boolean paging) {
    Map<String, String> all = new TreeMap<>(filters);
    if (!search.isEmpty()) {
      all.put(SEARCH, search);
    }
    all.put(ORDERING, String.join(",", ordering));
    if (paging) {
      all.put(PAGE, Integer.toString(page));
      all.put(PAGE_SIZE, Integer.toString(pageSize));
    }
    StringBuilder sb = new StringBuilder();
    all.forEach((k, v) -> {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(encode(k)).append('=').append(encode(v));
    });
    return sb.toString();
  }

  /** Form-encoded; a value of unreserved characters only (the usual case) is its own encoding. */
  private static String encode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.' || c == '*')) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
      }
    }
    return s;
  }

  /** The same query without the named filters. */
  public ListQuery withoutFilters(Collection<String> names) {
    Map<String, String> kept = new TreeMap<>(filters);
    kept.keySet().removeAll(names);
    return new ListQuery(resource, Collections.unmodifiableMap(kept), fixed, search, ordering, page, pageSize);
  }

  /** The parameters of another page of the same query, for next / previous links. */
  public Map<String, String> paramsForPage(int otherPage) {
    Map<String, String> all = new LinkedHashMap<>(new TreeMap<>(filters));
    if (!search.isEmpty()) {
      all.put(SEARCH, search);
    }
    all.put(ORDERING, String.join(",", ordering));
    all.put(PAGE, Integer.toString(otherPage));
    all.put(PAGE_SIZE, Integer.toString(pageSize));
    return all;
  }

  public JsonObject toJson() {
    return new JsonObject().put("resource", resource.name()).put("filters", new JsonObject(new LinkedHashMap<>(filters)))
        .put("fixed", new JsonObject(new LinkedHashMap<>(fixed))).put(SEARCH, search)
        .put(ORDERING, String.join(",", ordering)).put(PAGE, page).put(PAGE_SIZE, pageSize);
  }

  /** Re-validates a query that came over the event bus. */
  public static ListQuery fromJson(JsonObject json, int maxPageSize) {
    Resource resource = Resources.byName(json.getString("resource"));
    Map<String, String> params = new LinkedHashMap<>();
    json.getJsonObject("filters", new JsonObject()).forEach(e -> params.put(e.getKey(), String.valueOf(e.getValue())));
    params.put(SEARCH, json.getString(SEARCH, ""));
    params.put(ORDERING, json.getString(ORDERING, ""));
    params.put(PAGE, String.valueOf(json.getInteger(PAGE, 1)));
    params.put(PAGE_SIZE, String.valueOf(json.getInteger(PAGE_SIZE, 20)));
    Map<String, String> fixed = new LinkedHashMap<>();
    JsonObject fx = json.getJsonObject("fixed", new JsonObject());
    for (String k : fx.fieldNames()) {
      Filter f = resource.filters().get(k);
      if (f == null) {
        throw ApiError.badParameter(k, "unknown filter " + k);
      }
      Validation.filterValue(f, fx.getString(k));
      fixed.put(k, fx.getString(k));
    }
    return parse(resource, params, fixed, null, 20, maxPageSize);
  }
}
