package io.enginel.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The referee of the mixed scenario: remembers every acknowledged write (design, sequence, when its answer
 * arrived) and judges every read, a detail or each row of a list page. A read sent at time t must show, for
 * each design it contains, the value of the last write acknowledged before t, or a later one; anything older
 * is a stale read. Writes to one design never overlap (a design is taken while it is being written), so for
 * one design acknowledgement order is commit order and sequence order.
 *
 * <p>Values are {@code mixed:<run>:<seq>}, {@code <run>} the start time of this JVM in milliseconds, so they
 * are unique across runs: a value this run did not write (the seeded description, the restored original, a
 * value an earlier run left behind) counts as sequence 0, older than any write acknowledged in this run.
 *
 * <p>Timing is conservative: {@code sentAt} is taken just before the request is handed to Gatling (at or
 * before the real send) and an acknowledgement's time when its answer is checked (at or after the real
 * arrival), so a write is only required of a read when its answer certainly arrived before the read left.
 */
final class StaleReads {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** This run's id: its start time (epoch milliseconds). */
  static final String RUN = Long.toString(System.currentTimeMillis());
  private static final String PREFIX = "mixed:" + RUN + ":";
  private static final int EXAMPLES = 10;

  private static final Map<String, List<long[]>> ACKS = new ConcurrentHashMap<>();
  private static final Map<String, Boolean> WRITING = new ConcurrentHashMap<>();
  /** The sequence of the last write begun on each design. */
  private static final Map<String, Long> BEGUN = new ConcurrentHashMap<>();
  private static final AtomicLong SEQUENCE = new AtomicLong();
  static final AtomicLong WRITES = new AtomicLong();
  /** Reads judged against an acknowledged write (a design written before the read was sent). */
  static final AtomicLong CHECKED_LIST_ROWS = new AtomicLong();
  static final AtomicLong CHECKED_DETAILS = new AtomicLong();
  static final AtomicLong STALE_LIST_ROWS = new AtomicLong();
  static final AtomicLong STALE_DETAILS = new AtomicLong();
  /** Every list row and detail read, judged or not (nothing written yet). */
  static final AtomicLong LIST_ROWS = new AtomicLong();
  static final AtomicLong DETAILS = new AtomicLong();
  /** Searches for a written value read, and those judged (no later write of the design begun meanwhile). */
  static final AtomicLong SEARCHES = new AtomicLong();
  static final AtomicLong CHECKED_SEARCHES = new AtomicLong();
  static final AtomicLong STALE_SEARCHES = new AtomicLong();
  /** Answers that could not be judged (not JSON, no results array, a row without an id). */
  static final AtomicLong MALFORMED = new AtomicLong();
  private static final AtomicLong EXAMPLES_SHOWN = new AtomicLong();
  private static volatile boolean closed;

  private StaleReads() {}

  /**
   * Takes a design for writing and returns the write's sequence, or null when it is being written already or
   * the referee is closed.
   */
  static Long begin(String design) {
    if (closed) {
      return null;
    }
    if (WRITING.putIfAbsent(design, Boolean.TRUE) != null) {
      return null;
    }
    long seq = SEQUENCE.incrementAndGet();
    BEGUN.put(design, seq);
    return seq;
  }

  /**
   * What a search read sent now must show about one design: {@code [seq, present]}, the search being for
   * {@code value(seq)}: the design's last acknowledged value (it must be found, if no later write of it has begun
   * by the time the answer is judged), or the one before it (it must not be found: the later value was acknowledged
   * before the read left). Null when the design has no acknowledged write yet.
   */
  static long[] searchFor(String design, boolean present) {
    List<long[]> log = ACKS.get(design);
    if (log == null) {
      return null;
    }
    synchronized (log) {
      if (present) {
        return new long[] {log.get(log.size() - 1)[1], 1};
      }
      return log.size() < 2 ? null : new long[] {log.get(log.size() - 2)[1], 0};
    }
  }

  /**
   * 1 when a search for {@code value(seq)} answered {@code body} wrongly: it had to find {@code design} alone, with
   * a count of 1 (no later write of it begun before this judgement), or nothing, with a count of 0.
   */
  static int staleInSearch(String body, String design, long seq, boolean present) {
    if (closed) {
      return 0;
    }
    try {
      JsonNode results = JSON.readTree(body).get("results");
      if (results == null || !results.isArray()) {
        MALFORMED.incrementAndGet();
        return 1;
      }
      SEARCHES.incrementAndGet();
      if (present && !BEGUN.getOrDefault(design, 0L).equals(seq)) {
        return 0; // a later write began: the value may have left before the search read it
      }
      CHECKED_SEARCHES.incrementAndGet();
      // each value is written once, to one design: the answer is that design alone, or nothing
      long count = JSON.readTree(body).path("count").asLong(-1);
      boolean right = present
          ? count == 1 && results.size() == 1 && design.equals(results.get(0).path("id").asText())
          : count == 0 && results.isEmpty();
      if (right) {
        return 0;
      }
      STALE_SEARCHES.incrementAndGet();
      if (EXAMPLES_SHOWN.incrementAndGet() <= EXAMPLES) {
        System.out.printf("STALE search design=%s search=%s %s: %s%n", design, value(seq),
            present ? "must find that design alone" : "must find nothing (a later value was acknowledged)",
            body.length() > 200 ? body.substring(0, 200) + "..." : body);
      }
      return 1;
    } catch (java.io.IOException e) {
      MALFORMED.incrementAndGet();
      return 1;
    }
  }

