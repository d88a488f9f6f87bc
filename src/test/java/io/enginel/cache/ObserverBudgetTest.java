package io.enginel.cache;

import io.enginel.support.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The consistency observer's budget: database time on average, a count a second, a few at once. */
class ObserverBudgetTest {
  private final FakeTicker time = new FakeTicker();

  @Test
  void expensiveChecksAreStartedLessOftenThanCheapOnes() {
    ObserverBudget budget = new ObserverBudget(time, 4, 1000, 20);
    int cheap = checksInOneSecond(budget, Duration.ofMillis(1));
    time.advance(Duration.ofSeconds(5));
    int expensive = checksInOneSecond(budget, Duration.ofMillis(10));
    // 20 ms a second: about twenty 1 ms checks, about two 10 ms ones (plus what the full credit lends at the start)
    assertThat(cheap).isBetween(20, 41);
    assertThat(expensive).isBetween(2, 5);
  }

  @Test
  void aLongCheckIsPaidOffBeforeTheNextStarts() {
    ObserverBudget budget = new ObserverBudget(time, 4, 1000, 20);
    assertThat(budget.tryStart()).isTrue();
    budget.finished(Duration.ofMillis(500).toNanos());
    assertThat(budget.tryStart()).as("credit spent 24 times over").isFalse();
    time.advance(Duration.ofSeconds(20));
    assertThat(budget.tryStart()).as("paid off after 480 ms / 20 ms a second = 24 s").isFalse();
    time.advance(Duration.ofSeconds(5));
    assertThat(budget.tryStart()).isTrue();
  }

  @Test
  void neverMoreThanTheCountASecondNorTheChecksAtOnce() {
    ObserverBudget perSecond = new ObserverBudget(time, 100, 3, 1000);
    for (int i = 0; i < 3; i++) {
      assertThat(perSecond.tryStart()).isTrue();
      perSecond.finished(0);
    }
    assertThat(perSecond.tryStart()).isFalse();
    time.advance(Duration.ofSeconds(1));
    assertThat(perSecond.tryStart()).isTrue();

    ObserverBudget atOnce = new ObserverBudget(time, 2, 100, 1000);
    assertThat(atOnce.tryStart()).isTrue();
    assertThat(atOnce.tryStart()).isTrue();
    assertThat(atOnce.tryStart()).as("two running").isFalse();
    atOnce.finished(Duration.ofMillis(1).toNanos());
    assertThat(atOnce.tryStart()).isTrue();
  }

  @Test
  void creditNeverExceedsOneSecondsWorth() {
    ObserverBudget budget = new ObserverBudget(time, 4, 1000, 20);
    time.advance(Duration.ofHours(1));
    assertThat(budget.credit()).isEqualTo(Duration.ofMillis(20).toNanos());
  }

  /** Starts checks that each take {@code each} for one second of fake time, one attempt a millisecond. */
  private int checksInOneSecond(ObserverBudget budget, Duration each) {
    int started = 0;
    for (int ms = 0; ms < 1000; ms++) {
      if (budget.tryStart()) {
        started++;
        budget.finished(each.toNanos());
      }
      time.advance(Duration.ofMillis(1));
    }
    return started;
  }
}
