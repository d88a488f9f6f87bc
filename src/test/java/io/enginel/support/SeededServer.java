package io.enginel.support;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.repository.PgSetup;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@link TestServer} whose fixtures are written before it starts. Fixture writes made while a node runs
 * raise change notifications that invalidate asynchronously, at a moment the test does not control, which
 * makes HIT/MISS assertions racy; rows written before the node listens raise nothing it will see. Start-up
 * then waits for the node's own conservative invalidation (a new incarnation of each response tier) so that
 * no later invalidation can remove what the test fills.
 */
public final class SeededServer {
  private SeededServer() {}

  /** The running node and what the seed answered (ids of the rows it wrote). */
  public record Seeded<T>(TestServer server, T data) {}

  public static <T> Seeded<T> start(Function<Fixtures, T> seed) {
    return start(Map.of(), seed);
  }

  public static <T> Seeded<T> start(Map<String, Object> overrides, Function<Fixtures, T> seed) {
    TestDatabase db = TestDatabase.create();
    EnginelConfig config = TestServer.baseConfig(db.uri(), TestServices.redisUri());
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      config = config.with(e.getKey(), e.getValue());
    }
    return start(db, config, seed);
  }

  /** Seeds {@code db} (its own database, closed on failure or with the node), then starts a node with {@code config}. */
  public static <T> Seeded<T> start(TestDatabase db, EnginelConfig config, Function<Fixtures, T> seed) {
    T data;
    try {
      PgSetup.migrate(config.pg());
      data = seed.apply(new Fixtures(db));
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    TestServer s = TestServer.startWith(db, config);
    try {
      awaitClock(s, Tier.DEFAULT);
      awaitClock(s, Tier.LONGTERM);
    } catch (RuntimeException | AssertionError e) {
      s.close(); // its database and its keys with it
      throw e;
    }
    return new Seeded<>(s, data);
  }

  /** Waits (at most 5 s) until the tier's invalidation state exists: the start-up invalidation is done. */
  private static void awaitClock(TestServer s, Tier tier) {
    Waits.until(() -> s.redisExists(tier, s.prefix() + ":_inv"), Duration.ofSeconds(5),
        "the start-up invalidation of tier " + tier.id());
  }
}
