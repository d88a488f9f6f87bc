package io.enginel.config;

import java.util.Locale;

/** The three Redis tiers of the seed: each its own database (or URI) and default time to live. */
public enum Tier {
  /** API responses, lists and queries: 5 minutes. */
  DEFAULT,
  /** Login sessions: 24 hours. */
  SESSIONS,
  /** Expensive computations (BOM trees, geometry metadata): 1 hour. */
  LONGTERM;

  private final String id = name().toLowerCase(Locale.ROOT);

  /** The lower-case name used in configuration, event-bus messages and statistics. */
  public String id() {
    return id;
  }

  public static Tier parse(String id) {
    if (id == null) {
      return DEFAULT;
    }
    for (Tier t : values()) {
      if (t.id().equals(id)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown tier '" + id + "' (default, sessions or longterm)");
  }
}
