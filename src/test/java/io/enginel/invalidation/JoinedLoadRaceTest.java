package io.enginel.invalidation;

import io.enginel.cache.Answer;
import io.enginel.cache.CacheApi;
import io.enginel.cache.CacheKeys;
import io.enginel.config.Tier;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.domain.Role;
import io.enginel.domain.Tags;
import io.enginel.support.HeldRead;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The interleaving behind the stale list rows seen under concurrent writes (issue 14): a list page misses and its
 * load reads the database; a write commits, invalidates and is answered; then a request sent after that answer
 * misses too — and, as concurrent misses of one key do, joins the load in flight. That load read the database
 * before the write, so answering its rows would be stale although the request came after the write's answer. The
 * list queries are the slow ones, so a load is in flight on a hot list almost all the time under writes. Here the
 * first load is held open ({@link HeldRead}) to make the interleaving exact.
 */
class JoinedLoadRaceTest {
  static TestServer s;
  static UUID org;
  static UUID design;
  static UUID other;
  static long aliceId;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      org = f.organization("Joined Org");
      aliceId = f.user("alice");
      f.member(org, aliceId, "EDITOR");
      UUID series = f.series(org, "PN-JOIN");
      design = f.design(series, "joined.stl", "old", "COMPLETED");
      other = f.design(series, "other.stl", "old", "COMPLETED");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** The key of alice's hot list page, as the API names it. */
  static String hotListKey() {
    Principal p = Principal.of(aliceId, "alice", false, Map.of(org.toString(), Role.EDITOR));
    ListQuery q = ListQuery.parse(Resources.DESIGNS, Map.of("upload_status", "COMPLETED", "ordering", "-created_at"),
        Map.of(), null, 20, 100);
    return new CacheKeys(s.prefix()).designList(p.scopeKey(), q.canonical());
  }

  static String hotList() {
    return "/api/designs/?upload_status=COMPLETED&ordering=-created_at";
  }

  @Test
  void aRequestSentAfterAWritesAnswerNeverTakesTheRowsOfALoadThatReadTheDatabaseBeforeTheWrite() {
    HeldRead before = HeldRead.loading(s, Tier.DEFAULT, hotListKey(), "designs"); // its query read "old"

    HttpResult write = s.patch("/api/designs/" + design, alice, new JsonObject().put("description", "new"));
    assertThat(write.status()).isEqualTo(200);
    long joinsBefore = joins();
    Future<HttpResult> after = s.sendAsync(HttpMethod.GET, hotList(), alice, null, Map.of());
    awaitJoins(joinsBefore + 1); // the request after the write's answer has joined the load in flight

    JsonObject oldRow = new JsonObject().put("id", design.toString()).put("description", "old");
    JsonObject oldPage = new JsonObject().put("count", 1).putNull("next").putNull("previous")
        .put("results", new JsonArray().add(oldRow));
    Answer held = before.release(oldPage, List.of(org.toString()),
        List.of(Tags.lists(org.toString(), Resources.DESIGNS), Tags.of(Resources.DESIGNS, design.toString())));

    assertThat(held.stored()).as("the old page's fill was refused").isFalse();
    HttpResult read = TestServer.await(after);
    assertThat(read.status()).isEqualTo(200);
    assertThat(descriptionOf(read.json(), design)).as("the row of the written design, read after its answer")
        .isEqualTo("new");
    assertThat(descriptionOf(s.get(hotList(), alice).json(), design)).isEqualTo("new");
  }

  @Test
  void aRequestMayStillJoinALoadThatNoWriteConcernsSinceItBegan() {
    // the control: nothing is written while the load is held, so the joiner takes its rows: one query for both
    HeldRead load = HeldRead.loading(s, Tier.DEFAULT, new CacheKeys(s.prefix()).designDetail(other.toString()), "designs");
    long joinsBefore = joins();
    Future<HttpResult> joined = s.sendAsync(HttpMethod.GET, "/api/designs/" + other, alice, null, Map.of());
    awaitJoins(joinsBefore + 1);

    load.release(new JsonObject().put("id", other.toString()).put("description", "as the held load read it"),
        List.of(org.toString()), List.of(Tags.of(Resources.DESIGNS, other.toString())));

    assertThat(TestServer.await(joined).json().getString("description")).isEqualTo("as the held load read it");
  }

  static String descriptionOf(JsonObject page, UUID id) {
    for (Object r : page.getJsonArray("results")) {
      JsonObject row = (JsonObject) r;
      if (id.toString().equals(row.getString("id"))) {
        return row.getString("description");
      }
    }
    throw new AssertionError(id + " is not on the page " + page.encode());
  }

  static long joins() {
    return s.request(CacheApi.STATS, new JsonObject()).getLong("single_flight_joins");
  }

  static void awaitJoins(long atLeast) {
    Waits.until(() -> joins() >= atLeast, Duration.ofSeconds(10), Duration.ofMillis(10), "a request joined the load in flight");
  }
}
