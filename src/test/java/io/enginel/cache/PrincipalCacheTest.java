package io.enginel.cache;

import io.enginel.domain.Principal;
import io.enginel.domain.Role;
import io.enginel.support.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-process token → principal tier of authentication, on a clock the test moves. */
class PrincipalCacheTest {
  private static final long HOUR = 3_600_000L;
  private final FakeClock clock = new FakeClock();
  /** Every entry kept exactly the maximum age: the boundaries below are exact. */
  private final PrincipalCache cache = new PrincipalCache(60, () -> true, clock, Lifetimes.exact());

  @Test
  void freshEntryIsServed() {
    PrincipalCache.Entry e = entry(1, "hash-1", now() + HOUR, now());
    cache.put("token-1", e);

    assertThat(cache.get("token-1")).isSameAs(e);
    assertThat(cache.get("token-unknown")).isNull();
  }

  @Test
  void nothingIsServedOrTakenInWhileTheProcessHasNoLease() {
    java.util.concurrent.atomic.AtomicBoolean lease = new java.util.concurrent.atomic.AtomicBoolean(true);
    PrincipalCache leased = new PrincipalCache(60, lease::get, clock);
    PrincipalCache.Entry e = entry(1, "hash-1", now() + HOUR, now());
    leased.put("token-1", e);

    lease.set(false);
    assertThat(leased.get("token-1")).as("lease run out").isNull();
    leased.put("token-2", entry(2, "hash-2", now() + HOUR, now()));

    lease.set(true);
    assertThat(leased.get("token-1")).isSameAs(e);
    assertThat(leased.get("token-2")).as("taken in while there was no lease").isNull();
  }

  @Test
  void entryOlderThanTheMaximumAgeIsNotServedAndIsDropped() {
    cache.put("old", entry(1, "hash-old", now() + HOUR, now()));
    clock.advance(Duration.ofSeconds(5));
    cache.put("young", entry(1, "hash-young", now() + HOUR, now()));

    clock.advance(Duration.ofSeconds(55));
    assertThat(cache.get("old")).as("exactly 60 s old").isNotNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(cache.get("old")).as("older than 60 s").isNull();
    assertThat(cache.get("young")).isNotNull();
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void entriesLoadedTogetherExpireApartWithinTheLastTenthOfTheMaximumAge() {
    PrincipalCache spread = new PrincipalCache(60, () -> true, clock, Lifetimes.spread());
    for (int i = 0; i < 200; i++) {
      spread.put("token-" + i, entry(i, "hash-" + i, now() + HOUR, now()));
    }

    clock.advance(Duration.ofSeconds(54));
    assertThat(servedOf(spread, 200)).as("54 s: none is kept less than nine tenths of 60 s").isEqualTo(200);
    clock.advance(Duration.ofSeconds(3));
    assertThat(servedOf(spread, 200)).as("57 s: some have expired, some not").isStrictlyBetween(0, 200);
    clock.advance(Duration.ofMillis(3_001));
    assertThat(servedOf(spread, 200)).as("past 60 s: none is kept longer than the maximum age").isZero();
    assertThat(spread.size()).isZero();
  }

  private static int servedOf(PrincipalCache c, int tokens) {
    int served = 0;
    for (int i = 0; i < tokens; i++) {
      served += c.get("token-" + i) == null ? 0 : 1;
    }
    return served;
  }

  @Test
  void entryIsNotServedBeyondItsSessionExpiry() {
    cache.put("expiring", entry(1, "hash-expiring", now() + 10_000, now()));
    cache.put("valid", entry(1, "hash-valid", now() + HOUR, now()));

    clock.advance(Duration.ofMillis(9_999));
    assertThat(cache.get("expiring")).as("a millisecond before its session's end").isNotNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(cache.get("expiring")).as("at its session's end").isNull();
    assertThat(cache.get("valid")).isNotNull();
  }

  @Test
  void aLookupThatStartedBeforeAnEvictionCannotPutItsPrincipalBack() {
    long started = now();
    clock.advance(Duration.ofMillis(1));
    cache.evictSession("h-raced"); // a logout lands while the lookup is in flight
    cache.evictUser(7); // a change of rights likewise
    cache.put("raced-session", entry(1, "h-raced", now() + HOUR, started));
    cache.put("raced-user", entry(7, "h-other", now() + HOUR, started));
    assertThat(cache.get("raced-session")).isNull();
    assertThat(cache.get("raced-user")).isNull();

    cache.put("same-moment", entry(7, "h-same", now() + HOUR, now())); // started in the eviction's millisecond
    assertThat(cache.get("same-moment")).as("a lookup that may have raced the eviction").isNull();

    clock.advance(Duration.ofMillis(1));
    cache.put("after", entry(7, "h-new", now() + HOUR, now())); // a lookup started after the eviction
    assertThat(cache.get("after")).isNotNull();
  }

  @Test
  void evictUserDropsEverySessionOfThatUserOnly() {
    cache.put("alice-laptop", entry(1, "h1", now() + HOUR, now()));
    cache.put("alice-phone", entry(1, "h2", now() + HOUR, now()));
    cache.put("bob", entry(2, "h3", now() + HOUR, now()));

    cache.evictUser(1);

    assertThat(cache.get("alice-laptop")).isNull();
    assertThat(cache.get("alice-phone")).isNull();
    assertThat(cache.get("bob")).isNotNull();
  }

  @Test
  void evictSessionDropsThatSessionOnly() {
    cache.put("alice-laptop", entry(1, "h1", now() + HOUR, now()));
    cache.put("alice-phone", entry(1, "h2", now() + HOUR, now()));

    cache.evictSession("h1");

    assertThat(cache.get("alice-laptop")).isNull();
    assertThat(cache.get("alice-phone")).isNotNull();
  }

  @Test
  void maximumAgeOfZeroCachesNothing() {
    PrincipalCache off = new PrincipalCache(0, () -> true, clock);

    off.put("t", entry(1, "h", now() + HOUR, now()));

    assertThat(off.get("t")).isNull();
    assertThat(off.size()).isZero();
  }

  @Test
  void clearDropsEverything() {
    cache.put("a", entry(1, "h1", now() + HOUR, now()));
    cache.put("b", entry(2, "h2", now() + HOUR, now()));

    cache.clear();

    assertThat(cache.size()).isZero();
    assertThat(cache.get("a")).isNull();
  }

  private static PrincipalCache.Entry entry(long user, String tokenHash, long expiresAt, long loadedAt) {
    Principal p = Principal.of(user, "user" + user, false, Map.of("org-" + user, Role.EDITOR));
    return new PrincipalCache.Entry(p, tokenHash, expiresAt, loadedAt);
  }

  private long now() {
    return clock.millis();
  }
}
