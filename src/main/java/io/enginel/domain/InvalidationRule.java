package io.enginel.domain;

import io.enginel.config.Tier;

import java.util.Set;
import java.util.function.Function;

/**
 * One row of the invalidation table: on an event of the declaring resource's entity (and operation), for each
 * id the event names under {@code ref}, invalidate a tag on a tier. A rule over the lists of a resource
 * ({@code listed}) that is listed column by column reaches, on an update that says which columns it changed,
 * only the lists that depend on those columns (the pages that show the row are reached through its own tag); a
 * create, a delete or an update that does not say reaches them all.
 *
 * @param ops    the operations it applies to, or null for all
 * @param ref    the event ref whose ids it takes
 * @param tag    the tag of one id
 * @param tier   the tier the tag lives on
 * @param listed the resource whose organization lists the tag names, or null
 */
public record InvalidationRule(Set<String> ops, String ref, Function<String, String> tag, Tier tier, Resource listed) {

  private static final Set<String> CHANGE = Set.of("update", "delete");
  private static final Set<String> DELETE = Set.of("delete");

  /** The row of {@code r} the event names. */
  public static InvalidationRule row(Resource r) {
    return new InvalidationRule(null, r.item(), id -> Tags.of(r, id), Tier.DEFAULT, null);
  }

  /** A part of the row of {@code r} the event names ({@link Tags#BOM}, {@link Tags#STORAGE} …). */
  public static InvalidationRule part(Resource r, String part) {
    return new InvalidationRule(null, r.item(), id -> Tags.part(r, id, part), Tier.DEFAULT, null);
  }

  /** The rows of {@code belonging} under the row of {@code r} the event names. */
  public static InvalidationRule part(Resource r, Resource belonging) {
    return new InvalidationRule(null, r.item(), id -> Tags.part(r, id, belonging), Tier.DEFAULT, null);
  }

  /** The lists of {@code listed} of the organizations the event names. */
  public static InvalidationRule lists(Resource listed) {
    return new InvalidationRule(null, Resources.ORGANIZATIONS.item(), org -> Tags.lists(org, listed), Tier.DEFAULT,
        listed);
  }

  /** Any tag of the ids the event names under {@code ref}. */
  public static InvalidationRule tag(String ref, Function<String, String> tag) {
    return new InvalidationRule(null, ref, tag, Tier.DEFAULT, null);
  }

  /** This rule on deletes only. */
  public InvalidationRule onDelete() {
    return new InvalidationRule(DELETE, ref, tag, tier, listed);
  }

  /** This rule on updates and deletes. */
  public InvalidationRule onChange() {
    return new InvalidationRule(CHANGE, ref, tag, tier, listed);
  }

  /** This rule on another tier. */
  public InvalidationRule in(Tier other) {
    return new InvalidationRule(ops, ref, tag, other, listed);
  }

  public boolean applies(String op) {
    return ops == null || ops.contains(op);
  }

  /** Adds the tags of one id of an event. */
  public void expand(DomainEvent event, String id, Set<String> into) {
    if (listed != null && listed.listsByColumn() && "update".equals(event.op()) && !event.changed().isEmpty()) {
      event.changed().forEach(column -> into.add(Tags.listColumn(id, listed, column)));
    } else {
      into.add(tag.apply(id));
    }
  }
}
