package io.enginel.cache;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease under which a clustered process uses its near cache and principals, read from the epoch in Redis. */
class MemoryLeaseTest {

  @Test
  void aLoneProcessNeedsNoLease() {
    assertThat(new MemoryLease(false).valid()).isTrue();
  }

  @Test
  void aClusteredProcessServesCopiesOnlyWithinALeaseOfItsLastReadOfTheEpoch() throws InterruptedException {
    MemoryLease lease = new MemoryLease(true);
    assertThat(lease.valid()).as("before its first read").isFalse();

    lease.observed("3", System.nanoTime());
    assertThat(lease.valid()).isTrue();

    Thread.sleep(MemoryLease.LEASE_MS + 100);
    assertThat(lease.valid()).as("no read for longer than the lease").isFalse();

    lease.observed("3", System.nanoTime());
    assertThat(lease.valid()).isTrue();
  }

  @Test
  void aLeaseRunsFromWhenTheReadWasSentNotWhenItsAnswerCame() {
    MemoryLease lease = new MemoryLease(true);
    long sentLongAgo = System.nanoTime() - java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MemoryLease.LEASE_MS + 1);

    lease.observed("1", sentLongAgo);

    assertThat(lease.valid()).isFalse();
  }

  @Test
  void anAdvancedOrVanishedEpochDropsEveryCopyButTheFirstReadDoesNot() {
    MemoryLease lease = new MemoryLease(true);
    AtomicInteger copiesDropped = new AtomicInteger();
    AtomicInteger principalsDropped = new AtomicInteger();
    lease.onEpochChange(copiesDropped::incrementAndGet);
    lease.onEpochChange(principalsDropped::incrementAndGet);

    assertThat(lease.observed(null, System.nanoTime())).isFalse();
    assertThat(lease.observed(null, System.nanoTime())).isFalse();
    assertThat(lease.observed("1", System.nanoTime())).isTrue();
    assertThat(lease.observed("1", System.nanoTime())).isFalse();
    // Redis restarted empty: the key is gone
    assertThat(lease.observed(null, System.nanoTime())).isTrue();

    assertThat(copiesDropped.get()).isEqualTo(2);
    assertThat(principalsDropped.get()).isEqualTo(2);
  }

  @Test
  void onePollAtATime() {
    MemoryLease lease = new MemoryLease(true);
    assertThat(lease.startPoll()).isTrue();
    assertThat(lease.startPoll()).isFalse();
    lease.endPoll();
    assertThat(lease.startPoll()).isTrue();
  }
}
