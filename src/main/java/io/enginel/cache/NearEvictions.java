package io.enginel.cache;

import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Drops copies from the near caches of every cluster member, this one first, and completes once every member
 * has confirmed ({@link ClusterFanOut}). The cache verticle calls it after the Redis side of an invalidation,
 * never before: a member that looked up Redis before the Redis side was done is fenced by the eviction's stamp,
 * and one that looks up after it finds the new state in Redis.
 */
final class NearEvictions {
  private NearEvictions() {}

  static JsonObject tags(Tier tier, List<String> tags) {
    return new JsonObject().put("tier", tier.id()).put("tags", new JsonArray(List.copyOf(tags)));
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
  static JsonObject of(Tier tier, java.util.Collection<String> tags, boolean everything) {
    return everything ? all(tier) : tags(tier, List.copyOf(tags));
  }

  /**
   * Evicts here, then on every other member; never fails. When a member still in the cluster did not confirm,
   * {@code whenUnconfirmed} runs before this completes (the memory epoch advances, see {@link MemoryLease}).
   * Other members are asked even when this one keeps no near cache (it may be switched off here and on there); the sessions tier has none anywhere.
   */
  static Future<Void> everywhere(ClusterFanOut cluster, Map<Tier, NearCache> near, JsonObject what,
                                 java.util.function.Supplier<Future<Void>> whenUnconfirmed) {
    if (Tier.parse(what.getString("tier")) == Tier.SESSIONS) {
      return Future.succeededFuture();
    }
    evictHere(near, what);
    return cluster.askOthers(CacheApi.NEAR_EVICT, what, "a near-cache eviction", whenUnconfirmed);
  }

  static void evictHere(Map<Tier, NearCache> near, JsonObject what) {
    NearCache n = near.get(Tier.parse(what.getString("tier")));
    if (n == null) {
      return;
    }
    if (what.getBoolean("all", false)) {
      n.clear();
    } else if (what.containsKey("pattern")) {
      n.evictMatching(glob(what.getString("pattern")));
    } else if (what.containsKey("keys")) {
      n.evictKeys(CacheVerticle.strings(what.getJsonArray("keys")));
    } else {
      n.evictTags(CacheVerticle.strings(what.getJsonArray("tags")));
    }
  }

  /**
   * A Redis glob ({@code *}, {@code ?}, {@code [...]}, {@code \} escapes) as a predicate on keys; one this cannot
   * translate (a reversed range, an empty set) matches every key: dropping too much is safe, too little is not.
   */
  static Predicate<String> glob(String pattern) {
    try {
      return translate(pattern);
    } catch (java.util.regex.PatternSyntaxException e) {
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
