package io.enginel.cache;

import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.List;
import java.util.Map;

/**
 * Get-or-compute of cached answers, on one event loop: the one call behind {@link CacheClient#read}.
 *
 * <ul>
 *   <li>A hit answers the entry (and is offered to the {@link ConsistencyObserver}).</li>
 *   <li>Concurrent misses of one key in this process run one load and one fill (single flight). A request that
 *       joins a load in flight uses its result only if no invalidation of the result's tags (or key) reached this
 *       process after that load began: otherwise the load may have read the database before a write whose answer
 *       was already sent when this request arrived, and this request loads again, alone.</li>
 *   <li>Long-term answers (BOM trees, geometry) are also computed at most once across processes while one holds
 *       the key's compute lease in Redis; the others wait for its entry.</li>
 * </ul>
 */
final class ResponseReads {
  private static final long LEASE_POLL_MS = 25;

  /** A load's result: the answer, the tags it depends on, and when the lookup that led to it began. */
  record Flight(Answer answer, List<String> tags, long startedNanos) {}

  private final Vertx vertx;
  private final boolean enabled;
  private final Map<Tier, ResponseStore> stores;
  private final Map<Tier, TierGuard> guards;
  private final TierClient longterm;
  private final SingleFlight<Flight> flights;
  private final ConsistencyObserver observer;
  private final long leaseMs;
  private final String owner;

  ResponseReads(Vertx vertx, boolean enabled, Map<Tier, ResponseStore> stores, Map<Tier, TierGuard> guards,
                TierClient longterm, SingleFlight<Flight> flights, ConsistencyObserver observer, long leaseMs,
                String owner) {
    this.vertx = vertx;
    this.enabled = enabled;
    this.stores = stores;
    this.guards = guards;
    this.longterm = longterm;
    this.flights = flights;
    this.observer = observer;
    this.leaseMs = leaseMs;
    this.owner = owner;
  }

  /** The answer of a read: the cached one, or one computed now (and filled). */
  Future<Answer> read(CachedRead read) {
    if (!enabled || !read.cached()) {
      return read.loader().get().map(loaded -> Answer.computed(loaded,
          ResponseEntry.etagOf(loaded.body().getBytes()), Answer.Fill.BYPASSED, 0, null));
    }
    ResponseStore store = stores.get(read.tier());
    long lookupStarted = guards.get(read.tier()).stamps.now();
    return store.lookup(read.key(), read.resource(), read.ttl()).compose(lookup -> {
      Answer cached = usable(lookup);
      if (cached != null) {
        observer.sample(read, cached, ((ResponseStore.Hit) lookup).entry(), lookupStarted);
        return Future.succeededFuture(cached);
      }
      if (lookup instanceof ResponseStore.Hit) {
        store.unlink(read.key()); // unreadable: dropped, and this request is answered from the database
      }
      return computed(read, store, miss(lookup));
    });
  }

  /**
   * Fills the cache for a read without a request (warming): {@code "present"} when it was cached already,
   * {@code "stored"} when it is now, {@code "not_stored"} when the fill was refused or skipped.
   */
  Future<String> warm(CachedRead read) {
    ResponseStore store = stores.get(read.tier());
    return store.lookup(read.key(), read.resource(), read.ttl()).compose(lookup -> {
      if (usable(lookup) != null) {
        return Future.succeededFuture("present");
      }
      return read.loader().get().compose(loaded -> store.fill(read.key(), read.ttl(), miss(lookup), loaded))
          .map(fill -> fill == Answer.Fill.STORED ? "stored" : "not_stored");
    });
  }

  private Future<Answer> computed(CachedRead read, ResponseStore store, ResponseStore.Miss miss) {
    boolean[] led = {false};
    return flights.run(read.tier().id() + "|" + read.key(), () -> {
      led[0] = true;
      return lead(read, store, miss);
    }).compose(flight -> {
      if (led[0]) {
        return Future.succeededFuture(flight.answer());
      }
      if (!guards.get(read.tier()).stamps.invalidatedSince(flight.startedNanos(), read.key(), flight.tags())) {
        return Future.succeededFuture(flight.answer().asCollapsed());
      }
      // the load joined began before an invalidation this request must see: its own look and load
      return look(read, store).compose(again -> again.answer() != null ? Future.succeededFuture(again.answer())
          : loadAndFill(read, store, miss(again.lookup())).map(Flight::answer));
    });
  }

  /**
   * The first of concurrent misses of a key loads it. A request whose lookup began before another flight of the
   * same key ended (its fill landed after this lookup read Redis) looks again before loading, so that a late
   * arrival of a burst does not run a second query for what is now cached.
   */
  private Future<Flight> lead(CachedRead read, ResponseStore store, ResponseStore.Miss miss) {
    if (!flights.endedSince(read.tier().id() + "|" + read.key(), miss.startedNanos())) {
      return loadUnderLeaseOrNot(read, store, miss);
    }
    return look(read, store).compose(again -> again.answer() != null ? Future.succeededFuture(again.flight())
        : loadUnderLeaseOrNot(read, store, miss(again.lookup())));
  }

