package io.enginel.repository;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rows {@code seed --scale N} inserts, without a database: scale 1 is the data set as it always was, a larger
 * scale adds blocks and changes nothing of scale 1, and the same scale always gives the same rows.
 */
class WorkloadDataTest {
  /**
   * SHA-256 of every row of the scale-1 data set (password hashes aside), taken from the generator as it was
   * before scales existed: a change to it changes the benchmark's data set and its committed request pools.
   */
  static final String SCALE_1_ROWS = "586451d15c95721b0ea5b703e2ba44b8142c1c4dce2e701b28cb767ac8eeaf1c";

  @Test
  void scaleOneIsTheDataSetAsItAlwaysWas() {
    assertThat(fingerprint(inserts(1))).isEqualTo(SCALE_1_ROWS);
  }

  @Test
  void scaleTwoKeepsScaleOneAndAddsAsManySeriesDesignsAndNodesTheSameEveryTime() {
    List<WorkloadSeeder.Insert> two = inserts(2);
    int scaleOne = 6; // organizations, users, memberships, then block 0: series, designs, nodes

    assertThat(fingerprint(two.subList(0, scaleOne))).isEqualTo(SCALE_1_ROWS);
    List<WorkloadSeeder.Insert> added = two.subList(scaleOne, two.size());
    assertThat(added).extracting(WorkloadSeeder.Insert::table).containsExactly("design_series", "design_assets", "assembly_nodes");
    assertThat(added).extracting(WorkloadSeeder.Insert::size).containsExactly(1_000, 20_000, 60_000);
    assertThat(added.get(0).row().apply(0)[2]).isEqualTo("PN-01001");
    assertThat(added.get(0).row().apply(999)[2]).isEqualTo("PN-02000");
    Set<UUID> shared = ids(added);
    shared.retainAll(ids(two.subList(0, scaleOne)));
    assertThat(shared).as("ids of block 1 that block 0 holds too").isEmpty();

    assertThat(fingerprint(inserts(2))).as("scale 2 generated again").isEqualTo(fingerprint(two));
  }

  @Test
  void blockZeroContinuesThePeoplesStreamSoItIsTakenOnce() {
    WorkloadData data = WorkloadData.generate();
    data.block(0);
    assertThatThrownBy(() -> data.block(0)).isInstanceOf(IllegalStateException.class);
  }

  /** Every insert of the data set at {@code scale}, in the seed's order, password hashes left out. */
  static List<WorkloadSeeder.Insert> inserts(int scale) {
    WorkloadData data = WorkloadData.generate();
    List<WorkloadSeeder.Insert> all = new ArrayList<>(WorkloadSeeder.peopleInserts(data.people, new String[WorkloadData.USERS]));
    for (int k = 0; k < scale; k++) {
      all.addAll(WorkloadSeeder.blockInserts(data.people, data.block(k)));
    }
    return all;
  }

  static String fingerprint(List<WorkloadSeeder.Insert> inserts) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (WorkloadSeeder.Insert insert : inserts) {
      md.update(insert.table().getBytes(StandardCharsets.UTF_8));
      md.update(String.valueOf(insert.constant()).getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < insert.size(); i++) {
        for (Object value : insert.row().apply(i)) {
          md.update(String.valueOf(value).getBytes(StandardCharsets.UTF_8));
          md.update((byte) 0);
        }
        md.update((byte) '\n');
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The primary keys (first column) of the series, designs and nodes among {@code inserts}. */
  private static Set<UUID> ids(List<WorkloadSeeder.Insert> inserts) {
    Set<UUID> ids = new HashSet<>();
    for (WorkloadSeeder.Insert insert : inserts) {
      if (List.of("design_series", "design_assets", "assembly_nodes").contains(insert.table())) {
        for (int i = 0; i < insert.size(); i++) {
          ids.add((UUID) insert.row().apply(i)[0]);
        }
      }
    }
    return ids;
  }
}
