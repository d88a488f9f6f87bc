package io.enginel.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * This server's own cache counters, per tier and resource: hits, misses, errors (Redis failed or was
 * skipped because its circuit is open) and skipped fills (value over the size limit, tier fenced);
 * values compressed and bytes saved; fills stored and refused as stale; invalidations by source.
 * Exported to Micrometer and shown by {@code GET /api/cache/stats}.
 */
public final class CacheStats {
  public enum Result { HIT, MISS, ERROR, SKIPPED }

  private final MeterRegistry registry;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  /** Per tier and resource, the counts of {@link #request} by result: the hit path's counters, found without allocating. */
  private final Map<String, Map<String, LongAdder[]>> requests = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> nearHits = new ConcurrentHashMap<>();
  private final Map<String, LongAdder[]> lookupConnections = new ConcurrentHashMap<>();

  public CacheStats(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void request(String tier, String resource, Result result) {
    Map<String, LongAdder[]> byResource = requests.get(tier);
    if (byResource == null) {
      byResource = requests.computeIfAbsent(tier, t -> new ConcurrentHashMap<>());
    }
    LongAdder[] byResult = byResource.get(resource);
    if (byResult == null) {
      byResult = byResource.computeIfAbsent(resource, r -> requestCounts(tier, r));
    }
    byResult[result.ordinal()].increment();
  }

  /**
   * The counts of one tier and resource, one per result, each also a Micrometer counter (registered once here, so that a
   * lookup afterwards allocates nothing).
   */
  private LongAdder[] requestCounts(String tier, String resource) {
    LongAdder[] out = new LongAdder[Result.values().length];
    for (Result result : Result.values()) {
      String name = result.name().toLowerCase(Locale.ROOT);
      LongAdder count = counts.computeIfAbsent("req|" + tier + "|" + resource + "|" + name, k -> new LongAdder());
      FunctionCounter.builder("enginel_cache_requests", count, LongAdder::doubleValue).description("Cache lookups by result")
          .tag("tier", tier).tag("resource", resource).tag("result", name).register(registry);
      out[result.ordinal()] = count;
    }
    return out;
  }

  public void latency(String tier, String operation, long nanos) {
    timers.computeIfAbsent(tier + "|" + operation, k -> Timer.builder("enginel_cache_latency")
            .description("Redis round trips of the cache verticle").tag("tier", tier).tag("operation", operation)
            .serviceLevelObjectives(Duration.ofNanos(250_000), Duration.ofNanos(500_000),
                Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                Duration.ofMillis(20), Duration.ofMillis(100))
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A hit served from the near cache (also counted as a hit of its resource). */
  public void nearHit(String tier) {
    LongAdder count = nearHits.get(tier);
    if (count == null) {
      count = nearHits.computeIfAbsent(tier, t -> {
        LongAdder c = counts.computeIfAbsent("near|" + t, k -> new LongAdder());
        FunctionCounter.builder("enginel_cache_near_hits", c, LongAdder::doubleValue).tag("tier", t).register(registry);
        return c;
      });
    }
    count.increment();
  }

  /**
   * The counts of one tier's hit-path lookups by the connection they went on: {@code [0]} the tier's pipelined lookup
   * connection, {@code [1]} a pooled one (the pipelined one not open or carrying its depth; every lookup in sentinel
   * and cluster mode, which have none). Registered once; the caller keeps them.
   */
  public LongAdder[] lookupConnections(String tier) {
    return lookupConnections.computeIfAbsent(tier, t -> {
      LongAdder[] out = new LongAdder[2];
      String[] names = {"pipelined", "pooled"};
      for (int i = 0; i < 2; i++) {
        out[i] = counts.computeIfAbsent("lookup|" + t + "|" + names[i], k -> new LongAdder());
        FunctionCounter.builder("enginel_cache_lookups", out[i], LongAdder::doubleValue)
            .description("Hit-path lookups of a Redis tier by the connection they went on").tag("tier", t)
            .tag("connection", names[i]).register(registry);
      }
      return out;
    });
  }

  public void fill(String tier, String result) {
    add("fill|" + tier + "|" + result, "enginel_cache_fills", 1);
  }

  public void compressed(long rawBytes, long storedBytes) {
    add("compressed", "enginel_cache_values_compressed", 1);
    add("bytes_saved", "enginel_cache_bytes_saved", Math.max(0, rawBytes - storedBytes));
  }

  public void invalidation(String source, long keysDeleted) {
    add("inv|" + source, "enginel_invalidations", 1);
    add("inv_keys|" + source, "enginel_invalidation_keys_deleted", keysDeleted);
  }

  /**
   * One outcome of the consistency observer for a resource: {@code consistent} or {@code violation} (both checks),
   * {@code inconclusive} (a write came after the serve) or {@code skipped} (over budget, or no verdict).
   */
  public void consistency(String outcome, String resource) {
    switch (outcome) {
      case "consistent" -> add("cons|checks", "enginel_cache_consistency_checks", 1);
      case "violation" -> {
        add("cons|checks", "enginel_cache_consistency_checks", 1);
        add("cons|violations|" + resource, "enginel_cache_consistency_violations", 1);
      }
      case "inconclusive" -> add("cons|inconclusive", "enginel_cache_consistency_inconclusive", 1);
      default -> add("cons|skipped", "enginel_cache_consistency_skipped", 1);
    }
  }

  /** Adds to an in-process count and its Micrometer counter, whose tags are read from the count's key. */
  private void add(String key, String metric, long n) {
    counts.computeIfAbsent(key, k -> new LongAdder()).add(n);
    counters.computeIfAbsent(key, k -> {
      Counter.Builder b = Counter.builder(metric);
      String[] parts = k.split("\\|");
      if (metric.equals("enginel_cache_fills")) {
        b.tag("tier", parts[1]).tag("result", parts[2]);
      } else if (metric.startsWith("enginel_invalidation")) {
        b.tag("source", parts[1]);
      } else if (metric.equals("enginel_cache_consistency_violations")) {
        b.tag("resource", parts[2]);
      }
      return b.register(registry);
    }).increment(n);
  }

  /** {@code {"tiers": {tier: {hits, misses, errors, skipped, hit_rate, resources: {...}}}, "compression": {...}, ...}}. */
  public JsonObject toJson() {
    Map<String, JsonObject> tiers = new TreeMap<>();
    JsonObject fills = new JsonObject();
    JsonObject invalidations = new JsonObject();
    counts.forEach((key, adder) -> {
      String[] p = key.split("\\|");
      long n = adder.sum();
      switch (p[0]) {
        case "req" -> {
          JsonObject tier = tierOf(tiers, p[1]);
          String field = switch (p[3]) {
            case "hit" -> "hits";
            case "miss" -> "misses";
            case "error" -> "errors";
            default -> "skipped";
          };
          tier.put(field, tier.getLong(field) + n);
          JsonObject res = tier.getJsonObject("resources");
          JsonObject r = res.getJsonObject(p[2]);
          if (r == null) {
            r = new JsonObject().put("hits", 0L).put("misses", 0L).put("errors", 0L).put("skipped", 0L);
            res.put(p[2], r);
          }
          r.put(field, r.getLong(field) + n);
        }
        case "near" -> tierOf(tiers, p[1]).put("near_hits", n);
        case "fill" -> fills.put(p[1] + "." + p[2], n);
        case "inv" -> invalidations.put(p[1], n);
        default -> {
        }
      }
    });
    tiers.values().forEach(t -> {
      hitRate(t);
      t.getJsonObject("resources").forEach(e -> hitRate((JsonObject) e.getValue()));
    });
    JsonObject json = new JsonObject();
    tiers.forEach(json::put);
    return new JsonObject().put("tiers", json).put("fills", fills).put("invalidations", invalidations)
        .put("compression", new JsonObject().put("values_compressed", sum("compressed")).put("bytes_saved", sum("bytes_saved")))
        .put("single_flight_joins", sum("singleflight_joins"))
        .put("consistency", consistency());
  }

  /**
   * The observer's counts and the nines they measure: {@code -log10(violations / checks)}; with no violation, the
   * nines the checks can show at least ({@code log10(checks)}, {@code "nines_at_least": true}).
   */
  private JsonObject consistency() {
    long checks = sum("cons|checks");
    JsonObject violations = new JsonObject();
    long violated = 0;
    for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
      if (e.getKey().startsWith("cons|violations|")) {
        long n = e.getValue().sum();
        violations.put(e.getKey().substring("cons|violations|".length()), n);
        violated += n;
      }
    }
    JsonObject out = new JsonObject().put("checks", checks).put("violations", violated)
        .put("violations_by_resource", violations).put("inconclusive", sum("cons|inconclusive"))
        .put("skipped", sum("cons|skipped"));
    if (checks == 0) {
      return out.putNull("consistent_ratio").putNull("nines");
    }
    double ratio = 1.0 - (double) violated / checks;
    double nines = violated == 0 ? Math.log10(checks) : -Math.log10((double) violated / checks);
    return out.put("consistent_ratio", ratio).put("nines", Math.round(nines * 100) / 100.0)
        .put("nines_at_least", violated == 0);
  }

  private static JsonObject tierOf(Map<String, JsonObject> tiers, String name) {
    return tiers.computeIfAbsent(name, t -> new JsonObject().put("hits", 0L).put("misses", 0L).put("errors", 0L)
        .put("skipped", 0L).put("near_hits", 0L).put("resources", new JsonObject()));
  }

  private long sum(String key) {
    LongAdder a = counts.get(key);
    return a == null ? 0 : a.sum();
  }

  private static void hitRate(JsonObject o) {
    long hits = o.getLong("hits");
    long total = hits + o.getLong("misses");
    o.put("hit_rate", total == 0 ? 0.0 : Math.round(hits * 1000.0 / total) / 10.0);
  }
}
