package io.enginel.cache;

import io.enginel.support.FakeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which window a fill's tag sets belong to, and which windows an invalidation drains: windows of the tier's TTL
 * (300 s here), entries living up to the longest TTL (3,600 s). Time is a {@link FakeClock}.
 */
class TagSetWindowsTest {
  private final FakeClock clock = new FakeClock();
  private final TagSetWindows windows = new TagSetWindows(300, 3600, clock);

  @Test
  void aWindowIsTheTiersTtlLong() {
    assertWindowsLast300Seconds(windows);
  }

  @Test
  void anEntryOfTheLongestTtlFilledAtTheVeryStartOfAWindowIsInASetDrainedUntilItExpires() {
    toStartOfAWindow();
    long filledIn = windows.current();
    clock.advance(Duration.ofSeconds(3600).minusMillis(1)); // the entry's last instant alive
    assertThat(windows.live()).contains(filledIn);
    clock.advance(Duration.ofMillis(300_001)); // the last entry its window can have filled has expired too

    assertThat(windows.live()).doesNotContain(filledIn);
  }

  @Test
  void anEntryOfTheLongestTtlFilledAtTheVeryEndOfAWindowIsInASetDrainedUntilItExpires() {
    toStartOfAWindow();
    clock.advance(Duration.ofSeconds(300).minusMillis(1)); // the window's last millisecond
    long filledIn = windows.current();
    clock.advance(Duration.ofSeconds(3600).minusMillis(1)); // the entry's last instant alive
    assertThat(windows.live()).contains(filledIn);
  }

  @Test
  void theSetsDrainedAreThoseOfTheLongestTtlBackAndOfTheNextWindow() {
    toStartOfAWindow();
    clock.advance(Duration.ofSeconds(150));
    long now = windows.current();
    assertThat(windows.live()).startsWith(now - 12).endsWith(now + 1).hasSize(14);
  }

  @Test
  void aWindowAsLongAsTheLongestTtlDrainsThreeSets() {
    long now = new TagSetWindows(3600, 3600, clock).current();
    assertThat(new TagSetWindows(3600, 3600, clock).live()).containsExactly(now - 1, now, now + 1);
  }

  @Test
  void aShortTierTtlBesideALongOneGetsWindowsOfATwelfthOfTheLongest() {
    TagSetWindows shortTtl = new TagSetWindows(20, 3600, clock);
    assertThat(shortTtl.live()).hasSize(14);
    assertWindowsLast300Seconds(shortTtl);
  }

  @Test
  void aWindowMustLastASecondAtLeast() {
    assertThatThrownBy(() -> new TagSetWindows(0, 3600, clock)).isInstanceOf(IllegalArgumentException.class);
  }

  private void assertWindowsLast300Seconds(TagSetWindows w) {
    toStartOfAWindow();
    long first = w.current();
    clock.advance(Duration.ofSeconds(299));
    assertThat(w.current()).isEqualTo(first);
    clock.advance(Duration.ofSeconds(1));
    assertThat(w.current()).isEqualTo(first + 1);
  }

  private void toStartOfAWindow() {
    clock.advance(Duration.ofMillis(300_000 - clock.millis() % 300_000));
  }
}
