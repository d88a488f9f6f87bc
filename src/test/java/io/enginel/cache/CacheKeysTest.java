package io.enginel.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Key naming: the seed's CacheKey builders, every variable part encoded, long parts hashed. */
class CacheKeysTest {
  private static final String DESIGN = "550e8400-e29b-41d4-a716-446655440000";
  private static final String ORG = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  private static final String HOSTILE = "a*b?c[d]e\\f g\th\r\ni\u0000j\u0007k\u007fl:m%n\u00e9o";

  private final CacheKeys keys = new CacheKeys("enginel");

  @Test
  void designKeysFollowTheSeed() {
    assertThat(keys.designDetail(DESIGN)).isEqualTo("enginel:design:" + DESIGN + ":detail");
    assertThat(keys.designMetadata(DESIGN)).isEqualTo("enginel:design:" + DESIGN + ":metadata");
    assertThat(keys.designBom(DESIGN)).isEqualTo("enginel:design:" + DESIGN + ":bom");
    assertThat(keys.designList("o1f2", "ordering=-created_at&page=1&page_size=20"))
        .isEqualTo("enginel:design:list:o1f2:ordering=-created_at&page=1&page_size=20");
  }

  @Test
  void organizationKeysFollowTheSeed() {
    assertThat(keys.orgDetail(ORG)).isEqualTo("enginel:organization:" + ORG + ":detail");
    assertThat(keys.orgStorage(ORG)).isEqualTo("enginel:organization:" + ORG + ":storage");
    assertThat(keys.orgMembers(ORG, "ordering=username&page=1&page_size=20"))
        .isEqualTo("enginel:organization:" + ORG + ":members:ordering=username&page=1&page_size=20");
  }

  @Test
  void userKeysFollowTheSeed() {
    assertThat(keys.userDetail("42")).isEqualTo("enginel:user:42:detail");
    assertThat(keys.userMe("42")).isEqualTo("enginel:user:42:me");
    assertThat(keys.userPermissions(1, ORG)).isEqualTo("enginel:user:1:permissions:" + ORG);
    assertThat(keys.userPermissions(1, null)).isEqualTo("enginel:user:1:permissions");
    assertThat(keys.userOrganizations(1)).isEqualTo("enginel:user:1:organizations");
  }

  @Test
  void seriesAndReviewKeysFollowTheSeed() {
    assertThat(keys.seriesDetail("s1")).isEqualTo("enginel:series:s1:detail");
    assertThat(keys.seriesVersions("s1", "ordering=-version&page=1&page_size=20"))
        .isEqualTo("enginel:series:s1:versions:ordering=-version&page=1&page_size=20");
    assertThat(keys.reviewDetail("r1")).isEqualTo("enginel:review:r1:detail");
    assertThat(keys.reviewMarkups("r1", "ordering=created_at&page=1&page_size=20"))
        .isEqualTo("enginel:review:r1:markups:ordering=created_at&page=1&page_size=20");
  }

  @Test
  void genericBuildersFollowTheSameHierarchy() {
    assertThat(keys.detail("node", "n1")).isEqualTo("enginel:node:n1:detail");
    assertThat(keys.list("job", "u17", "page=2")).isEqualTo("enginel:job:list:u17:page=2");
    assertThat(keys.make("design", 123, "metadata")).isEqualTo("enginel:design:123:metadata");
    assertThat(keys.session("ab12")).isEqualTo("enginel:session:ab12");
    assertThat(keys.searchResults("DesignAsset", "bracket", Map.of("format", "step", "status", "COMPLETED")))
        .isEqualTo("enginel:search:DesignAsset:q=bracket&format=step&status=COMPLETED");
  }

  @Test
  void bookkeepingKeysLiveUnderTheReservedUnderscoreSegment() {
    assertThat(keys.invalidationState()).isEqualTo("enginel:_inv");
    assertThat(keys.tagSet(2_950_000, "design:1")).isEqualTo("enginel:_tag:2950000:design:1");
    assertThat(keys.memoryEpoch()).isEqualTo("enginel:_memory:epoch");
    assertThat(keys.pruneMarks()).startsWith("enginel:_");
  }

