package io.enginel.invalidation;

import io.enginel.config.Tier;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static io.enginel.config.Tier.DEFAULT;
import static io.enginel.config.Tier.LONGTERM;
import static io.enginel.config.Tier.SESSIONS;

/**
 * The seed's invalidation table, as data. Each row: on an event of this entity (and operation), for each
 * id the event names under {@code ref}, invalidate the tag on the tier.
 *
 * <pre>
 * | event                     | seed: invalidates                                | here (tags)                                        |
 * |---------------------------|--------------------------------------------------|----------------------------------------------------|
 * | Organization save/delete  | org detail, members, storage, design lists       | org, org:storage (+ every org list on delete);     |
 * |                           |                                                  | user of each member (their /me)                    |
 * | User save/delete          | user detail, permissions, org caches             | user, org:members of each of their organizations; |
 * |                           |                                                  | their cached sessions (user, sessions tier)        |
 * | Membership change         | (org members, user permissions)                  | org:members, user                                  |
 * | DesignSeries save/delete  | series detail, versions, design lists            | series, org:series, org:designs (update/delete)    |
 * | DesignAsset save/delete   | design detail, BOM, metadata, series, org lists  | design, design:bom, design:metadata, series,       |
 * |                           |                                                  | org:designs, org:storage                           |
 * | AssemblyNode save/delete  | BOM tree, design metadata                        | node, design:bom, design:metadata, org:nodes       |
 * | AnalysisJob save/delete   | job detail, design detail                        | job, design, org:jobs                              |
 * | ReviewSession save/delete | review detail, markups, design detail            | review, review:markups, design, org:reviews        |
 * | Markup save/delete        | markup detail, review detail                     | markup, review, review:markups, org:markups        |
 * | Review reviewers change   | review detail                                    | review, org:reviews                                |
 * | GeometryMetadata save     | (design metadata)                                | design:metadata                                    |
 * | Session end (logout)      | (session)                                        | session (sessions tier)                            |
 * | every write               | (audit log list)                                 | org:audit                                          |
 * </pre>
 * Deletes also reach what the database deletes with the row: a deleted node its subtree
 * ({@code design:nodes}), a deleted design its nodes, jobs and reviews, a deleted series its designs
 * (whose ids the repository puts into the event before deleting).
 */
public final class InvalidationRules {

  /**
   * One row: {@code ops} null means every operation. A row with a {@code listKind} names an organization's
   * lists of that kind: an update that says which columns it changed reaches only the lists that depend on
   * those columns (plus, through the row's own tag, the pages that show the row); a create, a delete or an
   * update that does not say reaches them all.
   */
  record Rule(Set<String> ops, String ref, Function<String, String> tag, Tier tier, String listKind) {
    boolean applies(String op) {
      return ops == null || ops.contains(op);
    }

    void expand(DomainEvent event, String id, Set<String> into) {
      if (listKind != null && "update".equals(event.op()) && !event.changed().isEmpty()) {
        event.changed().forEach(column -> into.add(Tags.orgListColumn(id, listKind, column)));
      } else {
        into.add(tag.apply(id));
      }
    }
  }

  private static final Set<String> CHANGE = Set.of("update", "delete");
  private static final Set<String> DELETE = Set.of("delete");
  private static final List<String> ORG_LISTS =
      List.of("series", "designs", "nodes", "jobs", "reviews", "markups", "audit");

  static final Map<Entity, List<Rule>> RULES = new EnumMap<>(Entity.class);

