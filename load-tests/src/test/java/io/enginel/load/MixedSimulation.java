package io.enginel.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * mixed: 95 % reads (45 % hot-list, 45 % hot-detail, 10 % searches), 5 % PATCH of a design's description. Every
 * read, a detail or each row of a list page, is checked against the last write of that design acknowledged before
 * the read was sent ({@link StaleReads}); a search asks for a written design's last acknowledged value (it must find
 * the design, unless a later write of it has begun) or for the value before it (it must not); a stale read fails
 * the request, and the simulation's assertion (no failed request) fails the run.
 *
 * <p>The writes go to {@code pools/writable.csv}: the 100 designs that appear most often in the users'
 * hot-list pages 1 to 5, each with a user who may change it (load-tests/make-pools.sh), so that list rows of
 * written designs are read, and checked, all the time. The detail reads draw from the hot-detail pool and the
 * writable designs together, so that details of written designs are checked too.
 *
 * <p>Before the load, the original description of every writable design is read (one GET each, as its pool
 * user); after it ({@link #after()}) they are written back and read again, and a design left with another
 * value is a restore error, which fails the run. The last line printed is
 * {@code MIXED run=... writes=... reads-checked=... ... stale-reads=... restore-errors=...}, which
 * load-tests/bench.sh reads.
 */
public class MixedSimulation extends Simulation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String[]> WRITABLE = Workload.pool("writable");
  /** hot-detail's pool and the writable designs, each design once. */
  private static final List<String[]> DETAIL = detailPool();
  private static final Map<String, String> ORIGINAL = new LinkedHashMap<>();
  /** How long the restore waits for writes of the load still unanswered (none when the load ended by itself). */
  private static final Duration SETTLE = Duration.ofSeconds(2);

  public MixedSimulation() {
    Workload.loginAll();
    readOriginals();
    ChainBuilder read = randomSwitch().on(
        percent(10.0).then(exec(s -> {
          String[] row = Workload.any(WRITABLE);
          boolean present = ThreadLocalRandom.current().nextBoolean();
          long[] asked = StaleReads.searchFor(row[0], present);
          return asked == null ? s.set("searchSeq", 0L) : s.set("design", row[0]).set("user", Integer.parseInt(row[1]))
              .set("searchSeq", asked[0]).set("present", present);
        }).doIf(s -> s.getLong("searchSeq") > 0).then(
            exec(http("mixed-search")
                .get(s -> "/api/designs/?search=" + StaleReads.value(s.getLong("searchSeq")).replace(":", "%3A")
                    + "&page_size=5")
                .header("Authorization", s -> Workload.bearer(s.getInt("user")))
                .check(status().is(200), bodyString().transformWithSession((body, s) ->
                    StaleReads.staleInSearch(body, s.getString("design"), s.getLong("searchSeq"),
                        s.getBoolean("present"))).is(0))))),
        percent(45.0).then(exec(s -> s.set("user", Workload.randomUser())
                .set("page", 1 + ThreadLocalRandom.current().nextInt(5)).set("sentAt", System.nanoTime()))
            .exec(http("mixed-list")
                .get("/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=#{page}&page_size=20")
                .header("Authorization", s -> Workload.bearer(s.getInt("user")))
                .check(status().is(200), bodyString().transformWithSession((body, s) ->
                    StaleReads.staleInList(body, s.getLong("sentAt"))).is(0)))),
        percent(45.0).then(exec(s -> {
          String[] row = Workload.any(DETAIL);
          return s.set("design", row[0]).set("user", Integer.parseInt(row[1])).set("sentAt", System.nanoTime());
        }).exec(http("mixed-detail").get("/api/designs/#{design}/")
            .header("Authorization", s -> Workload.bearer(s.getInt("user")))
            .check(status().is(200), bodyString().transformWithSession((body, s) ->
                StaleReads.staleInDetail(body, s.getLong("sentAt"))).is(0)))));
    ChainBuilder write = exec(s -> {
      String[] row = Workload.any(WRITABLE);
      Long seq = StaleReads.begin(row[0]);
      s = s.remove("writeStatus").remove("written");
      return seq == null ? s.set("seq", 0L) : s.set("design", row[0]).set("user", Integer.parseInt(row[1])).set("seq", seq);
    }).doIf(s -> s.getLong("seq") > 0).then(
        exec(http("mixed-write").patch("/api/designs/#{design}/")
            .header("Authorization", s -> Workload.bearer(s.getInt("user")))
            .body(StringBody(s -> "{\"description\":\"" + StaleReads.value(s.getLong("seq")) + "\"}")).asJson()
            .check(status().is(200).saveAs("writeStatus"),
                jsonPath("$.description").is(s -> StaleReads.value(s.getLong("seq"))).saveAs("written")))
            .exec(s -> {
              // acknowledged only when the answer is a 200 showing the value; the design is free again anyway
              if (s.contains("writeStatus") && s.contains("written")) {
                StaleReads.acknowledged(s.getString("design"), s.getLong("seq"));
              }
              StaleReads.release(s.getString("design"));
              return s;
            }));
    // USERS users in a closed loop, each for DURATION seconds, finishing its iteration (a write is always
    // acknowledged and released): the load ends by itself, before after() restores the descriptions. Not
    // forever() + maxDuration(), which leaves the virtual users sending (unrecorded) requests while after()
    // runs; maxDuration stays only as a bound.
    setUp(scenario("mixed").during(Duration.ofSeconds(Workload.DURATION), false)
            .on(randomSwitch().on(percent(95.0).then(read), percent(5.0).then(write)))
            .injectOpen(atOnceUsers(Workload.USERS)))
        .protocols(Workload.protocol())
        .maxDuration(Duration.ofSeconds(Workload.DURATION + 30))
        .assertions(global().failedRequests().count().is(0L));
  }

  private static List<String[]> detailPool() {
    Set<String> seen = new LinkedHashSet<>();
    List<String[]> pool = new ArrayList<>();
    for (List<String[]> source : List.of(Scenarios.HOT_DETAIL, WRITABLE)) {
      for (String[] row : source) {
        if (seen.add(row[0])) {
          pool.add(row);
        }
      }
    }
    return pool;
  }

  /** The description of every writable design before the load; a design that cannot be read stops the run. */
  private static void readOriginals() {
    int leftOver = 0;
    for (String[] row : WRITABLE) {
      String description = description(row, "GET", null);
      if (description == null) {
        throw new IllegalStateException("cannot read the original description of design " + row[0] + " as user" + row[1]);
      }
      if (StaleReads.writtenByMixed(description)) {
        leftOver++;
      }
      ORIGINAL.put(row[0], description);
    }
    if (leftOver > 0) {
      System.out.printf("WARNING: %d writable designs hold a value an earlier mixed run did not restore (%s...);"
          + " they are restored to it. Reseed a fresh enginel_bench to get the seeded descriptions back.%n",
          leftOver, "mixed:");
    }
  }

  /** The description a GET or PATCH of a writable design answers, or null (not a 200, not JSON). */
  private static String description(String[] row, String method, String body) {
    HttpResponse<String> r = Workload.send(method, "/api/designs/" + row[0] + "/", Integer.parseInt(row[1]), body);
    if (r.statusCode() != 200) {
      System.out.printf("%s /api/designs/%s/ as user%s: %d %s%n", method, row[0], row[1], r.statusCode(), r.body());
      return null;
    }
    try {
      JsonNode d = JSON.readTree(r.body()).get("description");
      return d == null ? null : d.asText();
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** Writes the original descriptions back; a design that does not read back its original is an error. */
  private static int restore() {
    if (!StaleReads.close(SETTLE)) {
      System.out.println("RESTORE: writes of the load were still unanswered after " + SETTLE.toSeconds() + " s");
    }
    int errors = 0;
    for (String[] row : WRITABLE) {
      String original = ORIGINAL.get(row[0]);
      try {
        String body = JSON.writeValueAsString(Map.of("description", original));
        String written = description(row, "PATCH", body);
        String read = original.equals(written) ? description(row, "GET", null) : null;
        if (!original.equals(read)) {
          errors++;
          System.out.printf("RESTORE FAILED design=%s as user%s: the PATCH answered %s, a GET then %s%n", row[0], row[1],
              abbreviate(written), abbreviate(read));
        }
      } catch (RuntimeException | java.io.IOException e) {
        errors++;
        System.out.printf("RESTORE FAILED design=%s: %s%n", row[0], e);
      }
    }
    return errors;
  }

  private static String abbreviate(String s) {
    return s == null ? "(no description)" : s.length() > 40 ? '"' + s.substring(0, 40) + "...\"" : '"' + s + '"';
  }

  @Override
  public void after() {
    int restoreErrors = restore();
    System.out.printf("MIXED run=%s writes=%d reads-checked=%d checked-list-rows=%d checked-details=%d"
            + " checked-searches=%d list-rows=%d details=%d searches=%d stale-reads=%d stale-list-rows=%d"
            + " stale-details=%d stale-searches=%d malformed=%d restore-errors=%d%n",
        StaleReads.RUN, StaleReads.WRITES.get(), StaleReads.checked(), StaleReads.CHECKED_LIST_ROWS.get(),
        StaleReads.CHECKED_DETAILS.get(), StaleReads.CHECKED_SEARCHES.get(), StaleReads.LIST_ROWS.get(),
        StaleReads.DETAILS.get(), StaleReads.SEARCHES.get(), StaleReads.stale(), StaleReads.STALE_LIST_ROWS.get(),
        StaleReads.STALE_DETAILS.get(), StaleReads.STALE_SEARCHES.get(), StaleReads.MALFORMED.get(), restoreErrors);
    if (restoreErrors > 0) {
      throw new IllegalStateException(restoreErrors + " writable designs were not restored to their original"
          + " description (see RESTORE FAILED above)");
    }
  }
}
