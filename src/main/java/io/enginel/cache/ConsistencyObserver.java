package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * Proves in production what the tests prove in the lab: a share of the cached answers this process serves
 * ({@code cache.consistency.sampleRate}) is derived again from PostgreSQL after the answer has gone out, off the
 * request's path and within a budget of the database's time ({@link ObserverBudget}:
 * {@code cache.consistency.databaseMsPerSecond}, at most {@code cache.consistency.maxPerSecond} checks a second,
 * a few at a time), and compared with what was served. (Meta's Polaris does this for its caches; no open-source API cache does.)
 *
 * <ul>
 *   <li>The same: a consistent check.</li>
 *   <li>Different, but one of the answer's tags (or its key, or the whole tier) was invalidated after it was
 *       served: a write came after the serve — inconclusive, not counted against the cache. The look at the
 *       invalidations waits {@code cache.consistency.graceMs} first, so that a write the re-derivation already saw
 *       has had time to reach this process.</li>
 *   <li>Different with no invalidation since: a violation. It is counted per resource, logged with its key, and
 *       the key is invalidated on every node, so a stale entry heals itself.</li>
 * </ul>
 * Counts are exported as {@code enginel_cache_consistency_checks_total} and
 * {@code enginel_cache_consistency_violations_total{resource}} and shown, with the nines they measure, by
 * {@code GET /api/cache/stats}. Reads whose loader may write (geometry computed on demand) are not re-derived.
 */
final class ConsistencyObserver {
  private static final Logger LOG = LoggerFactory.getLogger(ConsistencyObserver.class);
  private static final int MAX_CONCURRENT = 4;
  /** Loaders that may write (an on-demand geometry computation stores its result): never re-run by the observer. */
  private static final Set<String> NOT_OBSERVED = Set.of("metadata");

  private final Vertx vertx;
  private final EnginelConfig.Consistency config;
  private final Map<Tier, TierGuard> guards;
  private final CacheStats stats;
  private final BiConsumer<Tier, String> heal;
  private final ObserverBudget budget;
  private final Ticker ticker;

  /**
   * @param ticker the clock the budget's database time is measured on
   * @param heal   invalidates a key of a tier on every node (a violation's entry)
   */
  ConsistencyObserver(Vertx vertx, EnginelConfig.Consistency config, Map<Tier, TierGuard> guards, CacheStats stats,
                      Ticker ticker, BiConsumer<Tier, String> heal) {
    this.vertx = vertx;
    this.config = config;
    this.ticker = ticker;
    this.budget = new ObserverBudget(ticker, MAX_CONCURRENT, config.maxPerSecond(), config.databaseMsPerSecond());
    this.guards = guards;
    this.stats = stats;
    this.heal = heal;
  }

  /**
   * Offers a cached answer just served, by a lookup that started at {@code lookupStarted} (stamps' clock);
   * re-derived later when sampled and within the budget. An invalidation of its key or tags after the lookup
   * started makes a difference inconclusive: the lookup may have read Redis before it.
   */
  void sample(CachedRead read, Answer served, ResponseEntry entry, long lookupStarted) {
    if (config.sampleRate() <= 0 || NOT_OBSERVED.contains(read.resource())
        || (config.sampleRate() < 1 && ThreadLocalRandom.current().nextDouble() >= config.sampleRate())) {
      return;
    }
    if (!budget.tryStart()) {
      stats.consistency("skipped", read.resource());
      return;
    }
    EvictionStamps stamps = guards.get(read.tier()).stamps;
    long started = ticker.read();
    Future<CachedRead.Loaded> derived;
    try {
      derived = read.loader().get();
    } catch (RuntimeException e) { // the answer already went out: a loader that throws is a check without a verdict
      derived = Future.failedFuture(e);
    }
    derived.onComplete(ar -> {
      budget.finished(ticker.read() - started);
      if (ar.failed()) {
        stats.consistency("skipped", read.resource()); // the row went away, or the database is busy: no verdict
        return;
      }
      if (ResponseEntry.etagOf(ar.result().body().getBytes()).equals(served.etag())) {
        stats.consistency("consistent", read.resource());
        return;
      }
      vertx.setTimer(Math.max(1, config.graceMs()), t -> {
        if (stamps.invalidatedSince(lookupStarted, read.key(), entry.tags())) {
          stats.consistency("inconclusive", read.resource());
          return;
        }
        stats.consistency("violation", read.resource());
        LOG.warn("consistency violation: {} (tier {}) was served as {} but the database derives {}; invalidated",
            read.key(), read.tier().id(), served.etag(), ResponseEntry.etagOf(ar.result().body().getBytes()));
        heal.accept(read.tier(), read.key());
      });
    });
  }
}