  static {
    RULES.put(Entity.ORGANIZATION, List.of(
        rule("organization", Tags::org),
        rule("organization", Tags::orgStorage),
        rule(DELETE, "organization", Tags::orgMembers),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "series")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "designs")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "nodes")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "jobs")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "reviews")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "markups")),
        rule("user", Tags::user)));
    RULES.put(Entity.USER, List.of(
        rule("user", Tags::user),
        rule("organization", Tags::orgMembers),
        rule("user", Tags::user, SESSIONS)));
    RULES.put(Entity.MEMBERSHIP, List.of(
        rule("organization", Tags::orgMembers),
        rule("user", Tags::user)));
    RULES.put(Entity.DESIGN_SERIES, List.of(
        rule("series", Tags::series),
        lists("series"),
        rule(CHANGE, "organization", id -> Tags.orgLists(id, "designs")),
        rule(DELETE, "design", Tags::design),
        rule(DELETE, "design", Tags::designNodes),
        rule(DELETE, "design", Tags::designBom, LONGTERM),
        rule(DELETE, "design", Tags::designMetadata, LONGTERM),
        rule(DELETE, "review", Tags::review),
        rule(DELETE, "review", Tags::reviewMarkups),
        rule(DELETE, "organization", Tags::orgStorage)));
    RULES.put(Entity.DESIGN_ASSET, List.of(
        rule("design", Tags::design),
        rule("design", Tags::designBom, LONGTERM),
        rule("design", Tags::designMetadata, LONGTERM),
        rule("series", Tags::series),
        lists("designs"),
        rule("organization", Tags::orgStorage),
        rule(DELETE, "design", Tags::designNodes),
        rule(DELETE, "review", Tags::review),
        rule(DELETE, "review", Tags::reviewMarkups),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "nodes")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "jobs")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "reviews")),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "markups"))));
    RULES.put(Entity.ASSEMBLY_NODE, List.of(
        rule("node", Tags::node),
        rule("design", Tags::designBom, LONGTERM),
        rule("design", Tags::designMetadata, LONGTERM),
        lists("nodes"),
        rule(DELETE, "design", Tags::designNodes)));
    RULES.put(Entity.ANALYSIS_JOB, List.of(
        rule("job", Tags::job),
        rule("design", Tags::design),
        lists("jobs")));
    RULES.put(Entity.REVIEW_SESSION, List.of(
        rule("review", Tags::review),
        rule("review", Tags::reviewMarkups),
        rule("design", Tags::design),
        lists("reviews"),
        rule(DELETE, "organization", id -> Tags.orgLists(id, "markups"))));
    RULES.put(Entity.REVIEW_REVIEWERS, List.of(
        rule("review", Tags::review),
        lists("reviews")));
    RULES.put(Entity.MARKUP, List.of(
        rule("markup", Tags::markup),
        rule("review", Tags::review),
        rule("review", Tags::reviewMarkups),
        lists("markups")));
    RULES.put(Entity.GEOMETRY_METADATA, List.of(
        rule("design", Tags::designMetadata, LONGTERM)));
    RULES.put(Entity.AUDIT_LOG, List.of(
        rule("organization", id -> Tags.orgLists(id, "audit"))));
    RULES.put(Entity.SESSION, List.of(
        rule("session", Tags::session, SESSIONS)));
  }

  private InvalidationRules() {}

  /** The tags an event invalidates, per tier. Every write also writes an audit log row of its organization. */
  public static Map<Tier, Set<String>> tagsFor(DomainEvent event) {
    Map<Tier, Set<String>> out = new EnumMap<>(Tier.class);
    for (Rule rule : RULES.getOrDefault(event.entity(), List.of())) {
      if (rule.applies(event.op())) {
        for (String id : event.refs(rule.ref())) {
          rule.expand(event, id, out.computeIfAbsent(rule.tier(), t -> new LinkedHashSet<>()));
        }
      }
    }
    if (event.entity() != Entity.SESSION) {
      Set<String> audit = out.computeIfAbsent(DEFAULT, t -> new LinkedHashSet<>());
      for (String org : event.refs("organization")) {
        audit.add(Tags.orgLists(org, "audit"));
      }
      if (event.entity() == Entity.USER || (event.entity() == Entity.AUDIT_LOG && event.refs("organization").isEmpty())) {
        audit.add(Tags.AUDIT_STAFF); // account changes are audited without an organization
      }
    }
    return out;
  }

  /** Every tag that names something of one model (manual {@code {"model": "DesignAsset", "id": …}}). */
  static List<String> orgListKinds() {
    return ORG_LISTS;
  }

  private static Rule rule(String ref, Function<String, String> tag) {
    return new Rule(null, ref, tag, DEFAULT, null);
  }

  /** The organization's lists of a kind (column by column on updates that say what changed). */
  private static Rule lists(String kind) {
    return new Rule(null, "organization", id -> Tags.orgLists(id, kind), DEFAULT, kind);
  }

  private static Rule rule(String ref, Function<String, String> tag, Tier tier) {
    return new Rule(null, ref, tag, tier, null);
  }

  private static Rule rule(Set<String> ops, String ref, Function<String, String> tag) {
    return new Rule(ops, ref, tag, DEFAULT, null);
  }

  private static Rule rule(Set<String> ops, String ref, Function<String, String> tag, Tier tier) {
    return new Rule(ops, ref, tag, tier, null);
  }
}
