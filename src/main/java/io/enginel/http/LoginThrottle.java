package io.enginel.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits login attempts per user name ({@code perUser}) and per client address ({@code perAddress}, higher:
 * many users may share one address) in fixed one-minute windows. Kept in process memory: a limit per node.
 */
final class LoginThrottle {
  private record Window(long start, int count) {}

  private final int perUser;
  private final int perAddress;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  LoginThrottle(int perUser, int perAddress) {
    this.perUser = perUser;
    this.perAddress = perAddress;
  }

  /** Counts an attempt; answers 0 when allowed, else the seconds until the next is. */
  long attempt(String username, String ip) {
    long now = System.currentTimeMillis();
    if (windows.size() > 100_000) {
      windows.values().removeIf(w -> now - w.start() > 60_000);
    }
    long waitUser = count("u:" + username, now, perUser);
    long waitIp = ip == null ? 0 : count("a:" + ip, now, perAddress);
    return Math.max(waitUser, waitIp);
  }

  private long count(String key, long now, int perMinute) {
    Window w = windows.compute(key, (k, old) -> old == null || now - old.start() >= 60_000
        ? new Window(now, 1) : new Window(old.start(), old.count() + 1));
    return w.count() > perMinute ? Math.max(1, (w.start() + 60_000 - now + 999) / 1000) : 0;
  }
}
