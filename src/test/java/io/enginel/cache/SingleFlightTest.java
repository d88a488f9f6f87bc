package io.enginel.cache;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** At most one load per key in flight; every caller gets its result. */
class SingleFlightTest {

  @Test
  void manyConcurrentCallersOfOneKeyCauseOneLoad() throws Exception {
    SingleFlight<String> flight = new SingleFlight<>();
    AtomicInteger loads = new AtomicInteger();
    Promise<String> load = Promise.promise();
    int callers = 64;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Future<String>>> calls = new ArrayList<>();
    try {
      for (int i = 0; i < callers; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> {
          await(go);
          return flight.run("design:1:detail", () -> {
            loads.incrementAndGet();
            return load.future();
          });
        }, pool));
      }
      go.countDown();
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

      assertThat(loads).hasValue(1);
      assertThat(flight.inFlight()).isEqualTo(1);
      assertThat(flight.joins()).isEqualTo(callers - 1);

      load.complete("the answer");
      for (CompletableFuture<Future<String>> call : calls) {
        assertThat(call.get().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("the answer");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLookupThatBeganBeforeALoadEndedIsToldToLookAgain() {
    SingleFlight<String> flight = new SingleFlight<>();
    long lookupBegan = System.nanoTime();
    assertThat(flight.endedSince("k", lookupBegan)).isFalse();
    flight.run("k", () -> io.vertx.core.Future.succeededFuture("v"));
    assertThat(flight.endedSince("k", lookupBegan)).as("the load ended after the lookup began").isTrue();
    assertThat(flight.endedSince("k", System.nanoTime())).as("a lookup after the load ended").isFalse();
    assertThat(flight.endedSince("other", lookupBegan)).isFalse();
  }

  @Test
  void differentKeysLoadIndependently() {
    SingleFlight<String> flight = new SingleFlight<>();
    AtomicInteger loads = new AtomicInteger();
    Promise<String> a = Promise.promise();
    Promise<String> b = Promise.promise();

    Future<String> fa = flight.run("a", () -> {
      loads.incrementAndGet();
      return a.future();
    });
    Future<String> fb = flight.run("b", () -> {
      loads.incrementAndGet();
      return b.future();
    });
    b.complete("B");

    assertThat(loads).hasValue(2);
    assertThat(fb.result()).isEqualTo("B");
    assertThat(fa.isComplete()).isFalse();
  }

  @Test
  void failureOfTheLoadReachesEveryCaller() {
    SingleFlight<String> flight = new SingleFlight<>();
    Promise<String> load = Promise.promise();
    List<Future<String>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(flight.run("k", load::future));
    }
    IllegalStateException boom = new IllegalStateException("database away");

    load.fail(boom);

    assertThat(calls).allSatisfy(f -> {
      assertThat(f.failed()).isTrue();
      assertThat(f.cause()).isSameAs(boom);
    });
  }

  @Test
  void loaderThatThrowsFailsTheCallerAndFreesTheKey() {
    SingleFlight<String> flight = new SingleFlight<>();

    Future<String> f = flight.run("k", () -> {
      throw new IllegalArgumentException("bad query");
    });

    assertThat(f.failed()).isTrue();
    assertThat(f.cause()).hasMessage("bad query");
    assertThat(flight.inFlight()).isZero();
    assertThat(flight.run("k", () -> Future.succeededFuture("ok")).result()).isEqualTo("ok");
  }

  @Test
  void keyIsFreedAfterCompletionSoTheNextCallLoadsAgain() {
    SingleFlight<String> flight = new SingleFlight<>();
    AtomicInteger loads = new AtomicInteger();
    Promise<String> first = Promise.promise();

    Future<String> f1 = flight.run("k", () -> {
      loads.incrementAndGet();
      return first.future();
    });
    first.complete("v1");
    Future<String> f2 = flight.run("k", () -> {
      loads.incrementAndGet();
      return Future.succeededFuture("v2");
    });

    assertThat(f1.result()).isEqualTo("v1");
    assertThat(f2.result()).isEqualTo("v2");
    assertThat(loads).hasValue(2);
    assertThat(flight.inFlight()).isZero();
  }

  @Test
  void keyIsFreedAfterAFailure() {
    SingleFlight<String> flight = new SingleFlight<>();
    Promise<String> first = Promise.promise();
    flight.run("k", first::future);

    first.fail("no");

    assertThat(flight.inFlight()).isZero();
    assertThat(flight.run("k", () -> Future.succeededFuture("again")).result()).isEqualTo("again");
  }

  @Test
  void everyCallerIsAnsweredOnItsOwnContext() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      SingleFlight<String> flight = new SingleFlight<>();
      Promise<String> load = Promise.promise();
      Context starter = vertx.getOrCreateContext();
      Context joiner = vertx.getOrCreateContext();
      Context loader = vertx.getOrCreateContext();
      CompletableFuture<Context> starterAnsweredOn = new CompletableFuture<>();
      CompletableFuture<Context> joinerAnsweredOn = new CompletableFuture<>();
      CountDownLatch starterAsked = new CountDownLatch(1);
      CountDownLatch joinerAsked = new CountDownLatch(1);

      starter.runOnContext(v -> {
        flight.run("k", load::future).onComplete(ar -> starterAnsweredOn.complete(Vertx.currentContext()));
        starterAsked.countDown();
      });
      assertThat(starterAsked.await(5, TimeUnit.SECONDS)).isTrue();
      joiner.runOnContext(v -> {
        flight.run("k", load::future).onComplete(ar -> joinerAnsweredOn.complete(Vertx.currentContext()));
        joinerAsked.countDown();
      });
      assertThat(joinerAsked.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(flight.joins()).isEqualTo(1);
      // the load completes elsewhere (a reply arriving on another event loop)
      loader.runOnContext(v -> load.complete("done"));

      assertThat(joinerAnsweredOn.get(5, TimeUnit.SECONDS)).isSameAs(joiner);
      assertThat(starterAnsweredOn.get(5, TimeUnit.SECONDS)).isSameAs(starter);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