  @Test
  void everyVariablePartIsEncodedSoNoKeyHoldsAGlobWhiteSpaceOrControlCharacter() {
    List<Function<String, String>> builders = List.of(
        keys::designDetail, keys::designBom, keys::designMetadata, keys::orgDetail, keys::orgStorage,
        keys::userDetail, keys::userMe, keys::seriesDetail, keys::reviewDetail, keys::session,
        v -> keys.designList(v, v), v -> keys.orgMembers(v, v), v -> keys.seriesVersions(v, v),
        v -> keys.reviewMarkups(v, v), v -> keys.list(v, v, v), v -> keys.detail(v, v), v -> keys.make(v, v, v),
        v -> keys.userPermissions(3, v), v -> keys.searchResults(v, v, Map.of(v, v)));
    for (Function<String, String> builder : builders) {
      String key = builder.apply(HOSTILE);
      assertThat(key).as(key).startsWith("enginel:");
      assertThat(key.chars()).as(key).noneMatch(c -> c == '*' || c == '?' || c == '[' || c == ']' || c == '\\'
          || Character.isWhitespace(c) || Character.isISOControl(c) || c > 0x7e);
    }
  }

  @Test
  void aColonInAVariablePartCannotAddASegment() {
    String key = keys.designDetail("1:detail:x");

    assertThat(key.split(":")).hasSize(4);
    assertThat(key).isNotEqualTo(keys.designDetail("1")).startsWith("enginel:design:1%3Adetail%3Ax:");
  }

  @Test
  void differentPartsGiveDifferentKeys() {
    // percent-encoding is one-to-one: an encoded form given as input is not confused with its original
    assertThat(keys.designDetail("a b")).isNotEqualTo(keys.designDetail("a%20b"));
    assertThat(keys.designDetail("a:b")).isNotEqualTo(keys.designDetail("a%3Ab"));
    assertThat(keys.designList("s", "search=a b")).isNotEqualTo(keys.designList("s", "search=a+b"));
  }

  @Test
  void equalInputsGiveEqualKeys() {
    String query = "search=" + "x".repeat(300) + "&page=1";

    assertThat(new CacheKeys("enginel").designList("o123", query)).isEqualTo(keys.designList("o123", query));
    assertThat(new CacheKeys("enginel").designDetail(HOSTILE)).isEqualTo(keys.designDetail(HOSTILE));
    assertThat(keys.searchResults("m", "q", Map.of("b", "2", "a", "1")))
        .isEqualTo(keys.searchResults("m", "q", new java.util.TreeMap<>(Map.of("a", "1", "b", "2"))));
  }

  @ParameterizedTest
  @ValueSource(ints = {81, 200, 5000})
  void longQueryPartBecomesAFixedLengthHash(int length) {
    String query = "search=" + "q".repeat(length);

    String key = keys.designList("o1", query);

    String last = key.substring(key.lastIndexOf(':') + 1);
    assertThat(last).matches("h[0-9a-f]{32}");
    assertThat(key).isEqualTo("enginel:design:list:o1:" + last);
  }

  @Test
  void queryPartOfEightyEncodedCharactersStaysReadable() {
    String query = "q".repeat(CacheKeys.MAX_READABLE);

    assertThat(keys.designList("o1", query)).isEqualTo("enginel:design:list:o1:" + query);
  }

  @Test
  void differentLongQueriesGetDifferentHashes() {
    String a = "search=" + "q".repeat(300) + "a";
    String b = "search=" + "q".repeat(300) + "b";

    assertThat(keys.designList("o1", a)).isNotEqualTo(keys.designList("o1", b));
  }

  @Test
  void searchKeysOfDifferentSearchesDiffer() {
    // a search for the text "bracket&format=step" is not a search for "bracket" filtered by format
    assertThat(keys.searchResults("DesignAsset", "bracket&format=step", Map.of()))
        .isNotEqualTo(keys.searchResults("DesignAsset", "bracket", Map.of("format", "step")));
  }
}
