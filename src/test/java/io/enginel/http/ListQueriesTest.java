package io.enginel.http;

import io.enginel.cache.CacheKeys;
import io.enginel.domain.ApiError;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Resources;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A list's query string is parsed once per event loop, and what is kept is exactly what a parse answers. */
class ListQueriesTest {
  private static final String HOT_LIST = "upload_status=COMPLETED&ordering=-created_at&page=2&page_size=20";

  private final ListQueries queries = new ListQueries(20, 100);
  private final AtomicInteger decoded = new AtomicInteger();

  @Test
  void aQueryStringIsParsedOnceAndAnsweredWithItsKeyPart() {
    ListQueries.Parsed first = queries.of(HOT_LIST, params(HOT_LIST), Resources.DESIGNS, Map.of(), null);
    ListQueries.Parsed again = queries.of(HOT_LIST, params(HOT_LIST), Resources.DESIGNS, Map.of(), null);

    assertThat(decoded).hasValue(1);
    assertThat(again).isSameAs(first);
    assertThat(first.query()).isEqualTo(fresh(HOT_LIST, Map.of(), null));
    assertThat(first.query().page()).isEqualTo(2);
    assertThat(first.keyPart()).isEqualTo(CacheKeys.queryPart(first.query().canonical()))
        .isEqualTo("ordering=-created_at&page=2&page_size=20&upload_status=COMPLETED");
  }

  @Test
  void theSameStringForAnotherResourceParentOrDefaultOrderingIsParsedForIt() {
    String query = "page=1";
    ListQueries.Parsed designs = queries.of(query, params(query), Resources.DESIGNS, Map.of(), null);
    ListQueries.Parsed series = queries.of(query, params(query), Resources.SERIES, Map.of(), null);
    ListQueries.Parsed versionsOfA = queries.of(query, params(query), Resources.DESIGNS, Map.of("series", "a"), "-version");
    ListQueries.Parsed versionsOfB = queries.of(query, params(query), Resources.DESIGNS, Map.of("series", "b"), "-version");
    ListQueries.Parsed otherOrdering = queries.of(query, params(query), Resources.DESIGNS, Map.of("series", "b"), "version");

    assertThat(decoded).hasValue(5);
    assertThat(designs.query().resource()).isEqualTo(Resources.DESIGNS);
    assertThat(series.query().resource()).isEqualTo(Resources.SERIES);
    assertThat(versionsOfA.query().fixed()).containsEntry("series", "a");
    assertThat(versionsOfB.query().fixed()).containsEntry("series", "b");
    assertThat(versionsOfB.query().ordering()).containsExactly("-version");
    assertThat(otherOrdering.query().ordering()).containsExactly("version");
  }

  @Test
  void aRefusedQueryStringIsRefusedEveryTimeAndKeepsNothing() {
    String bad = "ordering=password&page=1";
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> queries.of(bad, params(bad), Resources.DESIGNS, Map.of(), null))
          .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("Cannot order by 'password'");
    }
    assertThat(decoded).hasValue(3);
  }

  @Test
  void aLongQueryStringIsParsedEveryTime() {
    String query = HOT_LIST + "&utm_campaign=" + "x".repeat(ListQueries.MAX_KEPT_LENGTH); // unknown: ignored
    ListQueries.Parsed first = queries.of(query, params(query), Resources.DESIGNS, Map.of(), null);
    ListQueries.Parsed again = queries.of(query, params(query), Resources.DESIGNS, Map.of(), null);
    assertThat(decoded).hasValue(2);
    assertThat(again.query()).isEqualTo(first.query());
  }

  @Test
  void aQueryOrderedByManyTermsIsParsedEveryTime() {
    String query = "ordering=filename,-version,created_at,-file_size,updated_at";
    queries.of(query, params(query), Resources.DESIGNS, Map.of(), null);
    queries.of(query, params(query), Resources.DESIGNS, Map.of(), null);
    assertThat(decoded).hasValue(2);
  }

  @Test
  void onlyAnOriginFormTargetWithoutAFragmentStandsForItsParameters() {
    assertThat(ListQueries.keyable("/api/designs/?page=2")).isTrue();
    assertThat(ListQueries.keyable("/api/designs/")).isTrue();
    assertThat(ListQueries.keyable("http://x#y/api/designs/?page=2")).as("the decoder stops at the '#'").isFalse();
    assertThat(ListQueries.keyable("/api/designs/?page=2#top")).isFalse();
    assertThat(ListQueries.keyable("http://127.0.0.1/api/designs/?page=2")).isFalse();
    assertThat(ListQueries.keyable("*")).isFalse();
    assertThat(ListQueries.keyable(null)).isFalse();
  }

  @Test
  void theParsedQueryCannotBeChangedByWhoeverHoldsIt() {
    ListQuery q = queries.of(HOT_LIST, params(HOT_LIST), Resources.DESIGNS, Map.of(), null).query();
    assertThatThrownBy(() -> q.filters().put("upload_status", "FAILED")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> q.ordering().add("filename")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void manyQueryStringsSharingSlotsEachGetTheirOwnParse() {
    SplittableRandom random = new SplittableRandom(20261205);
    List<String> statuses = List.of("COMPLETED", "FAILED", "PENDING", "PROCESSING");
    List<String> orderings = List.of("-created_at", "filename", "-file_size", "version,-created_at");
    for (int i = 0; i < 3 * ListQueries.SLOTS; i++) {
      // a few hundred distinct strings asked for again and again, many more than fit without sharing a slot
      String query = "upload_status=" + statuses.get(random.nextInt(4)) + "&ordering="
          + orderings.get(random.nextInt(4)) + "&page=" + (1 + random.nextInt(40)) + "&search=w%20" + random.nextInt(5);
      ListQueries.Parsed parsed = queries.of(query, params(query), Resources.DESIGNS, Map.of(), null);
      ListQuery expected = fresh(query, Map.of(), null);
      assertThat(parsed.query()).isEqualTo(expected);
      assertThat(parsed.keyPart()).isEqualTo(CacheKeys.queryPart(expected.canonical()));
    }
    assertThat(decoded.get()).isLessThan(3 * ListQueries.SLOTS);
  }

  private Supplier<Map<String, String>> params(String query) {
    return () -> {
      decoded.incrementAndGet();
      return decode(query);
    };
  }

  private static ListQuery fresh(String query, Map<String, String> fixed, String defaultOrdering) {
    return ListQuery.parse(Resources.DESIGNS, decode(query), fixed, defaultOrdering, 20, 100);
  }

  private static Map<String, String> decode(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    new QueryStringDecoder(query, StandardCharsets.UTF_8, false).parameters().forEach((k, v) -> out.put(k, v.get(0)));
    return out;
  }
}
