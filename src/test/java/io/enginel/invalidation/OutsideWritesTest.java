package io.enginel.invalidation;

import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes the server did not make — psql, another program, a migration — reach it through the triggers'
 * NOTIFY: a row changed from outside is fresh on the next reads; and when the listening connection drops,
 * what may have been missed meanwhile is invalidated when it comes back (a new incarnation).
 */
class OutsideWritesTest {
  static TestServer s;
  static UUID series;
  static UUID design;
  static UUID design2;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      UUID org = f.organization("Outside");
      f.member(org, f.user("alice"), "ADMIN");
      series = f.series(org, "PN-OUTSIDE");
      design = f.design(series, "outside.stl", "before");
      design2 = f.design(series, "dropped.stl", "before");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** Reads {@code path} until it is cached: a search page is stored from its second ask (docs/searches.md). */
  static void cached(String path) {
    s.get(path, alice);
    s.get(path, alice);
    assertThat(s.get(path, alice).xCache()).as(path).isEqualTo("HIT");
  }

  /** Polls {@code path} until its description is {@code expected}; answers the milliseconds it took. */
  static long untilDescription(String path, String expected, long timeoutMs) {
    return Waits.until(() -> {
      JsonObject body = s.get(path, alice).json();
      String seen = body.containsKey("results")
          ? body.getJsonArray("results").getJsonObject(0).getString("description") : body.getString("description");
      return expected.equals(seen);
    }, Duration.ofMillis(timeoutMs), Duration.ofMillis(10), path + " showing '" + expected + "'");
  }

  static String incarnation() {
    return s.redis(io.enginel.config.Tier.DEFAULT, "HGET", s.prefix() + ":_inv", "i").toString();
  }

  static JsonObject listenerStatus() {
    return s.request(InvalidationApi.STATUS, new JsonObject());
  }

  @Test
  void aRowChangedWithPlainSqlIsFreshOnTheNextReads() {
    String detail = "/api/designs/" + design;
    String list = "/api/designs/?search=outside.stl";
    cached(detail);
    cached(list);

    assertThat(s.fixtures.update("UPDATE design_assets SET description = ? WHERE id = ?", "from psql", design))
        .isEqualTo(1);

    long detailMs = untilDescription(detail, "from psql", 5_000);
    long listMs = untilDescription(list, "from psql", 5_000);
    System.out.printf("OUTSIDE-WRITE fresh-after-ms detail=%d list=%d%n", detailMs, listMs);
  }

  @Test
  void aChangeToARowAnEntryOnlyShowsReachesItToo() {
    String detail = "/api/designs/" + design;
    cached(detail);
    assertThat(s.fixtures.update("UPDATE design_series SET part_number = ? WHERE id = ?", "PN-RENAMED", series))
        .isEqualTo(1);
    Waits.until(() -> "PN-RENAMED".equals(s.get(detail, alice).json().getString("part_number")), Duration.ofSeconds(5),
        Duration.ofMillis(10), "the series' new part number on the design");
  }

  @Test
  void whenTheListeningConnectionDropsWhatMayHaveBeenMissedIsInvalidatedWhenItReturns() {
    String detail = "/api/designs/" + design2;
    cached(detail);
    long connectionsBefore = listenerStatus().getLong("connections");
    String incarnationBefore = incarnation();

    // drop the listener's connection and, before it is back, change the row (its NOTIFY goes nowhere)
    long terminated = s.fixtures.queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        + "WHERE datname = current_database() AND application_name LIKE 'enginel/%' AND query ILIKE 'LISTEN%'");
    assertThat(terminated).as("the listening connection was found and ended").isEqualTo(1);
    assertThat(s.fixtures.update("UPDATE design_assets SET description = ? WHERE id = ?", "while deaf", design2))
        .isEqualTo(1);

    long reconnected = Waits.until(() -> listenerStatus().getLong("connections") > connectionsBefore
        && listenerStatus().getBoolean("listening"), Duration.ofSeconds(15), Duration.ofMillis(50), "the listener reconnects");
    long fresh = untilDescription(detail, "while deaf", 5_000);
    assertThat(incarnation()).as("a new incarnation of the tier: every entry of before is a miss").isNotEqualTo(incarnationBefore);
    System.out.printf("LISTENER-DROP reconnected-after-ms=%d fresh-after-ms=%d%n", reconnected, fresh);
    assertThat(s.get(detail, alice).json().getString("description")).isEqualTo("while deaf");
  }
}
