package io.enginel.domain;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A kept set of matches counts and pages exactly what sorting all the matches of its organizations would: every
 * range of keys (bounds on a key, between keys, on ties, none), both directions, ties broken by id in PostgreSQL's
 * unsigned order, any offset and size.
 */
class MatchSetTest {
  private record Match(long key, UUID id) {}

  /** PostgreSQL's uuid order: bytes compared unsigned, most significant half first. */
  private static final Comparator<UUID> UUID_ORDER = (a, b) -> {
    int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
    return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
  };

  private static Comparator<Match> order(boolean descending) {
    Comparator<Match> byKey = Comparator.comparingLong(Match::key);
    return (descending ? byKey.reversed() : byKey).thenComparing(Match::id, UUID_ORDER);
  }

  private static MatchSet set(List<Match> matches, boolean descending) {
    List<Match> sorted = new ArrayList<>(matches);
    sorted.sort(order(descending));
    MatchSet.Writer w = MatchSet.writer();
    sorted.forEach(m -> w.add(m.key(), m.id()));
    return MatchSet.of(w.bytes());
  }

  @Test
  void pagesAndCountsAreThoseOfAllMatchesSortedTogether() {
    Random random = new Random(5);
    long[] instants = {1_000_000L, 1_000_001L, 2_000_000L, 5_000_000L, 5_000_000L, 9_999_999L};
    for (int round = 0; round < 400; round++) {
      boolean descending = random.nextBoolean();
      int organizations = 1 + random.nextInt(4);
      List<List<Match>> perOrganization = new ArrayList<>();
      List<Match> all = new ArrayList<>();
      for (int o = 0; o < organizations; o++) {
        List<Match> own = new ArrayList<>();
        int n = random.nextInt(30);
        for (int i = 0; i < n; i++) {
          // few distinct keys, so that ties are common; ids with the top bit set or not
          Match m = new Match(instants[random.nextInt(instants.length)], new UUID(random.nextLong(), random.nextLong()));
          own.add(m);
          all.add(m);
        }
        perOrganization.add(own);
      }
      long after = random.nextInt(3) == 0 ? Long.MIN_VALUE : instants[random.nextInt(instants.length)]
          + random.nextInt(3) - 1;
      long before = random.nextInt(3) == 0 ? Long.MAX_VALUE : instants[random.nextInt(instants.length)]
          + random.nextInt(3) - 1;
      int size = 1 + random.nextInt(10);
      long offset = random.nextInt(4) == 0 ? random.nextInt(100) : (long) random.nextInt(4) * size;

      List<MatchSet> sets = new ArrayList<>();
      perOrganization.forEach(own -> sets.add(set(own, descending)));
      MatchSet.Page page = MatchSet.page(sets, descending, after, before, offset, size);

      List<Match> expected = all.stream().filter(m -> m.key() >= after && m.key() < before)
          .sorted(order(descending)).toList();
      List<Match> expectedPage = expected.subList((int) Math.min(offset, expected.size()),
          (int) Math.min(offset + size, expected.size()));
      assertThat(page.count()).as("round %d", round).isEqualTo(expected.size());
      assertThat(page.ids()).as("round %d", round).containsExactlyElementsOf(
          expectedPage.stream().map(Match::id).toList());
      assertThat(page.keys()).as("round %d", round).containsExactly(
          expectedPage.stream().mapToLong(Match::key).toArray());
    }
  }

  @Test
  void aRangeIncludesItsLowerBoundAndExcludesItsUpperBound() {
    UUID id = UUID.randomUUID();
    MatchSet one = set(List.of(new Match(100, id)), true);

    assertThat(MatchSet.page(List.of(one), true, 100, Long.MAX_VALUE, 0, 5).count()).isEqualTo(1);
    assertThat(MatchSet.page(List.of(one), true, 101, Long.MAX_VALUE, 0, 5).count()).isZero();
    assertThat(MatchSet.page(List.of(one), true, Long.MIN_VALUE, 101, 0, 5).count()).isEqualTo(1);
    assertThat(MatchSet.page(List.of(one), true, Long.MIN_VALUE, 100, 0, 5).count()).isZero();
    assertThat(MatchSet.page(List.of(one), false, 100, 100, 0, 5).count()).isZero();
  }

  @Test
  void aPageTooDeepToMergeWithinItsBudgetIsLeftToTheCallerAndAPagePastTheEndCostsNoMerge() {
    List<Match> many = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      many.add(new Match(i, new UUID(0, i)));
    }
    List<MatchSet> sets = List.of(set(many, true), set(many, true));

    assertThat(MatchSet.page(sets, true, Long.MIN_VALUE, Long.MAX_VALUE, 990, 20, 2_000)).isNull();
    assertThat(MatchSet.page(sets, true, Long.MIN_VALUE, Long.MAX_VALUE, 960, 20, 2_000)).isNotNull();
    MatchSet.Page past = MatchSet.page(sets, true, Long.MIN_VALUE, Long.MAX_VALUE, 5_000, 20, 1);
    assertThat(past.count()).isEqualTo(2_000);
    assertThat(past.ids()).isEmpty();
  }

  @Test
  void idsAreOrderedAsPostgresOrdersUuidsUnsigned() {
    UUID high = UUID.fromString("f0000000-0000-0000-0000-000000000000");
    UUID low = UUID.fromString("10000000-0000-0000-0000-000000000000");
    MatchSet a = set(List.of(new Match(7, high)), true);
    MatchSet b = set(List.of(new Match(7, low)), true);

    assertThat(MatchSet.page(List.of(a, b), true, Long.MIN_VALUE, Long.MAX_VALUE, 0, 2).ids())
        .containsExactly(low, high);
  }

  @Test
  void aSetKeepsAtMostItsLimitAndSaysWhenItHadMore() {
    MatchSet.Writer full = MatchSet.writer();
    for (int i = 0; i < MatchSet.MAX_MATCHES; i++) {
      full.add(MatchSet.MAX_MATCHES - i, new UUID(0, i));
    }
    assertThat(MatchSet.of(full.bytes()).complete()).isTrue();

    full.add(-1, new UUID(0, -1));
    MatchSet over = MatchSet.of(full.bytes());
    assertThat(over.complete()).isFalse();
    assertThat(over.size()).isEqualTo(MatchSet.MAX_MATCHES);
  }

  @Test
  void bytesThatAreNotASetAreRefused() {
    assertThatThrownBy(() -> MatchSet.of(Buffer.buffer("{\"count\":1}"))).isInstanceOf(IllegalArgumentException.class);
    Buffer cut = MatchSet.writer().add(1, new UUID(1, 1)).bytes();
    assertThatThrownBy(() -> MatchSet.of(cut.getBuffer(0, cut.length() - 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
