package io.enginel.load;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * mixed: 95 % hot-list / hot-detail reads, 5 % PATCH of a design's description. Every read is checked
 * against the last acknowledged write of each design it shows ({@link StaleReads}); a stale read fails the
 * request, and the simulation's assertion (no failed request) fails the run.
 */
public class MixedSimulation extends Simulation {
  private static final List<String[]> WRITABLE = Workload.pool("writable");

  public MixedSimulation() {
    Workload.loginAll();
    ChainBuilder read = randomSwitch().on(
        percent(50.0).then(exec(s -> s.set("user", Workload.randomUser())
                .set("page", 1 + ThreadLocalRandom.current().nextInt(5)).set("sentAt", System.nanoTime()))
            .exec(http("mixed-list")
                .get("/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=#{page}&page_size=20")
                .header("Authorization", s -> Workload.bearer(s.getInt("user")))
                .check(status().is(200), bodyString().transformWithSession((body, s) ->
                    StaleReads.staleIn(body, s.getLong("sentAt"))).is(0)))),
        percent(50.0).then(exec(s -> {
          String[] row = Workload.any(Scenarios.HOT_DETAIL);
          return s.set("design", row[0]).set("user", Integer.parseInt(row[1])).set("sentAt", System.nanoTime());
        }).exec(http("mixed-detail").get("/api/designs/#{design}/")
            .header("Authorization", s -> Workload.bearer(s.getInt("user")))
            .check(status().is(200), bodyString().transformWithSession((body, s) ->
                StaleReads.staleIn(body, s.getLong("sentAt"))).is(0)))));
    ChainBuilder write = exec(s -> {
      String[] row = Workload.any(WRITABLE);
      Long seq = StaleReads.begin(row[0]);
      return seq == null ? s.set("seq", 0L) : s.set("design", row[0]).set("user", Integer.parseInt(row[1])).set("seq", seq);
    }).doIf(s -> s.getLong("seq") > 0).then(
        exec(http("mixed-write").patch("/api/designs/#{design}/")
            .header("Authorization", s -> Workload.bearer(s.getInt("user")))
            .body(StringBody(s -> "{\"description\":\"" + StaleReads.value(s.getLong("seq")) + "\"}")).asJson()
            .check(status().is(200)))
            .exec(s -> {
              StaleReads.acknowledged(s.getString("design"), s.getLong("seq"), !s.isFailed());
              return s;
            }));
    setUp(scenario("mixed").forever().on(randomSwitch().on(percent(95.0).then(read), percent(5.0).then(write)))
            .injectClosed(constantConcurrentUsers(Workload.USERS).during(Duration.ofSeconds(Workload.DURATION))))
        .protocols(Workload.protocol())
        .maxDuration(Duration.ofSeconds(Workload.DURATION))
        .assertions(global().failedRequests().count().is(0L));
  }

  @Override
  public void after() {
    System.out.printf("MIXED writes=%d reads-checked=%d stale-reads=%d%n", StaleReads.WRITES.get(),
        StaleReads.CHECKED.get(), StaleReads.STALE.get());
  }
}
