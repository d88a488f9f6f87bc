package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.List;

/**
 * The tags each key of one tier was last filled under, as this process last saw them: what its next lookup asks
 * Redis for the invalidation stamps of, in the same round trip as the entry. When the entry turns out to carry
 * other tags (another process refilled it with other rows), the lookup asks again for those — a second round
 * trip, then remembered. Bounded by weight; forgetting a key costs one second round trip, never correctness.
 */
final class TagMemo {
  private final Cache<String, List<String>> tags;

  TagMemo(long maxBytes) {
    this.tags = Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((String key, List<String> t) -> 2 * key.length() + t.stream().mapToInt(s -> 2 * s.length() + 16).sum())
        .executor(Runnable::run).build();
  }

  List<String> get(String key) {
    return tags.getIfPresent(key);
  }

  void put(String key, List<String> filledUnder) {
    tags.put(key, List.copyOf(filledUnder));
  }
}
