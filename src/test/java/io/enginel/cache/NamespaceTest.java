package io.enginel.cache;

import io.enginel.domain.ApiError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the key/value API accepts as keys and delete patterns: other services (the public interface) only keys
 * under {@code <prefix>:app:}; Enginel's own code any key of its prefix, though never the invalidation scheme's own.
 */
class NamespaceTest {
  private static final String PREFIX = "enginel";

  @ParameterizedTest
  @ValueSource(strings = {"enginel:app:billing:1", "enginel:app:x", "enginel:app:a*b"})
  void theAppNamespaceIsOpenToOtherServices(String key) {
    assertThat(Namespace.APP.readable(PREFIX, key)).isEqualTo(key);
    assertThat(Namespace.APP.writable(PREFIX, key)).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"enginel:design:1:detail", "enginel:session:abc", "enginel:_clock", "enginel:_tag:design:1",
      "enginel:_memory:epoch", "enginel:design:1:bom:lease", "enginel:application:x", "enginel:app", "enginel:apps:x"})
  void everyKeyOutsideTheAppNamespaceIsForbiddenToOtherServices(String key) {
    for (var check : new java.util.function.Function[] {k -> Namespace.APP.readable(PREFIX, (String) k),
        k -> Namespace.APP.writable(PREFIX, (String) k)}) {
      assertThatThrownBy(() -> check.apply(key)).isInstanceOfSatisfying(ApiError.class, e -> {
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.code()).isEqualTo("forbidden_key");
        assertThat(e.getMessage()).contains("enginel:app:");
      });
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"enginel:design:*", "enginel:session:*", "enginel:_tag:*", "enginel:ap*"})
  void patternsOutsideTheAppNamespaceAreForbiddenToOtherServices(String pattern) {
    assertThatThrownBy(() -> Namespace.APP.pattern(PREFIX, pattern)).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isIn(400, 403));
  }

  @Test
  void anAppPatternMustNameAWholeSegmentUnderTheNamespace() {
    assertThat(Namespace.APP.pattern(PREFIX, "enginel:app:billing:*")).isEqualTo("enginel:app:billing:*");
    assertThatThrownBy(() -> Namespace.APP.pattern(PREFIX, "enginel:app:*")).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> Namespace.APP.pattern(PREFIX, "enginel:app:bil*")).isInstanceOf(ApiError.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"enginel:design:*", "enginel:design:123:*", "enginel:design:list:o1?*", "enginel:org:*:detail",
      "enginel:design:123:detail", "enginel:user:[0-9]*"})
  void ownPatternNamingAWholeSegmentBeforeAnyWildcardIsAccepted(String pattern) {
    assertThat(Namespace.ENGINEL.pattern(PREFIX, pattern)).isEqualTo(pattern);
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "enginel:*", "enginel:d*", "enginel:design*", "enginel:?esign:*", "enginel:[d]esign:*",
      "enginel:*:detail", "enginel::*", "other:design:*", "enginelx:design:*", "*:design:*",
      "enginel:design:* ", "enginel:design:\t*", "enginel:design\n:*", "enginel:design:\u0000*",
      "enginel:_clock", "enginel:_tag:*", "enginel:_tv:design:1", ""})
  void ownPatternThatCouldReachBeyondOneSegmentOrOutsideThePrefixIsRefused(String pattern) {
    assertThatThrownBy(() -> Namespace.ENGINEL.pattern(PREFIX, pattern)).isInstanceOfSatisfying(ApiError.class,
        e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void missingOrOverlongPatternIsRefused() {
    assertThatThrownBy(() -> Namespace.ENGINEL.pattern(PREFIX, null)).isInstanceOf(ApiError.class);
    assertThatThrownBy(() -> Namespace.ENGINEL.pattern(PREFIX, "enginel:design:" + "x".repeat(300) + "*"))
        .isInstanceOf(ApiError.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"enginel:design:1:detail", "enginel:my-own:key", "enginel:a*b", "enginel:x"})
  void ownKeyUnderThePrefixIsAccepted(String key) {
    assertThat(Namespace.ENGINEL.readable(PREFIX, key)).isEqualTo(key);
    assertThat(Namespace.ENGINEL.writable(PREFIX, key)).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "design:1", "other:design:1", "enginel", "enginelx:design", "enginel:a b", "enginel:a\tb",
      "enginel:a\r\nb", "enginel:a\u0001", "enginel:a\u007f", "enginel:app:a b"})
  void keyOutsideThePrefixOrWithWhiteSpaceOrControlCharactersIsRefused(String key) {
    for (Namespace n : Namespace.values()) {
      assertThatThrownBy(() -> n.readable(PREFIX, key)).isInstanceOfSatisfying(ApiError.class,
          e -> assertThat(e.status()).isEqualTo(400));
    }
  }

  @Test
  void keyWithAUnicodeControlCharacterIsRefused() {
    // U+0085 (NEL) is a C1 control character and a line break to many log readers
    assertThatThrownBy(() -> Namespace.APP.readable(PREFIX, "enginel:app:a\u0085b")).isInstanceOfSatisfying(
        ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void missingOrOverlongKeyIsRefused() {
    assertThatThrownBy(() -> Namespace.ENGINEL.readable(PREFIX, null)).isInstanceOf(ApiError.class);
    assertThatThrownBy(() -> Namespace.APP.readable(PREFIX, "enginel:app:" + "k".repeat(Namespace.MAX_KEY)))
        .isInstanceOf(ApiError.class);
  }

  @Test
  void bookkeepingKeysMayBeReadButNotWrittenByEnginelsOwnCode() {
    assertThat(Namespace.ENGINEL.readable(PREFIX, "enginel:_clock")).isEqualTo("enginel:_clock");
    assertThatThrownBy(() -> Namespace.ENGINEL.writable(PREFIX, "enginel:_clock")).isInstanceOfSatisfying(
        ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> Namespace.ENGINEL.writable(PREFIX, "enginel:_tag:design:1")).isInstanceOf(ApiError.class);
  }
}
