package io.enginel.load;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.forever;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

/** Runs one chain in a closed loop: {@code users} users, each sending the next request as soon as one answers. */
abstract class ClosedLoop extends Simulation {
  ClosedLoop(String name, ChainBuilder chain) {
    Workload.loginAll();
    setUp(scenario(name).forever().on(chain).injectClosed(constantConcurrentUsers(Workload.USERS)
            .during(Duration.ofSeconds(Workload.DURATION))))
        .protocols(Workload.protocol())
        .maxDuration(Duration.ofSeconds(Workload.DURATION))
        .assertions(global().failedRequests().count().is(0L));
  }
}
