package io.enginel.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The tags each key of one tier was last filled under, as this process last saw them: what its next lookup asks
 * Redis for the invalidation stamps of, in the same round trip as the entry. When the entry turns out to carry
 * other tags (another process refilled it with other rows), the lookup asks again for those — a second round
 * trip, then remembered. Bounded by weight; forgetting a key costs one second round trip, never correctness.
 */
final class TagMemo {
  /**
   * Tags as a lookup uses them: {@code text} as an entry stores them (comma-separated, compared whole with the
   * entry's), {@code fields} the invalidation state's field of each ({@code t:<tag>}), encoded once; and, when a
   * lookup found them unstamped above an entry's sequence, the tier's clock and its mark it read then
   * ({@code clearAt}, {@code clearMark}; null before) and that entry's sequence.
   */
  record Remembered(String text, List<byte[]> fields, Clock clearAt, String clearMark, long clearSequence) {
    /**
     * True when an entry of {@code sequence} under these tags needs no stamps read at {@code clock} marked
     * {@code mark}: they were found clear of it at this very clock, and the clock counts every invalidation, so none
     * has run since — the mark tells this clock from the same number reached again after Redis went back in time.
     */
    boolean clearAt(Clock clock, String mark, long sequence) {
      return clock.equals(clearAt) && mark != null && mark.equals(clearMark) && sequence == clearSequence;
    }

    /** True when the last clear check was at {@code clock}: a lookup may ask for the clock alone. */
    boolean clearAt(Clock clock) {
      return clock != null && clock.equals(clearAt);
    }
  }

  private final Cache<String, Remembered> tags;

  TagMemo(long maxBytes) {
    this.tags = Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((String key, Remembered r) -> 2 * key.length() + 3 * r.text().length() + 24 * r.fields().size())
        .executor(Runnable::run).build();
  }

  Remembered get(String key) {
    return tags.getIfPresent(key);
  }

  /** Remembers the tags {@code key} was filled under; answers them as a lookup uses them. */
  Remembered put(String key, List<String> filledUnder) {
    byte[][] fields = new byte[filledUnder.size()][];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = ("t:" + filledUnder.get(i)).getBytes(StandardCharsets.UTF_8);
    }
    Remembered remembered = new Remembered(String.join(",", filledUnder), List.of(fields), null, null, 0);
    tags.put(key, remembered);
    return remembered;
  }

  /**
   * Remembers that {@code key}'s entry of {@code sequence}, under {@code remembered}'s tags, was valid at
   * {@code clock} marked {@code mark} (null: a state without a mark, never taken for clear).
   */
  void clear(String key, Remembered remembered, Clock clock, String mark, long sequence) {
    if (mark != null && !remembered.clearAt(clock, mark, sequence)) {
      tags.put(key, new Remembered(remembered.text(), remembered.fields(), clock, mark, sequence));
    }
  }
}
