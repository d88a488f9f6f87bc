package io.enginel.domain;

import io.enginel.config.ConfigLoader;
import io.enginel.config.EnginelConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each resource is declared once, and a declaration with a missing piece fails loudly: at build time for the
 * declaration itself, at start-up for the set (every entity's events invalidate something, every resource has
 * cache settings and no setting names a resource that does not exist, no item is spelled twice).
 */
class ResourceRegistryTest {
  static final Set<String> PARTS = Set.of(Tags.BOM, Tags.METADATA);

  static Set<String> configured() {
    return EnginelConfig.from(ConfigLoader.loadJson(Map.of())).cache().resources().keySet();
  }

  @Test
  void theShippedDeclarationsAndConfigurationPassTheStartUpCheck() {
    Resources.check(configured(), PARTS);
  }

  @Test
  void aResourceWithoutCacheSettingsStopsTheStart() {
    Set<String> missing = new HashSet<>(configured());
    missing.remove("assembly-nodes");
    assertThatThrownBy(() -> Resources.check(missing, PARTS))
        .hasMessageContaining("resource assembly-nodes has no cache settings (cache.resources.assembly-nodes)");
  }

  @Test
  void aCacheSettingThatNamesNoResourceStopsTheStart() {
    Set<String> extra = new HashSet<>(configured());
    extra.add("assembly-node");
    assertThatThrownBy(() -> Resources.check(extra, PARTS))
        .hasMessageContaining("cache.resources.assembly-node names no resource");
  }

  @Test
  void everyEntityHasInvalidationRulesAndEveryResourceTagsItsDetailsByItsItem() {
    for (Entity e : Entity.values()) {
      assertThat(Resources.invalidationRules(e)).as(e.model()).isNotEmpty();
    }
    for (Resource r : Resources.BY_NAME.values()) {
      JsonObject row = new JsonObject().put(r.idField(), 42).put("series", "s").put("design", "d").put("review", "r");
      assertThat(r.detailTags(row)).as(r.name()).startsWith(r.item() + ":42");
      assertThat(r.entity().refs().values()).as(r.name()).contains(r.nesting() == null ? r.item() : "user");
    }
  }

  @Test
  void aDeclarationWithoutInvalidationRulesIsRefused() {
    assertThatThrownBy(() -> minimal("gadgets").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("resource gadgets lacks invalidates");
  }

  @Test
  void aDefaultOrderingThatIsNoOrderingIsRefused() {
    assertThatThrownBy(() -> minimal("gadgets").orderings("-weight", "name", "g.name")
        .invalidates(List::of).build())
        .hasMessageContaining("its default ordering '-weight' is not an ordering");
  }

  @Test
  void aWritableResourceWithoutAnOrganizationIsRefused() {
    assertThatThrownBy(() -> minimal("gadgets").writes(Role.EDITOR, null, null).invalidates(List::of).build())
        .hasMessageContaining("it is writable without an organization column");
  }

  @Test
  void anItemTheEntityDoesNotUseForItsIdIsRefused() {
    assertThatThrownBy(() -> Resource.named("gadgets").item("gadget", Entity.MARKUP)
        .reads("markups g", "id", "g.id", FieldType.UUID)
        .fields(Field.of("id", FieldType.UUID).select("g.id").build())
        .orderings("id", "id", "g.id").visibility("true", "ARRAY[]::text[]").invalidates(List::of).build())
        .hasMessageContaining("its entity does not name its rows 'gadget' by id");
  }

  @Test
  void oneConceptHasOneSpellingInKeysTagsAndEvents() {
    Resource nodes = Resources.ASSEMBLY_NODES;
    assertThat(nodes.name()).isEqualTo("assembly-nodes");
    assertThat(nodes.item()).isEqualTo("node");
    assertThat(Tags.of(nodes, "n1")).isEqualTo("node:n1");
    assertThat(Tags.lists("o1", nodes)).isEqualTo("organization:o1:assembly-nodes");
    assertThat(Tags.part(Resources.DESIGNS, "d1", nodes)).isEqualTo("design:d1:assembly-nodes");
    assertThat(Entity.ASSEMBLY_NODE.refs()).containsEntry("id", "node");
    assertThat(new JsonArray(List.copyOf(Resources.BY_NAME.keySet()))).contains("assembly-nodes");
  }

  private static Resource.Builder minimal(String name) {
    return Resource.named(name).item("markup", Entity.MARKUP)
        .reads("markups g", "id", "g.id", FieldType.UUID)
        .fields(Field.of("id", FieldType.UUID).select("g.id").build())
        .orderings("id", "id", "g.id")
        .visibility("true", "ARRAY[]::text[]");
  }
}
