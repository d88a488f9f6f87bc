package io.enginel.http;

import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits login attempts per user name ({@code perUser}) and per client address ({@code perAddress}, higher:
 * many users may share one address) in fixed one-minute windows, for the whole cluster: every attempt is counted
 * in PostgreSQL ({@link RepositoryClient#loginAttempt}), where every node counts, so N nodes allow no more than
 * one node does. PostgreSQL rather than Redis: a counter Redis evicts would reopen the window, and a login reads
 * the user's credentials from PostgreSQL anyway (when it is away, logins answer 503, never unthrottled).
 *
 * <p>Each node also counts what it has seen itself: a key it already saw over the limit in the current window is
 * refused without asking PostgreSQL, so a flood against one node costs the database nothing.
 */
final class LoginThrottle {
  private static final long WINDOW_MS = 60_000;

  private record Window(long start, int count) {}

  private final RepositoryClient repository;
  private final int perUser;
  private final int perAddress;
  private final Map<String, Window> seenHere = new ConcurrentHashMap<>();

  LoginThrottle(RepositoryClient repository, int perUser, int perAddress) {
    this.repository = repository;
    this.perUser = perUser;
    this.perAddress = perAddress;
  }

  /** Counts an attempt; answers 0 when allowed, else the seconds until the next one is. */
  Future<Long> attempt(String username, String ip) {
    long now = System.currentTimeMillis();
    if (seenHere.size() > 100_000) {
      seenHere.values().removeIf(w -> now - w.start() > WINDOW_MS);
    }
    List<String> keys = new ArrayList<>(2);
    if (ip != null) {
      keys.add("a:" + ip);
    }
    keys.add("u:" + username);
    // the address first: one already over its limit here counts nothing more (no window per guessed user name)
    for (String key : keys) {
      long waitHere = countHere(key, now);
      if (waitHere > 0) {
        return Future.succeededFuture(waitHere);
      }
    }
    return repository.loginAttempt(keys).map(counts -> {
      long wait = 0;
      for (String key : counts.fieldNames()) {
        JsonObject c = counts.getJsonObject(key);
        if (c.getInteger("attempts") > limitOf(key)) {
          wait = Math.max(wait, c.getLong("retry_after"));
        }
      }
      return wait;
    });
  }

  private int limitOf(String key) {
    return key.startsWith("u:") ? perUser : perAddress;
  }

  /** Seconds to wait when this node alone has seen the key over its limit in the current window, else 0. */
  private long countHere(String key, long now) {
    Window w = seenHere.compute(key, (k, old) -> old == null || now - old.start() >= WINDOW_MS
        ? new Window(now, 1) : new Window(old.start(), old.count() + 1));
    return w.count() > limitOf(key) ? Math.max(1, (w.start() + WINDOW_MS - now + 999) / 1000) : 0;
  }
}
