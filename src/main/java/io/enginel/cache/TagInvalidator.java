package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Carries out invalidations, on one event loop. The Redis side first: one script advances the tier's clock and
 * stamps the tags ({@link Scripts#INVALIDATE}), then the keys filled under them are deleted (their tag sets popped
 * in batches, what they name unlinked) — only the keys concerned, never the keyspace. Then what every process
 * keeps in memory about them goes, on every Enginel node, each confirming ({@link NearEvictions}); only then is
 * the invalidation answered.
 *
 * <p>The deletion is an optimisation: an entry whose deletion fails is refused by every lookup anyway, since it
 * carries its tags and sequence. The stamps are what makes an invalidation take effect, so when Redis cannot take
 * them — away, or slower than one command timeout — the invalidation is kept, the tier fenced (nothing served or
 * filled from it) until it has been carried out, and every member keeps it too.
 */
final class TagInvalidator {
  private static final Logger LOG = LoggerFactory.getLogger(TagInvalidator.class);
  private static final int SPOP_BATCH = 512;

  private final EnginelConfig config;
  private final Map<Tier, TierClient> clients;
  private final Map<Tier, TierGuard> guards;
  private final CacheStats stats;
  private final CacheKeys keys;
  private final ClusterFanOut cluster;
  private final Supplier<Future<Void>> outwaitUnconfirmed;

  TagInvalidator(EnginelConfig config, Map<Tier, TierClient> clients, Map<Tier, TierGuard> guards, CacheStats stats,
                 CacheKeys keys, ClusterFanOut cluster, Supplier<Future<Void>> outwaitUnconfirmed) {
    this.config = config;
    this.clients = clients;
    this.guards = guards;
    this.stats = stats;
    this.keys = keys;
    this.cluster = cluster;
    this.outwaitUnconfirmed = outwaitUnconfirmed;
  }

  /**
   * Invalidates tags of a tier (or all of it, a new incarnation): Redis side, then every member's memory.
   * Answers {@code {"deleted", "tags", "clock", "tier"}}, or {@code {"deferred": true}} when kept for later.
   */
  Future<JsonObject> invalidate(Tier tier, List<String> tags, boolean newIncarnation) {
    if (tags.isEmpty() && !newIncarnation) {
      return Future.succeededFuture(new JsonObject().put("deleted", 0));
    }
    return inRedis(tier, tags, newIncarnation).compose(done -> {
      // a Redis found to have gone back in time: every member keeps a new incarnation, not just these tags
      JsonObject what = NearEvictions.of(tier, tags, newIncarnation || done.getBoolean("everything", false));
      if (done.getBoolean("deferred", false)) {
        what.put("pending", true);
      } else {
        what.put("clock", done.getString("clock"));
      }
      return NearEvictions.everywhere(cluster, guards, what, outwaitUnconfirmed).map(done);
    });
  }

  /** A new incarnation of each tier: every answer cached before becomes invalid at once. */
  Future<JsonObject> invalidateAll(List<Tier> tiers) {
    List<Future<JsonObject>> all = new ArrayList<>();
    tiers.forEach(t -> all.add(invalidate(t, List.of(), true)));
    return Future.all(all).map(cf -> {
      JsonArray results = new JsonArray();
      all.forEach(f -> results.add(f.result()));
      return new JsonObject().put("tiers", results);
    });
  }

  /** Another member's invalidation that it could not carry out in Redis: kept here as well (the tier fenced). */
  void keepIfPending(JsonObject what) {
    if (what.getBoolean("pending", false)) {
      keep(guards.get(Tier.parse(what.getString("tier"))).pending, NearEvictions.strings(what.getJsonArray("tags")),
          what.getBoolean("all", false));
    }
  }

  /**
   * The Redis side: carried out now, or kept (and the tier fenced) while Redis is away — or when it takes longer
   * than one command timeout, so that an invalidation always answers in bounded time.
   */
  private Future<JsonObject> inRedis(Tier tier, List<String> tags, boolean newIncarnation) {
    TierClient t = clients.get(tier);
    PendingInvalidations p = guards.get(tier).pending;
    JsonObject deferred = new JsonObject().put("deferred", true).put("tier", tier.id());
    if (!t.available() || p.any()) {
      keep(p, tags, newIncarnation);
      return Future.succeededFuture(deferred);
    }
    return apply(t, new LinkedHashSet<>(tags), newIncarnation)
        .timeout(config.redis().commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .recover(err -> {
          boolean everything = newIncarnation || err instanceof WentBack;
          keep(p, tags, everything);
          LOG.warn("invalidation on tier {} deferred until Redis answers: {}", tier.id(), err.getMessage());
          return Future.succeededFuture(deferred.put("everything", everything));
        });
  }

  private static void keep(PendingInvalidations p, List<String> tags, boolean newIncarnation) {
    if (newIncarnation) {
      p.addEverything();
    } else {
      p.add(tags);
    }
  }

  private Future<JsonObject> apply(TierClient t, Set<String> tags, boolean newIncarnation) {
    TierGuard guard = guards.get(t.tier);
    List<Object> args = new ArrayList<>(tags.size() + 2);
    args.add(guard.clocks.freshIncarnation(System.currentTimeMillis(), ThreadLocalRandom.current().nextInt()));
    args.add(newIncarnation ? "1" : "0");
    args.addAll(tags);
    long start = System.nanoTime();
    Clock highestWhenSent = guard.clocks.highest();
    return t.evalEvenWhenFull(Scripts.INVALIDATE_SCRIPT, List.of(t.stateKey), args).compose(reply -> {
      Clock clock = Clock.parse(reply.toString());
      if (!newIncarnation && !guard.advanced(clock, highestWhenSent)) {
        return Future.failedFuture(new WentBack(t.tier));
      }
      guard.observed(clock);
      return drainTagSets(t, tagSetsOf(t, tags), 0).map(deleted -> {
        stats.latency(t.tier.id(), "invalidate", System.nanoTime() - start);
        return new JsonObject().put("deleted", deleted).put("tags", tags.size()).put("clock", String.valueOf(clock))
            .put("tier", t.tier.id());
      });
    });
  }

  /** The sets of the tags that may name an entry still alive: each tag's, in each live window. */
  private List<String> tagSetsOf(TierClient t, Set<String> tags) {
    long[] windows = guards.get(t.tier).tagSets.live();
    List<String> sets = new ArrayList<>(tags.size() * windows.length);
    for (String tag : tags) {
      for (long window : windows) {
        sets.add(t.key(keys.tagSet(window, tag)));
      }
    }
    return sets;
  }

  /**
   * Pops each tag set in batches and unlinks what it named, until every set is empty. A pop or an unlink that
   * fails leaves keys nobody will delete: harmless (each is refused by its own stamps), they expire.
   */
  private Future<Long> drainTagSets(TierClient t, List<String> sets, long deletedSoFar) {
    if (sets.isEmpty()) {
      return Future.succeededFuture(deletedSoFar);
    }
    List<Request> pops = new ArrayList<>(sets.size());
    sets.forEach(set -> pops.add(Request.cmd(Command.SPOP).arg(set).arg(SPOP_BATCH)));
    return t.batch(pops).compose(replies -> {
      List<String> members = new ArrayList<>();
      List<String> again = new ArrayList<>();
      for (int i = 0; i < replies.size(); i++) {
        Response r = replies.get(i);
        if (r != null) {
          r.forEach(member -> members.add(member.toString()));
          if (r.size() == SPOP_BATCH) {
            again.add(sets.get(i));
          }
        }
      }
      if (members.isEmpty()) {
        return drainTagSets(t, again, deletedSoFar);
      }
      Request unlink = Request.cmd(Command.UNLINK); // the members are stored keys (tagged in cluster mode) already
      members.forEach(unlink::arg);
      return t.send(unlink).compose(n -> drainTagSets(t, again, deletedSoFar + n.toLong()));
    }).otherwise(deletedSoFar);
  }

  /** Carries out kept invalidations as soon as a fenced tier's Redis answers (one instance of the process at a time). */
  Future<Void> drainKept() {
    List<Future<?>> work = new ArrayList<>();
    guards.forEach((tier, guard) -> {
      PendingInvalidations p = guard.pending;
      TierClient t = clients.get(tier);
      if (!p.any() || !t.available()) {
        return;
      }
      Set<String> deletions = p.snapshotKeys();
      Set<String> tags = p.snapshot();
      boolean everything = p.everythingPending();
      Future<Void> keysGone = deletions.isEmpty() ? Future.succeededFuture()
          : t.send(unlinkOf(t.keys(deletions))).onSuccess(r -> p.keysDone(deletions)).mapEmpty();
      work.add(keysGone.compose(v -> tags.isEmpty() && !everything ? Future.succeededFuture() : apply(t, tags, everything)
          .onSuccess(r -> {
            p.done(tags, everything);
            // a copy read from Redis before this (by a member that had not kept the invalidation) goes too
            NearEvictions.evictHere(guards, NearEvictions.of(tier, tags, everything).put("clock", r.getString("clock")));
          })).onSuccess(r -> LOG.info("carried out kept invalidations on tier {}: {} key(s), {} tag(s)", tier.id(),
          deletions.size(), everything ? "all" : tags.size())));
    });
    return Future.join(work).mapEmpty();
  }

  /** An invalidation answered by a Redis that went back in time; the tier is fenced until a new incarnation. */
  static final class WentBack extends RuntimeException {
    WentBack(Tier tier) {
      super("redis tier " + tier.id() + " went back in time", null, false, false);
    }
  }

  static Request unlinkOf(List<String> storedKeys) {
    Request r = Request.cmd(Command.UNLINK);
    storedKeys.forEach(r::arg);
    return r;
  }
}
