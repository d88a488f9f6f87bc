package io.enginel.cache;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease under which a clustered process serves its near cache, read from the epoch in Redis. */
class NearLeaseTest {

  @Test
  void aLoneProcessNeedsNoLease() {
    assertThat(new NearLease(false).valid()).isTrue();
  }

  @Test
  void aClusteredProcessServesCopiesOnlyWithinALeaseOfItsLastReadOfTheEpoch() throws InterruptedException {
    NearLease lease = new NearLease(true);
    assertThat(lease.valid()).as("before its first read").isFalse();

    lease.observed("3", System.nanoTime(), () -> {});
    assertThat(lease.valid()).isTrue();

    Thread.sleep(NearLease.LEASE_MS + 100);
    assertThat(lease.valid()).as("no read for longer than the lease").isFalse();

    lease.observed("3", System.nanoTime(), () -> {});
    assertThat(lease.valid()).isTrue();
  }

  @Test
  void aLeaseRunsFromWhenTheReadWasSentNotWhenItsAnswerCame() {
    NearLease lease = new NearLease(true);
    long sentLongAgo = System.nanoTime() - java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(NearLease.LEASE_MS + 1);

    lease.observed("1", sentLongAgo, () -> {});

    assertThat(lease.valid()).isFalse();
  }

  @Test
  void anAdvancedOrVanishedEpochDropsEveryCopyButTheFirstReadDoesNot() {
    NearLease lease = new NearLease(true);
    AtomicInteger drops = new AtomicInteger();

    assertThat(lease.observed(null, System.nanoTime(), drops::incrementAndGet)).isFalse();
    assertThat(lease.observed(null, System.nanoTime(), drops::incrementAndGet)).isFalse();
    assertThat(lease.observed("1", System.nanoTime(), drops::incrementAndGet)).isTrue();
    assertThat(lease.observed("1", System.nanoTime(), drops::incrementAndGet)).isFalse();
    // Redis restarted empty: the key is gone
    assertThat(lease.observed(null, System.nanoTime(), drops::incrementAndGet)).isTrue();

    assertThat(drops.get()).isEqualTo(2);
  }

  @Test
  void onePollAtATime() {
    NearLease lease = new NearLease(true);
    assertThat(lease.startPoll()).isTrue();
    assertThat(lease.startPoll()).isFalse();
    lease.endPoll();
    assertThat(lease.startPoll()).isTrue();
  }
}
