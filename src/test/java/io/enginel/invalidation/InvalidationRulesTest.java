package io.enginel.invalidation;

import io.enginel.config.Tier;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.enginel.domain.Resources;
import io.enginel.domain.Tags;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invalidation table of {@link InvalidationRules}, row by row: for one event of each kind, exactly the tags
 * it invalidates on each tier (exact sets: what it must reach, and nothing more).
 */
class InvalidationRulesTest {
  static final String ORG = "o1";

  static DomainEvent.Builder event(Entity entity, String op) {
    return new DomainEvent.Builder(entity, op, "x").ref("organization", ORG);
  }

  static Set<String> onDefault(DomainEvent e) {
    return InvalidationRules.tagsFor(e).getOrDefault(Tier.DEFAULT, Set.of());
  }

  static Set<String> onLongterm(DomainEvent e) {
    return InvalidationRules.tagsFor(e).getOrDefault(Tier.LONGTERM, Set.of());
  }

  @Test
  void organizationSaveReachesItsDetailStorageAndTheMembersMe() {
    DomainEvent save = event(Entity.ORGANIZATION, "update").ref("user", 7).build();
    assertThat(onDefault(save)).containsExactlyInAnyOrder("organization:o1", "organization:o1:storage", "user:7", "organization:o1:audit-logs");
    assertThat(onLongterm(save)).isEmpty();
  }

  @Test
  void organizationDeleteAlsoReachesEveryListOfIt() {
    DomainEvent delete = event(Entity.ORGANIZATION, "delete").build();
    assertThat(onDefault(delete)).containsExactlyInAnyOrder("organization:o1", "organization:o1:storage", "organization:o1:members",
        "organization:o1:series", "organization:o1:designs", "organization:o1:assembly-nodes", "organization:o1:analysis-jobs", "organization:o1:reviews", "organization:o1:markups",
        "organization:o1:audit-logs");
  }

  @Test
  void userSaveReachesTheUserAndTheMembersOfEachOfTheirOrganizationsAndTheStaffAudit() {
    DomainEvent save = new DomainEvent.Builder(Entity.USER, "update", "7").ref("user", 7)
        .refs("organization", List.of("o1", "o2")).build();
    assertThat(onDefault(save)).containsExactlyInAnyOrder("user:7", "organization:o1:members", "organization:o2:members",
        "organization:o1:audit-logs", "organization:o2:audit-logs", Tags.AUDIT_STAFF);
  }

  @Test
  void membershipChangeReachesTheMembersAndTheUser() {
    DomainEvent change = event(Entity.MEMBERSHIP, "create").ref("user", 7).build();
    assertThat(onDefault(change)).containsExactlyInAnyOrder("organization:o1:members", "user:7", "organization:o1:audit-logs");
  }

  @Test
  void seriesUpdateReachesTheSeriesTheSeriesListsByColumnAndTheDesignLists() {
    DomainEvent update = event(Entity.DESIGN_SERIES, "update").ref("series", "s1").changed(List.of("name")).build();
    assertThat(onDefault(update)).containsExactlyInAnyOrder("series:s1", "organization:o1:series:f:name", "organization:o1:designs",
        "organization:o1:audit-logs");
    DomainEvent create = event(Entity.DESIGN_SERIES, "create").ref("series", "s1").build();
    assertThat(onDefault(create)).as("a new series: no design list changes")
        .containsExactlyInAnyOrder("series:s1", "organization:o1:series", "organization:o1:audit-logs");
  }

  @Test
  void seriesDeleteReachesTheDesignsReviewsAndStorageItTookWithIt() {
    DomainEvent delete = event(Entity.DESIGN_SERIES, "delete").ref("series", "s1").ref("design", "d1")
        .ref("review", "r1").build();
    assertThat(onDefault(delete)).containsExactlyInAnyOrder("series:s1", "organization:o1:series", "organization:o1:designs",
        "design:d1", "design:d1:assembly-nodes", "review:r1", "review:r1:markups", "organization:o1:storage", "organization:o1:audit-logs");
    assertThat(onLongterm(delete)).containsExactlyInAnyOrder("design:d1:bom", "design:d1:metadata");
  }

  @Test
  void designSaveReachesItsDetailBomMetadataSeriesListsAndStorage() {
    DomainEvent update = event(Entity.DESIGN_ASSET, "update").ref("design", "d1").ref("series", "s1")
        .changed(List.of("description")).build();
    assertThat(onDefault(update)).containsExactlyInAnyOrder("design:d1", "series:s1", "organization:o1:designs:f:description",
        "organization:o1:storage", "organization:o1:audit-logs");
    assertThat(onLongterm(update)).containsExactlyInAnyOrder("design:d1:bom", "design:d1:metadata");
  }

