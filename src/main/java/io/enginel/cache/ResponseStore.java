package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Cached answers of one tier, on one event loop: the validated lookup and the race-free fill.
 *
 * <p>A lookup is one round trip: the entry and, from the tier's invalidation state, its clock, its floor and the
 * stamps of the tags this key was last filled under ({@link TagMemo}), pipelined in that order. The entry is
 * served only when it belongs to the current incarnation, is not below the floor, and none of its tags was
 * invalidated at a later sequence than the one it was filled at. So an entry whose tag set Redis lost, whose
 * deletion failed, or which a restored snapshot brought back, is a miss, never a stale answer. When the entry's
 * tags are not the ones remembered, their stamps are asked for in a second round trip, once.
 *
 * <p>A fill stores the entry under the miss's ticket only if no tag of it was invalidated after the ticket
 * ({@link Scripts#FILL}), so a miss that read the database before a write cannot put the old value back.
 */
final class ResponseStore {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseStore.class);

  /** The outcome of a lookup. */
  sealed interface Lookup permits Hit, Miss {}

  /** A valid entry, from the near cache or from Redis. */
  record Hit(ResponseEntry entry, Answer.Source source) implements Lookup {}

  /**
   * No usable entry. {@code ticket} is the tier's clock at lookup time, null when the cache could not be asked
   * (or must not be filled now); {@code mark} the mark of that clock's last invalidation (null when the state had
   * none): the fill checks Redis still holds the history it was read on; {@code startedNanos} (on the stamps'
   * ticker) is when the lookup began.
   */
  record Miss(Clock ticket, String mark, long startedNanos) implements Lookup {
    Miss(long startedNanos) {
      this(null, null, startedNanos);
    }

    boolean fillable() {
      return ticket != null;
    }
  }

  private final EnginelConfig.Cache config;
  private final TierClient client;
  private final TierGuard guard;
  private final CacheStats stats;
  private final CacheKeys keys;
  private final ValueCodec codec;
  private final MemoryLease lease;
  private final InflateMemo inflateMemo;

  ResponseStore(EnginelConfig.Cache config, TierClient client, TierGuard guard, CacheStats stats, CacheKeys keys,
                MemoryLease lease, InflateMemo inflateMemo) {
    this.config = config;
    this.client = client;
    this.guard = guard;
    this.stats = stats;
    this.keys = keys;
    this.lease = lease;
    this.inflateMemo = inflateMemo;
    this.codec = new ValueCodec(config.compressThresholdBytes(), config.compressionLevel());
  }

  /**
   * The longest an entry of the tier can live: the longest TTL configured for the tier or a resource, and for the
   * sessions tier the session's (a principal is kept as long as its session lasts). How far back an invalidation
   * looks for tag sets that may name an entry ({@link TagSetWindows}), and how old a stamp must be to be pruned.
   */
  static long longestTtl(EnginelConfig config, Tier tier) {
    long max = config.cache().tierTtlSeconds().get(tier);
    for (EnginelConfig.ResourceCache rc : config.cache().resources().values()) {
      max = Math.max(max, rc.ttlSeconds());
    }
    if (tier == Tier.SESSIONS) {
      max = Math.max(max, config.auth().sessionTtlSeconds());
    }
    return max;
  }

  /**
   * Looks a key up: the near cache's copy, else Redis's validated entry (copied into the near cache), else a
   * miss. {@code resource} null counts nothing (a second look of a request already counted).
   */
  Future<Lookup> lookup(String key, String resource, long resourceTtl) {
    long started = guard.stamps.now();
    NearCache near = guard.near != null && lease.valid() ? guard.near : null;
    if (near != null) {
      ResponseEntry copy = near.get(key);
      if (copy != null) {
        count(resource, CacheStats.Result.HIT);
        if (resource != null) {
          stats.nearHit(guard.tier.id());
        }
        return Future.succeededFuture(new Hit(copy, Answer.Source.NEAR));
      }
    }
    if (!client.available() || guard.fenced()) {
      count(resource, CacheStats.Result.SKIPPED);
      return Future.succeededFuture(new Miss(started));
    }
    TagMemo.Remembered remembered = guard.memo.get(key);
    Clock highestWhenSent = guard.clocks.highest();
    // nothing invalidated since this key's stamps were last found clear, as far as this process has seen: the clock
    // alone answers (if it moved after all, the stamps are asked in a second round trip)
    boolean clockAlone = remembered != null && remembered.clearAt(highestWhenSent);
    long t0 = System.nanoTime();
    return client.lookupBatch(List.of(Request.cmd(Command.GET).arg(client.key(key)),
            state(clockAlone ? null : remembered)))
        .transform(ar -> {
          stats.latency(guard.tier.id(), "lookup", System.nanoTime() - t0);
          if (ar.failed()) {
            count(resource, CacheStats.Result.ERROR);
            LOG.debug("cache error {} {}", key, ar.cause().getMessage());
            return Future.succeededFuture(new Miss(started));
          }
          return judge(key, resource, resourceTtl, started, clockAlone ? null : remembered, remembered,
              highestWhenSent, ar.result(), near);
        });
  }

  /**
   * {@code HMGET state i s f h t:<tag>...}: the clock, the floor, the last invalidation's mark and the stamps of the
   * {@code remembered} tags (from index {@link #FIRST_STAMP}).
   */
  private Request state(TagMemo.Remembered remembered) {
    return withStamps(Request.cmd(Command.HMGET).arg(client.stateKey).arg("i").arg("s").arg("f").arg("h"), remembered);
  }

  private static final int FIRST_STAMP = 4;

  /** {@code r} with the stamp field of each remembered tag added (none when nothing is remembered). */
  private static Request withStamps(Request r, TagMemo.Remembered remembered) {
    if (remembered != null) {
      for (byte[] field : remembered.fields()) {
        r.arg(field);
      }
    }
    return r;
  }

  /**
   * @param sent       the tags whose stamps were asked with the clock (null: the clock alone)
   * @param remembered the tags this process remembers for the key (null: none)
   */
  private Future<Lookup> judge(String key, String resource, long resourceTtl, long started, TagMemo.Remembered sent,
                               TagMemo.Remembered remembered, Clock highestWhenSent, List<Response> replies,
                               NearCache near) {
    Response state = replies.get(1);
    Clock clock = clockOf(state);
    if (!guard.trust(clock, highestWhenSent)) {
      count(resource, CacheStats.Result.SKIPPED);
      return Future.succeededFuture(new Miss(started));
    }
    Response stored = replies.get(0);
    ResponseEntry entry = stored == null ? null : ResponseEntry.parse(stored.toBuffer());
    String mark = state.get(3) == null ? null : state.get(3).toString();
    if (entry == null || !entry.incarnation().equals(clock.incarnationText()) || entry.sequence() < longOf(state.get(2))) {
      return miss(key, resource, clock, mark, started, stored != null);
    }
    if (entry.sequence() > clock.sequence()) {
      guard.entryAhead(key, entry.sequence(), clock);
      count(resource, CacheStats.Result.SKIPPED);
      return Future.succeededFuture(new Miss(started));
    }
    // a stamp is never above the clock: an entry as new as the clock, or whose tags were found clear at this same
    // clock, is valid without them
    TagMemo.Remembered tags = remembered != null && entry.tagText().equals(remembered.text())
        ? remembered : guard.memo.put(key, entry.tags());
    Future<Boolean> valid;
    if (clock.sequence() == entry.sequence() || tags.clearAt(clock, mark, entry.sequence())) {
      valid = Future.succeededFuture(true);
    } else if (tags == sent) {
      valid = Future.succeededFuture(unstamped(state, FIRST_STAMP, entry.sequence()));
    } else {
      valid = stampsOf(tags, clock, entry.sequence());
    }
    return valid.<Lookup>map(ok -> {
      if (!ok) {
        return missNow(key, resource, clock, mark, started, true);
      }
      guard.memo.clear(key, tags, clock, mark, entry.sequence());
      count(resource, CacheStats.Result.HIT);
      LOG.debug("cache hit {}", key);
      ResponseEntry kept = near != null && !guard.fenced() ? near.put(key, entry, started, resourceTtl) : null;
      return new Hit(kept != null ? kept : inflateMemo.inflated(entry), Answer.Source.REDIS);
    }).otherwise(t -> new Miss(started));
  }

  private Future<Lookup> miss(String key, String resource, Clock clock, String mark, long started,
                              boolean unusable) {
    return Future.succeededFuture(missNow(key, resource, clock, mark, started, unusable));
  }

  /** A miss; an entry found unusable (invalidated, of another incarnation) is unlinked on the way. */
  private Miss missNow(String key, String resource, Clock clock, String mark, long started, boolean unusable) {
    count(resource, CacheStats.Result.MISS);
    LOG.debug("cache miss {}", key);
    if (unusable) {
      unlink(key);
    }
    return new Miss(clock, mark, started);
  }

  /** Drops a key found unreadable; at worst a fresher fill is lost: a miss. */
  void unlink(String key) {
    client.send(Request.cmd(Command.UNLINK).arg(client.key(key)));
  }

  /**
   * Whether none of the {@code remembered} tags is stamped above {@code sequence}, read in a second round trip (an
   * entry filled under other tags, or a clock that moved since the first): with the incarnation and the floor again,
   * so that a new incarnation or a prune between the two round trips (which drop stamps) is a miss, not a hit.
   */
  private Future<Boolean> stampsOf(TagMemo.Remembered remembered, Clock clock, long sequence) {
    if (remembered.fields().isEmpty()) {
      return Future.succeededFuture(true);
    }
    return client.read(withStamps(Request.cmd(Command.HMGET).arg(client.stateKey).arg("i").arg("f"), remembered))
        .map(state -> state != null && state.get(0) != null && state.get(0).toString().equals(clock.incarnationText())
            && sequence >= longOf(state.get(1)) && unstamped(state, 2, sequence));
  }

  /** True when none of the stamps from {@code from} on is above the entry's sequence. */
  private static boolean unstamped(Response stamps, int from, long sequence) {
    if (stamps == null) {
      return true;
    }
    for (int i = from; i < stamps.size(); i++) {
      Response s = stamps.get(i);
      if (s != null && s.toLong() > sequence) {
        return false;
      }
    }
    return true;
  }

  private static Clock clockOf(Response state) {
    if (state == null || state.get(0) == null || state.get(1) == null) {
      return null;
    }
    return Clock.parse(state.get(0).toString() + ":" + state.get(1).toString());
  }

  private static long longOf(Response r) {
    return r == null ? 0 : r.toLong();
  }

  /**
   * Stores a freshly computed answer under the miss's ticket. Refused by Redis when any of its tags was
   * invalidated after the lookup (a write committed meanwhile); skipped when the load took longer than
   * {@code cache.maxFillAgeMs}. Never fails: answers what became of the fill.
   */
  Future<Answer.Fill> fill(String key, long ttlSeconds, Miss miss, CachedRead.Loaded loaded) {
    String tier = guard.tier.id();
    if (!miss.fillable()) {
      return Future.succeededFuture(Answer.Fill.UNAVAILABLE);
    }
    if (guard.stamps.now() - miss.startedNanos() > config.maxFillAgeMs() * 1_000_000L) {
      return Future.succeededFuture(Answer.Fill.SLOW_LOAD);
    }
    Clock ticket = ticketOf(miss.ticket(), loaded.basis());
    if (ticket == null) { // built from a part of another incarnation: nothing says it is new enough
      stats.fill(tier, "refused_stale");
      return Future.succeededFuture(Answer.Fill.REFUSED_STALE);
    }
    if (loaded.basis() != null && !config.storeRebuiltOnFirstAsk() && !guard.asked.askedBefore(key)) {
      stats.fill(tier, "first_ask");
      return Future.succeededFuture(Answer.Fill.FIRST_ASK);
    }
    byte[] body = loaded.body().getBytes();
    long ttl = loaded.ttlSeconds() > 0 ? Math.min(ttlSeconds, loaded.ttlSeconds()) : ttlSeconds;
    Buffer entry;
    try {
      entry = ResponseEntry.encode(ticket, System.currentTimeMillis() + ttl * 1000,
          loaded.lastModifiedSeconds(), loaded.owners(), loaded.tags(), body, codec);
    } catch (IllegalArgumentException tooManyTags) { // answered all the same, just not cached
      stats.fill(tier, "too_large");
      return Future.succeededFuture(Answer.Fill.TOO_LARGE);
    }
    if (entry.length() > config.maxValueBytes()) {
      stats.fill(tier, "too_large");
      return Future.succeededFuture(Answer.Fill.TOO_LARGE);
    }
    if (!client.available() || guard.fenced()) {
      stats.fill(tier, "unavailable");
      return Future.succeededFuture(Answer.Fill.UNAVAILABLE);
    }
    ResponseEntry parsed = ResponseEntry.parse(entry);
    if (parsed != null && parsed.compressed()) {
      stats.compressed(body.length, entry.length());
    }
    List<String> tags = List.copyOf(loaded.tags());
    List<String> scriptKeys = new ArrayList<>(2 + tags.size());
    scriptKeys.add(key);
    scriptKeys.add(keys.invalidationState());
    long window = guard.tagSets.current();
    tags.forEach(tag -> scriptKeys.add(keys.tagSet(window, tag)));
    List<Object> args = new ArrayList<>(6 + tags.size());
    args.add(ticket.incarnationText());
    args.add(ticket.sequence());
    args.add(ttl);
    args.add(entry);
    args.add(miss.ticket().sequence()); // the history the lookup read: its sequence and that sequence's mark
    args.add(miss.mark() == null ? "" : miss.mark());
    args.addAll(tags);
    long t0 = System.nanoTime();
    return client.eval(Scripts.FILL_SCRIPT, client.keys(scriptKeys), args).transform(ar -> {
      stats.latency(tier, "fill", System.nanoTime() - t0);
      if (ar.failed()) {
        stats.fill(tier, "error");
        return Future.succeededFuture(Answer.Fill.ERROR);
      }
      boolean stored = ar.result().toLong() == 1L;
      stats.fill(tier, stored ? "stored" : "refused_stale");
      if (stored) {
        guard.memo.put(key, tags);
      }
      return Future.succeededFuture(stored ? Answer.Fill.STORED : Answer.Fill.REFUSED_STALE);
    });
  }

  /**
   * The clock a fill is stamped at: the miss's, or — for an answer built from cached parts — the older of it and
   * the parts' basis (a part may be a near-cache copy that an invalidation stamped, after this miss's lookup, but
   * had not evicted yet: stamped at the part's clock, the fill is refused). Null when the basis is of another
   * incarnation than the miss.
   */
  static Clock ticketOf(Clock miss, Answer.Basis basis) {
    if (basis == null) {
      return miss;
    }
    if (!basis.incarnation().equals(miss.incarnationText())) {
      return null;
    }
    return basis.sequence() < miss.sequence() ? new Clock(miss.incarnation(), basis.sequence()) : miss;
  }

  private void count(String resource, CacheStats.Result result) {
    if (resource != null) {
      stats.request(guard.tier.id(), resource, result);
    }
  }
}
