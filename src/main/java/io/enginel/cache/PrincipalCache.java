package io.enginel.cache;

import io.enginel.domain.Principal;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The first tier of authentication: token → principal, in this process's memory, so that a request
 * does not pay a Redis round trip to learn who it is. Entries live at most {@code maxAgeSeconds} (each a little
 * less, drawn by its {@link Lifetimes}, so that a burst of logins is not looked up again all at once), never
 * beyond their session's expiry, and are dropped at once when the invalidation verticle sees a change
 * to the user, their memberships or their session (logout anywhere). Shared by every HTTP verticle
 * instance of the process.
 */
public final class PrincipalCache {
  /** A cached principal, its session's token hash and expiry, and when it was loaded. */
  public record Entry(Principal principal, String tokenHash, long sessionExpiresAtMillis, long loadedAtMillis) {}

  /** An entry as kept: served until {@code keptUntilMillis} included. */
  private record Held(Entry entry, long keptUntilMillis) {}

  private static final int MAX_ENTRIES = 200_000;

  private final Map<String, Held> byToken = new ConcurrentHashMap<>();
  /** When each session and user was last evicted: a principal loaded before that is not taken in afterwards. */
  private final Map<String, Long> sessionEvictedAt = new ConcurrentHashMap<>();
  private final Map<Long, Long> userEvictedAt = new ConcurrentHashMap<>();
  private final long maxAgeMillis;
  private final java.util.function.BooleanSupplier leaseValid;
  private final Clock clock;
  private final Lifetimes lifetimes;

  /** @param leaseValid whether this process may use what it keeps in memory now ({@link MemoryLease#valid()}) */
  public PrincipalCache(int maxAgeSeconds, java.util.function.BooleanSupplier leaseValid) {
    this(maxAgeSeconds, leaseValid, Clock.systemUTC());
  }

  /**
   * @param clock the wall clock of the entries' times (their loading and their session's expiry, epoch milliseconds)
   *     and of the evictions
   */
  public PrincipalCache(int maxAgeSeconds, java.util.function.BooleanSupplier leaseValid, Clock clock) {
    this(maxAgeSeconds, leaseValid, clock, Lifetimes.spread());
  }

  /** @param lifetimes how long each entry is kept within {@code maxAgeSeconds} of its loading */
  public PrincipalCache(int maxAgeSeconds, java.util.function.BooleanSupplier leaseValid, Clock clock,
                        Lifetimes lifetimes) {
    this.maxAgeMillis = maxAgeSeconds * 1000L;
    this.leaseValid = leaseValid;
    this.clock = clock;
    this.lifetimes = lifetimes;
  }

  /** The principal of a token, or null when unknown, too old, its session expired, or this process's lease ran out. */
  public Entry get(String token) {
    Held h = byToken.get(token);
    if (h == null || !leaseValid.getAsBoolean()) {
      return null;
    }
    long now = clock.millis();
    if (now > h.keptUntilMillis() || now >= h.entry().sessionExpiresAtMillis()) {
      byToken.remove(token, h);
      return null;
    }
    return h.entry();
  }

  /**
   * Keeps a principal whose loading started at {@link Entry#loadedAtMillis()} — unless its session or user was
   * evicted since that moment: a lookup that raced a logout or a change of rights must not bring back what the
   * eviction removed.
   */
  public void put(String token, Entry entry) {
    if (maxAgeMillis <= 0 || !leaseValid.getAsBoolean()) {
      return;
    }
    Long session = sessionEvictedAt.get(entry.tokenHash());
    Long user = userEvictedAt.get(entry.principal().userId());
    if ((session != null && session >= entry.loadedAtMillis()) || (user != null && user >= entry.loadedAtMillis())) {
      return;
    }
    if (byToken.size() >= MAX_ENTRIES) {
      byToken.clear();
    }
    byToken.put(token, new Held(entry, entry.loadedAtMillis() + lifetimes.of(maxAgeMillis)));
  }

  /** Drops every session of a user (their memberships or account changed). */
  public void evictUser(long userId) {
    userEvictedAt.put(userId, clock.millis());
    pruneEvictions();
    byToken.values().removeIf(h -> h.entry().principal().userId() == userId);
  }

  /** Drops one session by its hash (logged out, possibly on another node or by hand in the database). */
  public void evictSession(String tokenHash) {
    sessionEvictedAt.put(tokenHash, clock.millis());
    pruneEvictions();
    byToken.values().removeIf(h -> h.entry().tokenHash().equals(tokenHash));
  }

  /** An eviction only fences lookups in flight: after a minute it is forgotten (bounded memory). */
  private void pruneEvictions() {
    if (sessionEvictedAt.size() + userEvictedAt.size() > 10_000) {
      long horizon = clock.millis() - 60_000;
      sessionEvictedAt.values().removeIf(t -> t < horizon);
      userEvictedAt.values().removeIf(t -> t < horizon);
    }
  }

  public void clear() {
    byToken.clear();
  }

  public int size() {
    return byToken.size();
  }
}
