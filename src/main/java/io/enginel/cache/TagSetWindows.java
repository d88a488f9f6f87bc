package io.enginel.cache;

import java.time.Clock;

/**
 * Which of a tag's sets a fill adds its key to, and which an invalidation drains. A tag's set is cut by the wall
 * clock into windows as long as the tier's TTL, or a twelfth of the longest TTL when that is longer (so that an
 * invalidation drains at most 14 sets a tag): {@code <prefix>:_tag:<window>:<tag>}, the window being epoch
 * milliseconds divided by that length. A set only names keys filled within its window, stops growing when the
 * window ends, and expires with the last entry it names ({@link Scripts#FILL} only ever extends its TTL to the
 * entry's). One set per tag for all time, refreshed to the longest TTL on every fill, grew without bound under reads
 * that do not repeat (every search a new key, none invalidated): 3.1 million members, nearly all of expired entries,
 * after 80 s of never-repeating searches with every TTL at 20 s; every one popped and unlinked by the next write in that
 * organization before it could answer.
 *
 * <p>An entry lives at most the longest TTL configured ({@link ResponseStore#longestTtl}), so when an invalidation
 * runs, only the sets of the windows that began within that time, and of the next window (a node whose clock runs
 * ahead), can name an entry still alive. Nodes whose clocks differ by more than a window only leave an entry
 * undeleted: it is refused by its stamps all the same and expires (the sets are an optimisation,
 * docs/invalidation.md).
 */
final class TagSetWindows {
  /** The most windows an entry of the longest TTL spans. */
  private static final int MOST_WINDOWS_BACK = 12;
  private final long windowMillis;
  private final long longestMillis;
  private final Clock clock;

  /**
   * @param windowSeconds  the tier's TTL
   * @param longestSeconds the longest an entry of the tier can live
   * @param clock          the wall clock (tests move their own)
   */
  TagSetWindows(long windowSeconds, long longestSeconds, Clock clock) {
    if (windowSeconds < 1 || longestSeconds < 1) {
      throw new IllegalArgumentException("windows of " + windowSeconds + " s for entries of up to " + longestSeconds + " s");
    }
    this.windowMillis = Math.max(windowSeconds, (longestSeconds + MOST_WINDOWS_BACK - 1) / MOST_WINDOWS_BACK) * 1000;
    this.longestMillis = longestSeconds * 1000;
    this.clock = clock;
  }

  /** The window a fill made now belongs to. */
  long current() {
    return Math.floorDiv(clock.millis(), windowMillis);
  }

  /**
   * The windows whose sets may name an entry still alive now, oldest first: every window in which an entry filled
   * the longest TTL ago (or later) may have been filled, and the next one.
   */
  long[] live() {
    long now = clock.millis();
    long first = Math.floorDiv(now - longestMillis, windowMillis);
    long last = Math.floorDiv(now, windowMillis) + 1;
    long[] windows = new long[(int) (last - first + 1)];
    for (int i = 0; i < windows.length; i++) {
      windows[i] = first + i;
    }
    return windows;
  }
}
