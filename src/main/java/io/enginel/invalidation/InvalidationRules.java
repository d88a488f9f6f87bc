package io.enginel.invalidation;

import io.enginel.config.Tier;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.enginel.domain.InvalidationRule;
import io.enginel.domain.Resources;
import io.enginel.domain.Tags;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import static io.enginel.config.Tier.DEFAULT;

/**
 * The tags an event invalidates: the rules declared with its entity's resource ({@link Resources}, where the
 * seed's invalidation table is written out), plus the audit log lists of its organizations, since every write
 * also writes an audit log row.
 */
public final class InvalidationRules {
  private InvalidationRules() {}

  /** The tags an event invalidates, per tier. */
  public static Map<Tier, Set<String>> tagsFor(DomainEvent event) {
    Map<Tier, Set<String>> out = new EnumMap<>(Tier.class);
    for (InvalidationRule rule : Resources.invalidationRules(event.entity())) {
      if (rule.applies(event.op())) {
        for (String id : event.refs(rule.ref())) {
          rule.expand(event, id, out.computeIfAbsent(rule.tier(), t -> new LinkedHashSet<>()));
        }
      }
    }
    if (event.entity() != Entity.SESSION) {
      Set<String> audit = out.computeIfAbsent(DEFAULT, t -> new LinkedHashSet<>());
      for (String org : event.refs(Resources.ORGANIZATIONS.item())) {
        audit.add(Tags.lists(org, Resources.AUDIT_LOGS));
      }
      if (event.entity() == Entity.USER || (event.entity() == Entity.AUDIT_LOG && event.refs("organization").isEmpty())) {
        audit.add(Tags.AUDIT_STAFF); // account changes are audited without an organization
      }
    }
    return out;
  }
}
