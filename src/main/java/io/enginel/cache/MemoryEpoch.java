package io.enginel.cache;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The Redis side of the {@link MemoryLease}, on one event loop: a writer whose eviction a cluster member did not
 * confirm changes the epoch ({@code <prefix>:_memory:epoch}, a new random value, never a counter that a lost key
 * could bring back to a value seen before) and waits out the lease; every clustered process reads the epoch on a
 * timer to renew its lease, and drops what it keeps in memory when the epoch changed or is missing.
 */
final class MemoryEpoch {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryEpoch.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final TierClient tier;
  private final String key;
  private final MemoryLease lease;

  MemoryEpoch(Vertx vertx, TierClient tier, CacheKeys keys, MemoryLease lease) {
    this.vertx = vertx;
    this.tier = tier;
    this.key = tier.key(keys.memoryEpoch());
    this.lease = lease;
  }

  /**
   * A member did not confirm an eviction: the epoch changes, so that it drops what it keeps in memory at its
   * next read of the epoch, or stops using it when its lease runs out; the caller waits for either to happen.
   */
  Future<Void> advance() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    Future<Void> changed = tier.available()
        ? tier.send(Request.cmd(Command.SET).arg(key).arg(HexFormat.of().formatHex(b))).<Void>mapEmpty()
            .onFailure(e -> LOG.warn("could not change the memory epoch: {}", e.getMessage())).otherwiseEmpty()
        : Future.succeededFuture();
    return changed.compose(v -> vertx.timer(MemoryLease.WRITER_WAIT_MS)).mapEmpty();
  }

  /** Renews this process's lease, and drops what it keeps in memory when the epoch changed (one poll at a time). */
  void poll() {
    if (!tier.available() || !lease.startPoll()) {
      return;
    }
    long sent = lease.now();
    tier.read(Request.cmd(Command.GET).arg(key)).onComplete(ar -> {
      try {
        if (ar.succeeded() && lease.observed(ar.result() == null ? null : ar.result().toString(), sent)) {
          LOG.info("memory epoch changed by another member: near-cache copies and principals dropped");
        }
      } finally {
        lease.endPoll();
      }
    });
  }
}