  private Future<Flight> loadUnderLeaseOrNot(CachedRead read, ResponseStore store, ResponseStore.Miss miss) {
    return read.tier() == Tier.LONGTERM ? computeLeased(read, store, miss, System.currentTimeMillis() + leaseMs)
        : loadAndFill(read, store, miss);
  }

  private Future<Flight> loadAndFill(CachedRead read, ResponseStore store, ResponseStore.Miss miss) {
    return read.loader().get().compose(loaded -> {
      String etag = ResponseEntry.etagOf(loaded.body().getBytes());
      long ttl = loaded.ttlSeconds() > 0 ? Math.min(read.ttl(), loaded.ttlSeconds()) : read.ttl();
      return store.fill(read.key(), read.ttl(), miss, loaded).map(fill -> new Flight(
          Answer.computed(loaded, etag, fill, ttl, miss.ticket()), loaded.tags(), miss.startedNanos()));
    });
  }

  /** A second look (not counted in the statistics), with its answer when it found a usable entry. */
  private record Look(ResponseStore.Lookup lookup, Answer answer, long startedNanos) {
    Flight flight() {
      return new Flight(answer, ((ResponseStore.Hit) lookup).entry().tags(), startedNanos);
    }
  }

  private Future<Look> look(CachedRead read, ResponseStore store) {
    long started = guards.get(read.tier()).stamps.now();
    return store.lookup(read.key(), null, read.ttl()).map(lookup -> new Look(lookup, usable(lookup), started));
  }

  /** A lookup as a miss: a hit whose entry cannot be read counts as one, never fillable under its ticket. */
  private ResponseStore.Miss miss(ResponseStore.Lookup lookup) {
    return lookup instanceof ResponseStore.Miss m ? m : new ResponseStore.Miss(0);
  }

  /** A hit as an answer (its body inflated once); null for a miss or an entry that cannot be read. */
  private static Answer usable(ResponseStore.Lookup lookup) {
    if (!(lookup instanceof ResponseStore.Hit hit)) {
      return null;
    }
    try {
      return Answer.hit(hit.entry(), hit.source());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Computes under the key's lease, or waits for the process that holds it to fill the entry; past the deadline
   * (a lease holder that never fills) it computes without the lease.
   */
  private Future<Flight> computeLeased(CachedRead read, ResponseStore store, ResponseStore.Miss miss, long deadline) {
    if (System.currentTimeMillis() >= deadline) {
      return loadAndFill(read, store, miss);
    }
    return acquireLease(read.key()).compose(acquired -> acquired
        ? underLease(read, store).eventually(() -> releaseLease(read.key()))
        : awaitOther(read, store, deadline));
  }

  /**
   * Holding the lease, looks again first: the previous holder may have filled the entry between this process's
   * last look and its taking the lease. Computes only on a second miss, under that miss's ticket.
   */
  private Future<Flight> underLease(CachedRead read, ResponseStore store) {
    return look(read, store).compose(again -> again.answer() != null ? Future.succeededFuture(again.flight())
        : loadAndFill(read, store, miss(again.lookup())));
  }

  private Future<Flight> awaitOther(CachedRead read, ResponseStore store, long deadline) {
    return vertx.timer(LEASE_POLL_MS).compose(v -> look(read, store)).compose(again -> {
      if (again.answer() != null) {
        return Future.succeededFuture(again.flight());
      }
      return leaseHeld(read.key()).compose(held -> held && System.currentTimeMillis() < deadline
          ? awaitOther(read, store, deadline) : computeLeased(read, store, miss(again.lookup()), deadline));
    });
  }

  /** Takes the compute lease of a key (granted when Redis cannot be asked: nobody can coordinate). */
  private Future<Boolean> acquireLease(String key) {
    if (!longterm.available()) {
      return Future.succeededFuture(true);
    }
    return longterm.send(Request.cmd(Command.SET).arg(longterm.key(key + ":lease")).arg(owner).arg("NX").arg("PX")
        .arg(leaseMs)).map(r -> r != null).otherwise(true);
  }

  private Future<Void> releaseLease(String key) {
    return longterm.eval(Scripts.RELEASE_SCRIPT, List.of(longterm.key(key + ":lease")), List.of(owner))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<Boolean> leaseHeld(String key) {
    return longterm.send(Request.cmd(Command.EXISTS).arg(longterm.key(key + ":lease")))
        .map(r -> r.toLong() == 1L).otherwise(false);
  }


}
