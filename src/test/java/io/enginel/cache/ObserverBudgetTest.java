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
    budget.finished(Duration.ofMillis(70).toNanos());
    assertThat(budget.tryStart()).as("credit of 20 ms spent by 70 ms").isFalse();
    time.advance(Duration.ofMillis(2400));
    assertThat(budget.tryStart()).as("50 ms of debt, 48 ms paid off").isFalse();
    time.advance(Duration.ofMillis(200));
    assertThat(budget.tryStart()).isTrue();
  }

  @Test
  void aStalledDatabaseSilencesTheObserverForSecondsNotForTheTimeItWaited() {
    ObserverBudget budget = new ObserverBudget(time, 4, 1000, 20);
    for (int i = 0; i < 4; i++) {
      assertThat(budget.tryStart()).isTrue();
    }
    time.advance(Duration.ofSeconds(10));
    for (int i = 0; i < 4; i++) {
      budget.finished(Duration.ofSeconds(10).toNanos()); // each waited out a query timeout
    }
    assertThat(budget.credit()).isEqualTo(-Duration.ofMillis(100).toNanos()); // five seconds' worth at most
    time.advance(Duration.ofSeconds(5));
    assertThat(budget.tryStart()).isFalse();
    time.advance(Duration.ofMillis(100));
    assertThat(budget.tryStart()).as("40 s of waiting paid off in a little over 5 s").isTrue();
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
