package io.enginel.cache;

import io.enginel.support.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease under which a clustered process uses its near cache and principals, read from the epoch in Redis. */
class MemoryLeaseTest {
  private final FakeTicker ticker = new FakeTicker();

  @Test
  void aLoneProcessNeedsNoLease() {
    assertThat(new MemoryLease(false, ticker).valid()).isTrue();
  }

  @Test
  void aClusteredProcessServesCopiesOnlyWithinALeaseOfItsLastReadOfTheEpoch() {
    MemoryLease lease = new MemoryLease(true, ticker);
    assertThat(lease.valid()).as("before its first read").isFalse();

    lease.observed("3", ticker.read());
    assertThat(lease.valid()).isTrue();

    ticker.advance(Duration.ofMillis(MemoryLease.LEASE_MS + 100));
    assertThat(lease.valid()).as("no read for longer than the lease").isFalse();

    lease.observed("3", ticker.read());
    assertThat(lease.valid()).isTrue();
  }

  @Test
  void aLeaseRunsFromWhenTheReadWasSentNotWhenItsAnswerCame() {
    MemoryLease lease = new MemoryLease(true, ticker);
    long sentLongAgo = ticker.read();
    ticker.advance(Duration.ofMillis(MemoryLease.LEASE_MS + 1));

    lease.observed("1", sentLongAgo);

    assertThat(lease.valid()).isFalse();
  }

  @Test
  void anAdvancedOrVanishedEpochDropsEveryCopyButTheFirstReadDoesNot() {
    MemoryLease lease = new MemoryLease(true, ticker);
    AtomicInteger copiesDropped = new AtomicInteger();
    AtomicInteger principalsDropped = new AtomicInteger();
    lease.onEpochChange(copiesDropped::incrementAndGet);
    lease.onEpochChange(principalsDropped::incrementAndGet);

    assertThat(lease.observed(null, ticker.read())).isFalse();
    assertThat(lease.observed(null, ticker.read())).isFalse();
    assertThat(lease.observed("1", ticker.read())).isTrue();
    assertThat(lease.observed("1", ticker.read())).isFalse();
    // Redis restarted empty: the key is gone
    assertThat(lease.observed(null, ticker.read())).isTrue();

    assertThat(copiesDropped.get()).isEqualTo(2);
    assertThat(principalsDropped.get()).isEqualTo(2);
  }

  @Test
  void onePollAtATime() {
    MemoryLease lease = new MemoryLease(true, ticker);
    assertThat(lease.startPoll()).isTrue();
    assertThat(lease.startPoll()).isFalse();
    lease.endPoll();
    assertThat(lease.startPoll()).isTrue();
  }
}
