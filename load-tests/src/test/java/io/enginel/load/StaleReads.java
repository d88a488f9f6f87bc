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
    return WRITING.putIfAbsent(design, Boolean.TRUE) == null ? SEQUENCE.incrementAndGet() : null;
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

  static String value(long seq) {
    return PREFIX + seq;
  }

  /** This run's sequence in a description, 0 for any value this run did not write. */
  static long sequenceOf(String description) {
    if (!description.startsWith(PREFIX)) {
      return 0;
    }
    try {
      return Long.parseLong(description.substring(PREFIX.length()));
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
    return CHECKED_LIST_ROWS.get() + CHECKED_DETAILS.get();
  }

  static long stale() {
    return STALE_LIST_ROWS.get() + STALE_DETAILS.get();
  }
}
