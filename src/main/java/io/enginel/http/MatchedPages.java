package io.enginel.http;

import io.enginel.cache.Answer;
import io.enginel.cache.CacheClient;
import io.enginel.cache.CacheKeys;
import io.enginel.cache.CachedRead;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.ListQuery;
import io.enginel.domain.MatchSet;
import io.enginel.domain.Principal;
import io.enginel.domain.Resource;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The page of a search, read from each organization's kept matches ({@link MatchSet}) instead of by one statement
 * that must read every match to count them: the organizations' sets come from the cache — computed on a miss, and
 * invalidated like the organization's lists, by its list tag and the tags of the columns the search depends on — the
 * count and the page's ids are merged from them, and only the page's rows are read from PostgreSQL.
 *
 * <p>Those rows are read with every condition of the query, with their order keys. A set that no longer holds — a
 * write committed whose invalidation has not been carried out yet, since a write answers only after it — shows
 * there as a row missing or a key moved, and the page is then read by the one statement, as before: an answer never
 * mixes a set's rows with rows that left it. A set is used only where it counts exactly: the resource keeps matches
 * ({@link Resource#matchOrder}), the query is a search in that order, its range bounds are whole microseconds, the
 * reader is in at least one organization, and lists are cached. Anything else, and a set with more matches than it
 * keeps, is read by the statement. Answers what {@link RepositoryClient#list} answers.
 */
final class MatchedPages {
  /** The last year whose instants are read from sets (PostgreSQL and the statement decide the others). */
  private static final int LAST_YEAR = 9999;
  /**
   * Comparisons a merge may take on the event loop before the page is left to the statement: a deep page of a reader
   * in many organizations (about 1 ms of merging).
   */
  static final long MAX_MERGE_STEPS = 200_000;
  /** After the cache could not keep a set (Redis away, the tier fenced), searches go to the statement this long. */
  private static final long UNAVAILABLE_BACKOFF_NANOS = 1_000_000_000L;

  /** A page's {@code {"count", "rows"}}, and how new the kept matches it was read from were (null: none). */
  record Listed(JsonObject result, Answer.Basis basis) {}

  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final CacheClient cache;
  private final CacheKeys keys;
  /** Until when (System.nanoTime) sets are not asked for: the cache could not keep the last one. */
  private volatile long statementUntil = System.nanoTime();

  MatchedPages(EnginelConfig config, RepositoryClient repository, CacheClient cache) {
    this.config = config;
    this.repository = repository;
    this.cache = cache;
    this.keys = cache.keys();
  }

  /** {@code {"count", "rows"}} of a top-level list, from kept matches where they answer it exactly. */
  Future<Listed> list(ListQuery q, Principal p) {
    Range range = keptRange(q, p);
    if (range == null || System.nanoTime() - statementUntil < 0) {
      return statement(q, p);
    }
    Resource r = q.resource();
    Resource.MatchOrder order = r.matchOrder();
    ListQuery unranged = q.withoutFilters(List.of(order.after(), order.before()));
    String part = CacheKeys.queryPart(unranged.canonicalOfAllPages());
    EnginelConfig.ResourceCache rc = config.cache().resource(r.name());
    List<Future<Answer>> reads = new ArrayList<>(p.orgIds().size());
    for (String org : p.orgIds()) {
      reads.add(cache.read(new CachedRead(Tier.DEFAULT, keys.matches(r.item(), org, part), MATCHES, rc.ttlSeconds(),
          true, () -> repository.matches(unranged, org).map(set -> new CachedRead.Loaded(set, List.of(org),
          r.listTags(List.of(org), p.userId(), false, r.listColumns(unranged), new JsonArray()))))));
    }
    return Future.all(reads).compose(all -> {
      List<MatchSet> sets = new ArrayList<>(reads.size());
      Answer.Basis basis = null;
      for (Future<Answer> read : reads) {
        Answer answer = read.result();
        if (answer.fill() == Answer.Fill.UNAVAILABLE) {
          statementUntil = System.nanoTime() + UNAVAILABLE_BACKOFF_NANOS;
        }
        MatchSet set = readable(answer);
        if (set == null || !set.complete()) {
          return statement(q, p);
        }
        sets.add(set);
        basis = answer.basis() == null ? basis : answer.basis().olderOf(basis);
      }
      long offset = (long) (q.page() - 1) * q.pageSize();
      MatchSet.Page page = MatchSet.page(sets, q.ordering().get(0).startsWith("-"), range.after, range.before,
          offset, q.pageSize(), MAX_MERGE_STEPS);
      if (page == null) {
        return statement(q, p);
      }
      Answer.Basis readFrom = basis;
      if (page.ids().isEmpty()) {
        if (q.page() > 1) {
          return Future.failedFuture(ApiError.invalidPage());
        }
        return Future.succeededFuture(new Listed(
            new JsonObject().put("count", page.count()).put("rows", new JsonArray()), readFrom));
      }
      return repository.rowsAmong(q, p, page.ids()).compose(found -> {
        JsonArray rows = inOrder(r, page, found);
        return rows != null
            ? Future.succeededFuture(new Listed(new JsonObject().put("count", page.count()).put("rows", rows), readFrom))
            : statement(q, p);
      });
    });
  }

  /** The resource name a set's reads are counted under in the cache statistics. */
  static final String MATCHES = "matches";

  private Future<Listed> statement(ListQuery q, Principal p) {
    return repository.list(q, p, null, null).map(result -> new Listed(result, null));
  }

  /** A set as the cache answered it; null when its bytes are not one (then the statement answers). */
  private static MatchSet readable(Answer answer) {
    try {
      return MatchSet.of(answer.body());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The page's rows in its order, or null when one is missing or its key moved (the sets no longer hold). */
  private static JsonArray inOrder(Resource r, MatchSet.Page page, JsonObject found) {
    JsonArray rows = found.getJsonArray("rows");
    JsonArray foundKeys = found.getJsonArray("keys");
    if (rows.size() != page.ids().size()) {
      return null;
    }
    String idField = r.idField();
    Map<String, Integer> at = new HashMap<>(rows.size() * 2);
    for (int i = 0; i < rows.size(); i++) {
      at.put(rows.getJsonObject(i).getString(idField), i);
    }
    JsonArray ordered = new JsonArray(new ArrayList<>(rows.size()));
    for (int i = 0; i < page.ids().size(); i++) {
      Integer j = at.get(page.ids().get(i).toString());
      Long key = j == null ? null : foundKeys.getLong(j);
      if (key == null || key != page.keys()[i]) {
        return null;
      }
      ordered.add(rows.getJsonObject(j));
    }
    return ordered;
  }

  /** A range in epoch microseconds, {@code [after, before)}. */
  private record Range(long after, long before) {}

  /** The query's creation range when kept matches answer it exactly; null when the statement must answer it. */
  private Range keptRange(ListQuery q, Principal p) {
    Resource r = q.resource();
    Resource.MatchOrder order = r.matchOrder();
    if (order == null || q.search().isEmpty() || p.orgIds().isEmpty() || !config.cache().enabled()
        || !config.cache().resource(r.name()).list() || !q.fixed().isEmpty() || !order.orders(q.ordering())) {
      return null;
    }
    Long after = micros(q.filters().get(order.after()), Long.MIN_VALUE);
    Long before = micros(q.filters().get(order.before()), Long.MAX_VALUE);
    return after == null || before == null ? null : new Range(after, before);
  }

  /**
   * An instant as PostgreSQL compares it, in epoch microseconds ({@code none} when absent), or null when it is not
   * whole microseconds or outside years 1–9999 (then the statement decides, as it always has).
   */
  private static Long micros(String value, long none) {
    if (value == null) {
      return none;
    }
    try {
      OffsetDateTime t = OffsetDateTime.parse(value);
      int year = t.toInstant().atOffset(ZoneOffset.UTC).getYear();
      if (t.getNano() % 1_000 != 0 || year < 1 || year > LAST_YEAR) {
        return null;
      }
      return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }
}
