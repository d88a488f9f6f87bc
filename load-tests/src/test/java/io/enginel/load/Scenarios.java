package io.enginel.load;

import io.gatling.javaapi.core.ChainBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/** The requests of shared/bench/WORKLOAD.md, one chain each. */
final class Scenarios {
  static final List<String[]> HOT_DETAIL = Workload.pool("hot-detail");
  static final List<String[]> BOM = Workload.pool("bom");
  private static final Instant DATA_END = Instant.parse("2026-01-01T00:00:00Z");

  private Scenarios() {}

  /** hot-list: the first five pages of a user's completed designs, newest first. */
  static ChainBuilder hotList() {
    return exec(s -> s.set("user", Workload.randomUser()).set("page", 1 + ThreadLocalRandom.current().nextInt(5)))
        .exec(http("hot-list")
            .get("/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=#{page}&page_size=20")
            .header("Authorization", s -> Workload.bearer(s.getInt("user")))
            .check(status().is(200)));
  }

  /** hot-detail: one of the fixed 1,000 designs, asked by a user who may see it. */
  static ChainBuilder hotDetail() {
    return exec(s -> {
      String[] row = Workload.any(HOT_DETAIL);
      return s.set("design", row[0]).set("user", Integer.parseInt(row[1]));
    }).exec(http("hot-detail").get("/api/designs/#{design}/")
        .header("Authorization", s -> Workload.bearer(s.getInt("user")))
        .check(status().is(200)));
  }

  /** cold-list: a search that never repeats (a random word and a random instant), so always a miss. */
  static ChainBuilder coldList() {
    return exec(s -> {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      String before = DATA_END.minus(r.nextLong(365L * 24 * 3600 * 1000), ChronoUnit.MILLIS).toString();
      return s.set("user", Workload.randomUser()).set("word", Workload.WORDS[r.nextInt(Workload.WORDS.length)])
          .set("before", before);
    }).exec(http("cold-list").get("/api/designs/?search=#{word}&created_before=#{before}&page_size=20")
        .header("Authorization", s -> Workload.bearer(s.getInt("user")))
        .check(status().is(200)));
  }

  /** bom: the BOM tree of one of the 2,000 designs that have one (long-term tier, recursive query). */
  static ChainBuilder bom() {
    return exec(s -> {
      String[] row = Workload.any(BOM);
      return s.set("design", row[0]).set("user", Integer.parseInt(row[1]));
    }).exec(http("bom").get("/api/designs/#{design}/bom/")
        .header("Authorization", s -> Workload.bearer(s.getInt("user")))
        .check(status().is(200)));
  }
}