  @Test
  void designDeleteAlsoReachesItsNodesJobsReviewsAndMarkups() {
    DomainEvent delete = event(Entity.DESIGN_ASSET, "delete").ref("design", "d1").ref("series", "s1")
        .ref("review", "r1").build();
    assertThat(onDefault(delete)).containsExactlyInAnyOrder("design:d1", "series:s1", "organization:o1:designs",
        "organization:o1:storage", "design:d1:assembly-nodes", "review:r1", "review:r1:markups", "organization:o1:assembly-nodes", "organization:o1:analysis-jobs",
        "organization:o1:reviews", "organization:o1:markups", "organization:o1:audit-logs");
  }

  @Test
  void assemblyNodeSaveReachesTheBomAndMetadataOfItsDesign() {
    DomainEvent save = event(Entity.ASSEMBLY_NODE, "create").ref("node", "n1").ref("design", "d1").build();
    assertThat(onDefault(save)).containsExactlyInAnyOrder("node:n1", "organization:o1:assembly-nodes", "organization:o1:audit-logs");
    assertThat(onLongterm(save)).containsExactlyInAnyOrder("design:d1:bom", "design:d1:metadata");
    DomainEvent delete = event(Entity.ASSEMBLY_NODE, "delete").ref("node", "n1").ref("design", "d1").build();
    assertThat(onDefault(delete)).as("a deleted node takes its subtree").contains("design:d1:assembly-nodes");
  }

  @Test
  void analysisJobSaveReachesTheJobAndItsDesignsDetail() {
    DomainEvent save = event(Entity.ANALYSIS_JOB, "update").ref("job", "j1").ref("design", "d1").build();
    assertThat(onDefault(save)).containsExactlyInAnyOrder("job:j1", "design:d1", "organization:o1:analysis-jobs", "organization:o1:audit-logs");
    assertThat(onLongterm(save)).isEmpty();
  }

  @Test
  void reviewSaveReachesTheReviewItsMarkupsAndItsDesign() {
    DomainEvent save = event(Entity.REVIEW_SESSION, "update").ref("review", "r1").ref("design", "d1").build();
    assertThat(onDefault(save)).containsExactlyInAnyOrder("review:r1", "review:r1:markups", "design:d1",
        "organization:o1:reviews", "organization:o1:audit-logs");
  }

  @Test
  void markupSaveReachesTheMarkupAndItsReview() {
    DomainEvent save = event(Entity.MARKUP, "create").ref("markup", "m1").ref("review", "r1").build();
    assertThat(onDefault(save)).containsExactlyInAnyOrder("markup:m1", "review:r1", "review:r1:markups",
        "organization:o1:markups", "organization:o1:audit-logs");
  }

  @Test
  void reviewersChangeReachesTheReview() {
    DomainEvent change = event(Entity.REVIEW_REVIEWERS, "create").ref("review", "r1").build();
    assertThat(onDefault(change)).containsExactlyInAnyOrder("review:r1", "organization:o1:reviews", "organization:o1:audit-logs");
  }

  @Test
  void geometryMetadataSaveReachesOnlyTheDesignsMetadata() {
    DomainEvent save = event(Entity.GEOMETRY_METADATA, "create").ref("design", "d1").build();
    assertThat(onLongterm(save)).containsExactly("design:d1:metadata");
    assertThat(onDefault(save)).containsExactly("organization:o1:audit-logs");
  }

  @Test
  void aSessionsEndInvalidatesItsCachedCopyInTheSessionsTierAndNoAuditList() {
    DomainEvent logout = new DomainEvent.Builder(Entity.SESSION, "delete", "h").ref("session", "h").ref("user", 7).build();
    assertThat(InvalidationRules.tagsFor(logout)).containsExactly(Map.entry(Tier.SESSIONS, Set.of("session:h")));
  }

  @Test
  void aChangeOfAUserInvalidatesTheirCachedSessions() {
    DomainEvent deactivated = new DomainEvent.Builder(Entity.USER, "update", "7").ref("user", 7).build();
    assertThat(InvalidationRules.tagsFor(deactivated).get(Tier.SESSIONS)).containsExactly("user:7");
  }

  @Test
  void everyEntityHasARowAndEveryWriteOfAnOrganizationReachesItsAuditList() {
    for (Entity entity : Entity.values()) {
      assertThat(Resources.invalidationRules(entity)).as(entity.model()).isNotNull();
      if (entity != Entity.SESSION) {
        assertThat(onDefault(event(entity, "update").build())).as(entity.model()).contains("organization:o1:audit-logs");
      }
    }
  }
}
