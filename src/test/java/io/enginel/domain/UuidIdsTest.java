package io.enginel.domain;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A row's UUID id as the path gives it: the canonical form taken as it is, any other accepted form made canonical. */
class UuidIdsTest {
  private static final String ID = "0b9e4c1a-7f3d-4e2b-9a8c-1d2e3f4a5b6c";

  @Test
  void onlyTheFormUuidToStringWritesIsCanonical() {
    assertThat(Validation.isCanonicalUuid(ID)).isTrue();
    assertThat(Validation.isCanonicalUuid(UUID.randomUUID().toString())).isTrue();
    assertThat(Validation.isCanonicalUuid(ID.toUpperCase())).as("upper case").isFalse();
    assertThat(Validation.isCanonicalUuid(ID.replace('-', 'x'))).as("no dashes").isFalse();
    assertThat(Validation.isCanonicalUuid("0b9e4c1a7f3d-4e2b-9a8c-1d2e3f4a5b6c-")).as("a dash moved").isFalse();
    assertThat(Validation.isCanonicalUuid(ID.substring(1))).as("35 characters").isFalse();
    assertThat(Validation.isCanonicalUuid(ID.replace('c', 'g'))).as("not hex").isFalse();
    assertThat(Validation.isCanonicalUuid("")).isFalse();
  }

  @Test
  void anAcceptedIdIsTheCanonicalOneAndAnyOtherIsABadParameter() {
    assertThat(Validation.uuid("id", ID.toUpperCase(), true).toString()).isEqualTo(ID);
    assertThatThrownBy(() -> Validation.uuid("id", ID.replace('c', 'g'), true)).isInstanceOf(ApiError.class);
  }
}
