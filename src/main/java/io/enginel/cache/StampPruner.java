package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keeps a tier's invalidation state small. Once a minute one process (the holder of {@code <prefix>:_inv:prune})
 * notes the tier's clock with Redis' own time ({@code <prefix>:_inv:marks}); the newest mark older than the
 * longest an entry can live (the tier's longest TTL, plus the longest a fill may take, plus a minute) becomes the
 * floor: entries and fills of an older sequence are refused — none can still be alive — and the stamps below it,
 * which can no longer invalidate anything alive, are deleted (each re-checked in Redis, so a tag stamped again
 * meanwhile keeps its stamp). A lost mark or lease costs memory for a while, never correctness.
 */
final class StampPruner {
  private static final long LEASE_MS = 55_000;
  private static final int MARKS_KEPT = 400;
  private static final int SCAN_COUNT = 1000;

  private final Map<Tier, TierClient> clients;
  private final CacheKeys keys;
  private final EnginelConfig config;
  private final String owner;

  StampPruner(Map<Tier, TierClient> clients, CacheKeys keys, EnginelConfig config, String owner) {
    this.clients = clients;
    this.keys = keys;
    this.config = config;
    this.owner = owner;
  }

  /** Seconds after which no entry of the tier can be alive, nor a fill of a ticket that old be attempted. */
  long horizonSeconds(Tier tier) {
    return ResponseStore.longestTtl(config, tier) + config.cache().maxFillAgeMs() / 1000 + 60;
  }

  /** One round of pruning of a tier, if this process holds the tier's prune lease; answers the stamps deleted. */
  Future<Long> prune(Tier tier) {
    TierClient t = clients.get(tier);
    if (!t.available()) {
      return Future.succeededFuture(0L);
    }
    return t.send(Request.cmd(Command.SET).arg(t.key(keys.pruneLease())).arg(owner).arg("NX").arg("PX").arg(LEASE_MS))
        .compose(held -> held == null ? Future.succeededFuture(0L) : markAndPrune(t, tier))
        .otherwise(0L);
  }

  private Future<Long> markAndPrune(TierClient t, Tier tier) {
    String marks = t.key(keys.pruneMarks());
    Future<Response> state = t.send(Request.cmd(Command.HMGET).arg(t.stateKey).arg("i").arg("s"));
    Future<Response> time = t.send(Request.cmd(Command.TIME));
    return Future.all(state, time)
        .compose(r -> {
          Response st = state.result();
          if (st.get(0) == null) {
            return Future.succeededFuture(0L);
          }
          String inc = st.get(0).toString();
          long now = time.result().get(0).toLong();
          return t.batch(List.of(Request.cmd(Command.RPUSH).arg(marks).arg(inc + ":" + st.get(1) + ":" + now),
                  Request.cmd(Command.LTRIM).arg(marks).arg(-MARKS_KEPT).arg(-1),
                  Request.cmd(Command.LRANGE).arg(marks).arg(0).arg(-1)))
              .compose(m -> {
                long floor = floorOf(m.get(2), inc, now - horizonSeconds(tier));
                return floor <= 0 ? Future.succeededFuture(0L) : pruneBelow(t, inc, floor, "0", 0);
              });
        });
  }

  /** The sequence of the newest mark of incarnation {@code inc} taken at or before {@code before}; 0 when none. */
  static long floorOf(Response marks, String inc, long before) {
    long floor = 0;
    for (Response m : marks) {
      String[] parts = m.toString().split(":");
      if (parts.length == 3 && parts[0].equals(inc) && Long.parseLong(parts[2]) <= before) {
        floor = Math.max(floor, Long.parseLong(parts[1]));
      }
    }
    return floor;
  }

  private Future<Long> pruneBelow(TierClient t, String inc, long floor, String cursor, long gone) {
    return t.send(Request.cmd(Command.HSCAN).arg(t.stateKey).arg(cursor).arg("MATCH").arg("t:*").arg("COUNT")
        .arg(SCAN_COUNT)).compose(page -> {
          String next = page.get(0).toString();
          Response pairs = page.get(1);
          List<Object> args = new ArrayList<>();
          args.add(inc);
          args.add(floor);
          for (int i = 0; i + 1 < pairs.size(); i += 2) {
            if (pairs.get(i + 1).toLong() < floor) {
              args.add(pairs.get(i).toString());
            }
          }
          return t.evalEvenWhenFull(Scripts.PRUNE_SCRIPT, List.of(t.stateKey), args).compose(n -> "0".equals(next)
              ? Future.succeededFuture(gone + n.toLong()) : pruneBelow(t, inc, floor, next, gone + n.toLong()));
        });
  }
}
