package io.enginel.cache;

import io.enginel.domain.ApiError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the public cache API accepts as keys and as delete-pattern patterns. */
class PublicKeysTest {
  private static final String PREFIX = "enginel";

  @ParameterizedTest
  @ValueSource(strings = {"enginel:design:*", "enginel:design:123:*", "enginel:design:list:o1?*", "enginel:org:*:detail",
      "enginel:design:123:detail", "enginel:user:[0-9]*"})
  void patternNamingAWholeSegmentBeforeAnyWildcardIsAccepted(String pattern) {
    assertThat(PublicKeys.checkPattern(PREFIX, pattern)).isEqualTo(pattern);
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "enginel:*", "enginel:d*", "enginel:design*", "enginel:?esign:*", "enginel:[d]esign:*",
      "enginel:*:detail", "enginel::*", "other:design:*", "enginelx:design:*", "*:design:*",
      "enginel:design:* ", "enginel:design:\t*", "enginel:design\n:*", "enginel:design:\u0000*",
      "enginel:_clock", "enginel:_tag:*", "enginel:_tv:design:1", ""})
  void patternThatCouldReachBeyondOneSegmentOrOutsideThePrefixIsRefused(String pattern) {
    assertThatThrownBy(() -> PublicKeys.checkPattern(PREFIX, pattern)).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void missingOrOverlongPatternIsRefused() {
    assertThatThrownBy(() -> PublicKeys.checkPattern(PREFIX, null)).isInstanceOf(ApiError.class);
    assertThatThrownBy(() -> PublicKeys.checkPattern(PREFIX, "enginel:design:" + "x".repeat(300) + "*"))
        .isInstanceOf(ApiError.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"enginel:design:1:detail", "enginel:my-own:key", "enginel:a*b", "enginel:x"})
  void keyUnderThePrefixIsAccepted(String key) {
    assertThat(PublicKeys.check(PREFIX, key)).isEqualTo(key);
    assertThat(PublicKeys.checkWritable(PREFIX, key)).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "design:1", "other:design:1", "enginel", "enginelx:design", "enginel:a b", "enginel:a\tb",
      "enginel:a\r\nb", "enginel:a\u0001", "enginel:a\u007f"})
  void keyOutsideThePrefixOrWithWhiteSpaceOrControlCharactersIsRefused(String key) {
    assertThatThrownBy(() -> PublicKeys.check(PREFIX, key)).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void keyWithAUnicodeControlCharacterIsRefused() {
    // U+0085 (NEL) is a C1 control character and a line break to many log readers
    assertThatThrownBy(() -> PublicKeys.check(PREFIX, "enginel:a\u0085b")).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void missingOrOverlongKeyIsRefused() {
    assertThatThrownBy(() -> PublicKeys.check(PREFIX, null)).isInstanceOf(ApiError.class);
    assertThatThrownBy(() -> PublicKeys.check(PREFIX, "enginel:" + "k".repeat(PublicKeys.MAX_KEY)))
        .isInstanceOf(ApiError.class);
  }

  @Test
  void bookkeepingKeysMayBeReadButNotWritten() {
    assertThat(PublicKeys.check(PREFIX, "enginel:_clock")).isEqualTo("enginel:_clock");
    assertThatThrownBy(() -> PublicKeys.checkWritable(PREFIX, "enginel:_clock")).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> PublicKeys.checkWritable(PREFIX, "enginel:_tag:design:1")).isInstanceOf(ApiError.class);
  }
}
