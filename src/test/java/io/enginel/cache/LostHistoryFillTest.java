package io.enginel.cache;

import io.enginel.config.Tier;
import io.enginel.domain.Resources;
import io.enginel.domain.Tags;
import io.enginel.support.HeldRead;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fill checks that Redis still holds the history its lookup read. A miss reads its ticket (the clock and the mark
 * of its last invalidation), then Redis goes back in time (a restored snapshot, a lagging replica promoted) and
 * another node's invalidations bring the sequence back to the ticket's — stamping the miss's own tag at that very
 * sequence, which the stamps alone cannot tell from a write before the ticket. The ticket's sequence now carries
 * another mark, so the fill is refused. Without Redis going back, a write elsewhere between lookup and fill leaves
 * the fill stored. The other nodes are played by running the invalidation script in Redis directly, as they do.
 */
class LostHistoryFillTest {
  static TestServer s;
  static CacheKeys keys;
  static UUID org;
  static UUID series;
  static UUID lost;
  static UUID kept;
  static UUID elsewhere;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      org = f.organization("History Org");
      f.member(org, f.user("alice"), "ADMIN");
      series = f.series(org, "PN-HIST");
      lost = f.design(series, "lost.stl", "old");
      kept = f.design(series, "kept.stl", "old");
      elsewhere = f.design(series, "elsewhere.stl", "old");
      return null;
    }).server();
    keys = new CacheKeys(s.prefix());
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void aFillWhoseTicketRedisLostIsRefusedWhenOtherInvalidationsReachItsSequenceAgain() {
    String state = state();
    Buffer snapshot = s.redis(Tier.DEFAULT, "DUMP", state).toBuffer(); // Redis's last snapshot: sequence n
    writeElsewhere(); // sequence n + 1, on the history about to be lost
    String key = keys.designDetail(lost.toString());
    HeldRead miss = HeldRead.loading(s, Tier.DEFAULT, key, "designs"); // its ticket: n + 1 and that history's mark
    long ticket = sequence();

    s.redis(Tier.DEFAULT, "RESTORE", state, "0", snapshot, "REPLACE"); // Redis comes back from the snapshot: n
    assertThat(sequence()).isEqualTo(ticket - 1);
    invalidateOnAnotherNode(Tags.of(Resources.DESIGNS, lost.toString())); // the design written: n + 1 again
    assertThat(sequence()).as("the ticket's sequence reached again, by another history").isEqualTo(ticket);

    Answer answered = release(miss, lost);
    assertThat(answered.stored()).as("the fill read on the lost history is refused").isFalse();
    assertThat(s.redisExists(Tier.DEFAULT, key)).as("nothing stored for the key").isFalse();
    HttpResult read = s.get("/api/designs/" + lost, alice);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.xCache()).isEqualTo("MISS");
    assertThat(read.json().containsKey("read_by")).as("the held miss's body is not served").isFalse();
  }

  @Test
  void aFillWhoseHistoryOnlyMovedOnIsStored() {
    String key = keys.designDetail(kept.toString());
    HeldRead miss = HeldRead.loading(s, Tier.DEFAULT, key, "designs");
    long ticket = sequence();
    invalidateOnAnotherNode(Tags.of(Resources.DESIGNS, elsewhere.toString())); // a write elsewhere, same history
    assertThat(sequence()).isEqualTo(ticket + 1);

    assertThat(release(miss, kept).stored()).as("an unrelated write does not refuse the fill").isTrue();
    HttpResult read = s.get("/api/designs/" + kept, alice);
    assertThat(read.xCache()).isEqualTo("HIT");
    assertThat(read.json().getString("read_by")).isEqualTo("the held miss");
  }

  @Test
  void everyInvalidationMarksItsSequenceInItsSlot() {
    invalidateOnAnotherNode(Tags.of(Resources.DESIGNS, elsewhere.toString()));
    long now = sequence();
    String mark = s.redis(Tier.DEFAULT, "HGET", state(), "h").toString();
    assertThat(s.redis(Tier.DEFAULT, "HGET", state(), "m:" + now % Scripts.MARK_SLOTS).toString()).isEqualTo(mark);
    invalidateOnAnotherNode(Tags.of(Resources.DESIGNS, elsewhere.toString()));
    assertThat(s.redis(Tier.DEFAULT, "HGET", state(), "m:" + now % Scripts.MARK_SLOTS).toString())
        .as("the earlier sequence keeps its mark").isEqualTo(mark);
    assertThat(s.redis(Tier.DEFAULT, "HGET", state(), "m:" + (now + 1) % Scripts.MARK_SLOTS).toString())
        .isEqualTo(s.redis(Tier.DEFAULT, "HGET", state(), "h").toString()).isNotEqualTo(mark);
  }

  private static void writeElsewhere() {
    assertThat(s.patch("/api/designs/" + elsewhere, alice, new JsonObject().put("description", "w " + UUID.randomUUID()))
        .status()).isEqualTo(200);
  }

  /** Another node's invalidation of {@code tag}: the script every node runs, unseen by this one. */
  private static void invalidateOnAnotherNode(String tag) {
    s.redis(Tier.DEFAULT, "EVAL", Scripts.INVALIDATE, "1", state(), "0", "0", tag);
  }

  private static Answer release(HeldRead miss, UUID design) {
    return miss.releaseDesign(org, series, design, "old");
  }

  private static String state() {
    return s.storedKey(Tier.DEFAULT, s.prefix() + ":_inv");
  }

  private static long sequence() {
    return s.redis(Tier.DEFAULT, "HGET", state(), "s").toLong();
  }
}
