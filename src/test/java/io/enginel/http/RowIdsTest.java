package io.enginel.http;

import io.enginel.domain.ApiError;
import io.enginel.domain.FieldType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A row's UUID id as the path gives it ({@link Requests#id}): every spelling of one UUID is the one canonical id (the
 * cache key of its answers), the canonical spelling is taken as it is, and nothing that is not a UUID gets through.
 */
class RowIdsTest {

  @Property(tries = 2000)
  void everySpellingOfAUuidIsItsOneCanonicalId(@ForAll("spellings") String raw) {
    String canonical = UUID.fromString(raw).toString();

    String id = Requests.id(raw, "id", FieldType.UUID);

    assertThat(id).isEqualTo(canonical);
    if (raw.equals(canonical)) {
      assertThat(id).as("taken as it is").isSameAs(raw);
    }
  }

  @Property(tries = 2000)
  void thirtySixCharactersThatAreNotAUuidAreABadParameter(@ForAll("notUuids") String raw) {
    assertThatThrownBy(() -> Requests.id(raw, "id", FieldType.UUID)).isInstanceOf(ApiError.class);
  }

  /** Random UUIDs, each character's case flipped at random (half of them left canonical). */
  @Provide
  Arbitrary<String> spellings() {
    return Arbitraries.randomValue(r -> {
      String s = new UUID(r.nextLong(), r.nextLong()).toString();
      if (r.nextBoolean()) {
        return s;
      }
      StringBuilder b = new StringBuilder(s);
      for (int i = 0; i < b.length(); i++) {
        if (r.nextBoolean()) {
          b.setCharAt(i, Character.toUpperCase(b.charAt(i)));
        }
      }
      return b.toString();
    });
  }

  /** A canonical UUID with one character replaced by one that no UUID has there. */
  @Provide
  Arbitrary<String> notUuids() {
    return Arbitraries.randomValue(r -> {
      StringBuilder b = new StringBuilder(new UUID(r.nextLong(), r.nextLong()).toString());
      int at = r.nextInt(36);
      boolean dash = at == 8 || at == 13 || at == 18 || at == 23;
      String wrong = dash ? "0aG/ :" : "-gGz/ :%";
      b.setCharAt(at, wrong.charAt(r.nextInt(wrong.length())));
      return b.toString();
    });
  }
}
