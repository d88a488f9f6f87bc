package io.enginel.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The referee of the mixed scenario: remembers every acknowledged write (design, value, when its answer
 * arrived) and judges every read. A read sent at time t must show, for each design it contains, the value
 * of the last write acknowledged before t, or a later one; anything older is a stale read. Writes to one
 * design never overlap (a design is taken while it is being written), so acknowledgement order is commit
 * order.
 */
final class StaleReads {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, List<long[]>> ACKS = new ConcurrentHashMap<>();
  private static final Map<String, Boolean> WRITING = new ConcurrentHashMap<>();
  private static final AtomicLong SEQUENCE = new AtomicLong();
  static final AtomicLong CHECKED = new AtomicLong();
  static final AtomicLong STALE = new AtomicLong();
  static final AtomicLong WRITES = new AtomicLong();

  private StaleReads() {}

  /** Takes a design for writing, or null when it is being written already. */
  static Long begin(String design) {
    return WRITING.putIfAbsent(design, Boolean.TRUE) == null ? SEQUENCE.incrementAndGet() : null;
  }

  static String value(long seq) {
    return "mixed:" + seq;
  }

  static void acknowledged(String design, long seq, boolean ok) {
    if (ok) {
      List<long[]> log = ACKS.computeIfAbsent(design, d -> new ArrayList<>());
      synchronized (log) {
        log.add(new long[] {System.nanoTime(), seq});
      }
      WRITES.incrementAndGet();
    }
    WRITING.remove(design);
  }

  /** Stale designs in a detail or a list page read at {@code sentAt}; 0 when the read is fresh. */
  static int staleIn(String body, long sentAt) {
    try {
      JsonNode root = JSON.readTree(body);
      JsonNode results = root.get("results");
      int stale = 0;
      if (results != null && results.isArray()) {
        for (JsonNode d : results) {
          stale += judge(d, sentAt);
        }
      } else {
        stale += judge(root, sentAt);
      }
      return stale;
    } catch (java.io.IOException e) {
      return 1;
    }
  }

  private static int judge(JsonNode design, long sentAt) {
    JsonNode id = design.get("id");
    if (id == null) {
      return 0;
    }
    List<long[]> log = ACKS.get(id.asText());
    if (log == null) {
      return 0;
    }
    long required = 0;
    synchronized (log) {
      for (long[] ack : log) {
        if (ack[0] < sentAt) {
          required = Math.max(required, ack[1]);
        }
      }
    }
    if (required == 0) {
      return 0;
    }
    CHECKED.incrementAndGet();
    String description = design.path("description").asText("");
    long seen = description.startsWith("mixed:") ? Long.parseLong(description.substring(6)) : 0;
    if (seen < required) {
      STALE.incrementAndGet();
      return 1;
    }
    return 0;
  }
}