  /**
   * Ends the judging before the descriptions are restored: no write begins any more, reads are no longer
   * judged or counted (a read showing a restored original would look stale), and this waits up to
   * {@code settle} for the writes under way. Answers whether none is left.
   */
  static boolean close(java.time.Duration settle) {
    closed = true;
    long deadline = System.nanoTime() + settle.toNanos();
    while (!WRITING.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return WRITING.isEmpty();
  }

  /** A write's value; the closing '.' makes it a search that matches this one value only ("…:12." is not in "…:123."). */
  static String value(long seq) {
    return PREFIX + seq + ".";
  }

  /** This run's sequence in a description, 0 for any value this run did not write. */
  static long sequenceOf(String description) {
    if (!description.startsWith(PREFIX)) {
      return 0;
    }
    try {
      String seq = description.substring(PREFIX.length());
      return Long.parseLong(seq.endsWith(".") ? seq.substring(0, seq.length() - 1) : seq);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Whether a description was written by a mixed run (this one or an earlier one). */
  static boolean writtenByMixed(String description) {
    return description.startsWith("mixed:");
  }

  /** Records the successful answer of a write, now (call when its answer is checked). */
  static void acknowledged(String design, long seq) {
    List<long[]> log = ACKS.computeIfAbsent(design, d -> new ArrayList<>());
    synchronized (log) {
      log.add(new long[] {System.nanoTime(), seq});
    }
    WRITES.incrementAndGet();
  }

  /** Gives a design back for writing, whatever became of the write. */
  static void release(String design) {
    WRITING.remove(design);
  }

  /** Stale rows of a list page read at {@code sentAt}; 0 when every row is fresh. */
  static int staleInList(String body, long sentAt) {
    if (closed) {
      return 0;
    }
    try {
      JsonNode results = JSON.readTree(body).get("results");
      if (results == null || !results.isArray()) {
        MALFORMED.incrementAndGet();
        return 1;
      }
      int stale = 0;
      for (JsonNode d : results) {
        LIST_ROWS.incrementAndGet();
        stale += judge(d, sentAt, true);
      }
      return stale;
    } catch (java.io.IOException e) {
      MALFORMED.incrementAndGet();
      return 1;
    }
  }

  /** 1 when a detail read at {@code sentAt} is stale, else 0. */
  static int staleInDetail(String body, long sentAt) {
    if (closed) {
      return 0;
    }
    try {
      DETAILS.incrementAndGet();
      return judge(JSON.readTree(body), sentAt, false);
    } catch (java.io.IOException e) {
      MALFORMED.incrementAndGet();
      return 1;
    }
  }

  private static int judge(JsonNode design, long sentAt, boolean listRow) {
    JsonNode id = design.get("id");
    if (id == null) {
      MALFORMED.incrementAndGet();
      return 1;
    }
    List<long[]> log = ACKS.get(id.asText());
    if (log == null) {
      return 0;
    }
    long required = 0;
    long ackedAt = 0;
    synchronized (log) {
      // acknowledgements are appended in time order, and for one design in sequence order
      for (int i = log.size() - 1; i >= 0; i--) {
        if (log.get(i)[0] < sentAt) {
          required = log.get(i)[1];
          ackedAt = log.get(i)[0];
          break;
        }
      }
    }
    if (required == 0) {
      return 0;
    }
    (listRow ? CHECKED_LIST_ROWS : CHECKED_DETAILS).incrementAndGet();
    String description = design.path("description").asText("");
    long seen = sequenceOf(description);
    if (seen >= required) {
      return 0;
    }
    (listRow ? STALE_LIST_ROWS : STALE_DETAILS).incrementAndGet();
    if (EXAMPLES_SHOWN.incrementAndGet() <= EXAMPLES) {
      System.out.printf("STALE %s design=%s required=%s seen=%s (write acknowledged %.1f ms before the read was sent)%n",
          listRow ? "list-row" : "detail", id.asText(), value(required),
          description.length() > 40 ? description.substring(0, 40) + "..." : description, (sentAt - ackedAt) / 1e6);
    }
    return 1;
  }

  static long checked() {
    return CHECKED_LIST_ROWS.get() + CHECKED_DETAILS.get() + CHECKED_SEARCHES.get();
  }

  static long stale() {
    return STALE_LIST_ROWS.get() + STALE_DETAILS.get() + STALE_SEARCHES.get();
  }
}
