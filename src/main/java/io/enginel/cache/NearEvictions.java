package io.enginel.cache;

import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What every process keeps in memory about an invalidation, on every member, this one first: the tier's
 * eviction stamps (which fence near-cache puts, joins of loads in flight and the consistency observer), its near
 * copies, and the highest clock seen. The cache verticle calls it after the Redis side of an invalidation, never
 * before: a member that looked up Redis before the Redis side was done is fenced by the stamp, and one that looks
 * up after it finds the new state in Redis. Completes once every member has confirmed ({@link ClusterFanOut}).
 *
 * <p>Messages: {@code {"tier", "tags": [...]}}, {@code {"tier", "keys": [...]}}, {@code {"tier", "pattern"}} or
 * {@code {"tier", "all": true}}, with the invalidation's {@code "clock"} when it reached Redis, or
 * {@code "pending": true} when the sender could not carry it out there (every member then keeps it too).
 */
final class NearEvictions {
  private NearEvictions() {}

  static JsonObject tags(Tier tier, Collection<String> tags) {
    return new JsonObject().put("tier", tier.id()).put("tags", new JsonArray(new ArrayList<>(tags)));
  }

  static JsonObject keys(Tier tier, List<String> keys) {
    return new JsonObject().put("tier", tier.id()).put("keys", new JsonArray(List.copyOf(keys)));
  }

  static JsonObject pattern(Tier tier, String pattern) {
    return new JsonObject().put("tier", tier.id()).put("pattern", pattern);
  }

  static JsonObject all(Tier tier) {
    return new JsonObject().put("tier", tier.id()).put("all", true);
  }

  /** An invalidation's eviction: its tags, or everything for a new incarnation. */
  static JsonObject of(Tier tier, Collection<String> tags, boolean everything) {
    return everything ? all(tier) : tags(tier, tags);
  }

  /**
   * Evicts here, then on every other member; never fails. When a member still in the cluster did not confirm,
   * {@code whenUnconfirmed} runs before this completes (the memory epoch changes, see {@link MemoryLease}).
   */
  static Future<Void> everywhere(ClusterFanOut cluster, Map<Tier, TierGuard> guards, JsonObject what,
                                 Supplier<Future<Void>> whenUnconfirmed) {
    evictHere(guards, what);
    return cluster.askOthers(CacheApi.NEAR_EVICT, what, "an invalidation", whenUnconfirmed);
  }

  /** Stamps the invalidation, drops the near copies it names, and notes its clock; under the stamps' lock. */
  static void evictHere(Map<Tier, TierGuard> guards, JsonObject what) {
    TierGuard guard = guards.get(Tier.parse(what.getString("tier")));
    EvictionStamps stamps = guard.stamps;
    NearCache near = guard.near;
    synchronized (stamps) {
      if (what.getBoolean("all", false)) {
        stamps.everything();
        if (near != null) {
          near.clear();
        }
      } else if (what.containsKey("pattern")) {
        stamps.everything(); // a pattern names keys nobody can list: every read in flight is fenced
        if (near != null) {
          near.evictMatching(glob(what.getString("pattern")));
        }
      } else if (what.containsKey("keys")) {
        List<String> keys = strings(what.getJsonArray("keys"));
        stamps.keys(keys);
        if (near != null) {
          near.evictKeys(keys);
        }
      } else {
        List<String> tags = strings(what.getJsonArray("tags"));
        stamps.tags(tags);
        if (near != null) {
          near.evictTags(tags);
        }
      }
    }
    guard.observed(Clock.parse(what.getString("clock")));
  }

  static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }

  /**
   * A Redis glob ({@code *}, {@code ?}, {@code [...]}, {@code \} escapes) as a predicate on keys; one this cannot
   * translate (a reversed range, an empty set) matches every key: dropping too much is safe, too little is not.
   */
  static Predicate<String> glob(String pattern) {
    try {
      return translate(pattern);
    } catch (PatternSyntaxException e) {
      return key -> true;
    }
  }

  private static Predicate<String> translate(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        case '\\' -> {
          if (i + 1 < pattern.length()) {
            re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
          }
        }
        case '[' -> {
          int end = pattern.indexOf(']', i + 1);
          if (end < 0) {
            re.append("\\[");
          } else {
            String set = pattern.substring(i + 1, end);
            boolean negated = set.startsWith("^");
            StringBuilder cls = new StringBuilder(negated ? "[^" : "[");
            for (char s : (negated ? set.substring(1) : set).toCharArray()) {
              cls.append(s == '-' ? "-" : Character.isLetterOrDigit(s) ? String.valueOf(s) : "\\" + s);
            }
            re.append(cls).append(']');
            i = end;
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    Pattern p = Pattern.compile(re.toString(), Pattern.DOTALL);
    return key -> p.matcher(key).matches();
  }
}
