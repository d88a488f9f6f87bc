package io.enginel.domain;

import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.UUID;

/**
 * The matches of one search in one organization, as a cache keeps them: for each matching row its order key (the
 * {@link Resource.MatchOrder} timestamp, in epoch microseconds) and its UUID, in the list's order — by key, ascending
 * or descending, ties by id ascending (PostgreSQL's {@code uuid} order: unsigned, most significant half first).
 *
 * <p>Stored as bytes and read where they lie, never decoded whole: a version byte, a flag byte (1 when the
 * organization had more matches than {@link #MAX_MATCHES}, and only the first of them are kept: such a set is not used),
 * the number of matches, then 24 bytes per match (key, id's two halves; big-endian). A range of keys is found by
 * binary search, and a page is merged from several organizations' sets ({@link #page}), so that a search costs the
 * same whatever its number of matches.
 */
public final class MatchSet {
  /** Matches kept per organization and search at most (24 bytes each: 480 KB); a larger set is read from SQL. */
  public static final int MAX_MATCHES = 20_000;
  /** The format's version: written first, and part of the sets' keys, so that a new format never reads an old set. */
  public static final byte VERSION = 1;
  private static final int HEADER = 6;
  private static final int ENTRY = 24;

  private final Buffer bytes;
  private final int size;

  private MatchSet(Buffer bytes, int size) {
    this.bytes = bytes;
    this.size = size;
  }

  /** Reads a stored set; bytes that are not one are an {@link IllegalArgumentException}. */
  public static MatchSet of(Buffer bytes) {
    if (bytes.length() < HEADER || bytes.getByte(0) != VERSION) {
      throw new IllegalArgumentException("not a match set");
    }
    int size = bytes.getInt(2);
    if (size < 0 || bytes.length() != HEADER + (long) size * ENTRY) {
      throw new IllegalArgumentException("a match set of the wrong length");
    }
    return new MatchSet(bytes, size);
  }

  /** Writes a set, matches appended in the list's order ({@link Writer#add}). */
  public static Writer writer() {
    return new Writer();
  }

  /** Builds a set's bytes. */
  public static final class Writer {
    private final Buffer bytes = Buffer.buffer(HEADER + 64 * ENTRY).appendByte(VERSION).appendByte((byte) 0)
        .appendInt(0);
    private int size;
    private boolean truncated;

    private Writer() {}

    /** Marks the set as one that cannot count its matches (a key that is not a finite instant). */
    public Writer incomplete() {
      truncated = true;
      return this;
    }

    /** Appends a match; beyond {@link #MAX_MATCHES} the set is only marked as truncated. */
    public Writer add(long key, UUID id) {
      if (size == MAX_MATCHES) {
        truncated = true;
        return this;
      }
      bytes.appendLong(key).appendLong(id.getMostSignificantBits()).appendLong(id.getLeastSignificantBits());
      size++;
      return this;
    }

    public Buffer bytes() {
      return bytes.setByte(1, (byte) (truncated ? 1 : 0)).setInt(2, size);
    }
  }

  /** False when the organization had more matches than were kept: the set cannot count them. */
  public boolean complete() {
    return bytes.getByte(1) == 0;
  }

  public int size() {
    return size;
  }

  public long key(int i) {
    return bytes.getLong(HEADER + i * ENTRY);
  }

  public UUID id(int i) {
    int at = HEADER + i * ENTRY + 8;
    return new UUID(bytes.getLong(at), bytes.getLong(at + 8));
  }

  /**
   * The first index, in the list's order, whose key is inside {@code [after, before)} seen from the order's start:
   * for a descending set the first key below {@code bound} (an exclusive upper bound) or — {@code inclusive} — at or
   * below it; for an ascending set the first key at or above it (inclusive) or above it.
   */
  private int firstPast(long bound, boolean descending, boolean inclusive) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      long k = key(mid);
      boolean past = descending ? (inclusive ? k <= bound : k < bound) : (inclusive ? k >= bound : k > bound);
      if (past) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * The indexes {@code [from, to)} of the matches whose key is in {@code [after, before)} (either bound
   * {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE} for none): a contiguous run, since the set is ordered by key.
   */
  int[] range(boolean descending, long after, long before) {
    if (after >= before) {
      return new int[] {0, 0};
    }
    int from;
    int to;
    if (descending) {
      from = before == Long.MAX_VALUE ? 0 : firstPast(before, true, false);
      to = after == Long.MIN_VALUE ? size : firstPast(after, true, false);
    } else {
      from = after == Long.MIN_VALUE ? 0 : firstPast(after, false, true);
      to = before == Long.MAX_VALUE ? size : firstPast(before, false, true);
    }
    return new int[] {from, Math.max(from, to)};
  }

  /** One page of merged matches: how many there are in all, and the page's ids with their keys, in order. */
  public record Page(long count, List<UUID> ids, long[] keys) {}

  /**
   * The count and one page of the matches of several organizations' sets (each organization once) whose key is in
   * {@code [after, before)}, in the list's order: the sets' runs merged, {@code offset} matches skipped, at most
   * {@code size} kept.
   */
  public static Page page(List<MatchSet> sets, boolean descending, long after, long before, long offset, int size) {
    return page(sets, descending, after, before, offset, size, Long.MAX_VALUE);
  }

  /**
   * {@link #page}, unless reaching the page would take more than {@code maxSteps} comparisons (each match before
   * it is compared with each set's next): then null, and the caller reads the page another way. A page past the
   * end costs no merge.
   */
  public static Page page(List<MatchSet> sets, boolean descending, long after, long before, long offset, int size,
                          long maxSteps) {
    int n = sets.size();
    int[] at = new int[n];
    int[] end = new int[n];
    long count = 0;
    for (int i = 0; i < n; i++) {
      int[] r = sets.get(i).range(descending, after, before);
      at[i] = r[0];
      end[i] = r[1];
      count += r[1] - r[0];
    }
    if (offset >= count) {
      return new Page(count, List.of(), new long[0]);
    }
    long want = Math.min(count, offset + size);
    if (want > maxSteps / Math.max(1, n)) {
      return null;
    }
    List<UUID> ids = new java.util.ArrayList<>(size);
    long[] keys = new long[(int) Math.max(0, Math.min(size, count - offset))];
    for (long taken = 0; taken < want; taken++) {
      int best = -1;
      for (int i = 0; i < n; i++) {
        if (at[i] < end[i] && (best < 0 || precedes(sets.get(i), at[i], sets.get(best), at[best], descending))) {
          best = i;
        }
      }
      if (taken >= offset) {
        MatchSet s = sets.get(best);
        keys[ids.size()] = s.key(at[best]);
        ids.add(s.id(at[best]));
      }
      at[best]++;
    }
    return new Page(count, List.copyOf(ids), keys);
  }

  /** Whether match {@code i} of {@code a} comes before match {@code j} of {@code b} in the list's order. */
  private static boolean precedes(MatchSet a, int i, MatchSet b, int j, boolean descending) {
    long ka = a.key(i);
    long kb = b.key(j);
    if (ka != kb) {
      return descending ? ka > kb : ka < kb;
    }
    int ai = HEADER + i * ENTRY + 8;
    int bj = HEADER + j * ENTRY + 8;
    int c = Long.compareUnsigned(a.bytes.getLong(ai), b.bytes.getLong(bj));
    return c != 0 ? c < 0 : Long.compareUnsigned(a.bytes.getLong(ai + 8), b.bytes.getLong(bj + 8)) < 0;
  }
}
