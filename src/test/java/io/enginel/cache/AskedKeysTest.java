package io.enginel.cache;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The doorkeeper of rebuilt answers: a key is new on its first ask, asked before on the next, forgotten late. */
class AskedKeysTest {

  @Test
  void aKeyIsNewOnItsFirstAskAndAskedBeforeOnEveryLaterOne() {
    AskedKeys asked = new AskedKeys(1_000);
    assertThat(asked.askedBefore("enginel:design:list:v1:a")).isFalse();
    assertThat(asked.askedBefore("enginel:design:list:v1:a")).isTrue();
    assertThat(asked.askedBefore("enginel:design:list:v1:a")).isTrue();
    assertThat(asked.askedBefore("enginel:design:list:v1:b")).isFalse();
  }

  @Test
  void distinctKeysAreTakenForAskedBeforeAtMostAtTheFalsePositiveRate() {
    AskedKeys asked = new AskedKeys(100_000);
    long mistaken = IntStream.range(0, 50_000).filter(i -> asked.askedBefore("search:" + i)).count();
    assertThat(mistaken).isLessThan(500); // 1 % of a full generation; at half full it is far below
    assertThat(IntStream.range(0, 50_000).allMatch(i -> asked.askedBefore("search:" + i))).isTrue();
  }

  @Test
  void aKeyIsForgottenOnceTwoFullGenerationsOfOtherKeysWereAsked() {
    int generation = 1_000;
    AskedKeys forgetting = new AskedKeys(generation);
    IntStream.range(0, 50).forEach(i -> forgetting.askedBefore("early:" + i));
    IntStream.range(0, 2 * generation).forEach(i -> forgetting.askedBefore("other:" + i));
    long remembered = IntStream.range(0, 50).filter(i -> forgetting.askedBefore("early:" + i)).count();
    assertThat(remembered).as("both generations replaced: only false positives remain").isLessThan(5);
  }

  @Test
  void aKeyIsRememberedThroughOneFullGenerationOfOtherKeysAndCarriedIntoTheNewerWhenAskedAgain() {
    int generation = 1_000;
    AskedKeys asked = new AskedKeys(generation);
    asked.askedBefore("hot");
    IntStream.range(0, generation).forEach(i -> asked.askedBefore("a:" + i));
    assertThat(asked.askedBefore("hot")).as("still in the older generation, now in the newer too").isTrue();
    IntStream.range(0, generation).forEach(i -> asked.askedBefore("b:" + i));
    assertThat(asked.askedBefore("hot")).isTrue();
  }
}
