package io.enginel.domain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import static io.enginel.config.Tier.LONGTERM;
import static io.enginel.config.Tier.SESSIONS;
import static io.enginel.domain.FieldType.BOOL;
import static io.enginel.domain.FieldType.INT;
import static io.enginel.domain.FieldType.JSON_OBJECT;
import static io.enginel.domain.FieldType.LONG;
import static io.enginel.domain.FieldType.LONG_ARRAY;
import static io.enginel.domain.FieldType.STRING;
import static io.enginel.domain.FieldType.TIMESTAMP;
import static io.enginel.domain.FieldType.UUID;
import static io.enginel.domain.InvalidationRule.lists;
import static io.enginel.domain.InvalidationRule.part;
import static io.enginel.domain.InvalidationRule.row;
import static io.enginel.domain.InvalidationRule.tag;
import static io.enginel.domain.Resource.IN_SCOPE;

/**
 * The API's resources, each declared once: names, fields, filters, orderings, visibility, writes, cache tags
 * and what its events invalidate (the seed's invalidation table, row by row, with the resource whose events
 * it is about). Adding a resource: docs/adding-a-resource.md.
 *
 * <pre>
 * | event                     | seed: invalidates                                | here (tags)                                         |
 * |---------------------------|--------------------------------------------------|-----------------------------------------------------|
 * | Organization save/delete  | org detail, members, storage, design lists       | organization, its storage (+ every list on delete); |
 * |                           |                                                  | the user of each member (their /me)                 |
 * | User save/delete          | user detail, permissions, org caches             | user, the members of each of their organizations;   |
 * |                           |                                                  | their cached sessions (sessions tier)               |
 * | Membership change         | (org members, user permissions)                  | organization members, user                          |
 * | DesignSeries save/delete  | series detail, versions, design lists            | series, series lists, design lists (update/delete)  |
 * | DesignAsset save/delete   | design detail, BOM, metadata, series, org lists  | design, its bom and metadata, series, design lists, |
 * |                           |                                                  | organization storage                                |
 * | AssemblyNode save/delete  | BOM tree, design metadata                        | node, the design's bom and metadata, node lists     |
 * | AnalysisJob save/delete   | job detail, design detail                        | job, design, job lists                              |
 * | ReviewSession save/delete | review detail, markups, design detail            | review, its markups, design, review lists           |
 * | Markup save/delete        | markup detail, review detail                     | markup, review, its markups, markup lists           |
 * | Review reviewers change   | review detail                                    | review, review lists                                |
 * | GeometryMetadata save     | (design metadata)                                | the design's metadata                               |
 * | Session end (logout)      | (session)                                        | session (sessions tier)                             |
 * | every write               | (audit log list)                                 | audit log lists of the organization                 |
 * </pre>
 * Deletes also reach what the database deletes with the row: a deleted node its subtree (the design's
 * nodes), a deleted design its nodes, jobs and reviews, a deleted series its designs (whose ids the repository
 * puts into the event before deleting: {@link Resource#cascadeRefs()}).
 */
public final class Resources {

  public static final List<String> UPLOAD_STATUSES = List.of("PENDING", "PROCESSING", "COMPLETED", "FAILED");
  public static final List<String> FILE_FORMATS = List.of("step", "iges", "stl", "obj");
  public static final List<String> JOB_STATUSES = List.of("PENDING", "RUNNING", "COMPLETED", "FAILED");
  public static final List<String> JOB_TYPES = List.of("GEOMETRY_EXTRACTION", "MASS_PROPERTIES", "MESH_VALIDATION");
  public static final List<String> REVIEW_STATUSES = List.of("OPEN", "IN_REVIEW", "APPROVED", "REJECTED", "CLOSED");
  public static final List<String> MARKUP_STATUSES = List.of("OPEN", "RESOLVED");
  public static final List<String> ROLES = List.of("ADMIN", "EDITOR", "VIEWER");

  private static final String PART_NUMBER = "[A-Za-z0-9][A-Za-z0-9._/-]{0,63}";
  private static final String PART_NUMBER_HINT = "letters, digits and . _ / - (starting with a letter or digit)";
  private static final String FILENAME = "[^/\\\\\\x00-\\x1f]{1,255}";

  public static final Resource ORGANIZATIONS = Resource.named("organizations")
      .item("organization", Entity.ORGANIZATION)
      .reads("organizations o", "id", "o.id", UUID)
      .fields(
          Field.of("id", UUID).select("o.id").build(),
          Field.of("name", STRING).select("o.name").column("name").required().maxLength(200).build(),
          Field.of("slug", STRING).select("o.slug").column("slug").required().maxLength(100)
              .pattern("[a-z0-9]+(-[a-z0-9]+)*", "lower-case letters, digits and single hyphens").build(),
          Field.of("description", STRING).select("o.description").column("description").maxLength(5000)
              .defaultValue("").build(),
          Field.of("storage_quota_bytes", LONG).select("o.storage_quota_bytes").column("storage_quota_bytes")
              .range(0, Long.MAX_VALUE).defaultValue(10_737_418_240L).build(),
          Field.of("created_at", TIMESTAMP).select("o.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("o.updated_at").build())
      .filters(Filter.eq("slug", STRING, "o.slug"))
      .search("o.name", "o.slug")
      .orderings("name", "name", "o.name", "slug", "o.slug", "created_at", "o.created_at")
      .visibility("o.id" + IN_SCOPE, "ARRAY[o.id::text]")
      .writes(Role.ADMIN, "id", null, WriteRule.ORGANIZATION_ROOT)
      .cascadeRefs("SELECT 'user', user_id::text FROM memberships WHERE organization_id = $1")
      .listTag(org -> Tags.of(Resources.ORGANIZATIONS, org))
      .invalidates(() -> List.of(
          row(Resources.ORGANIZATIONS),
          part(Resources.ORGANIZATIONS, Tags.STORAGE),
          part(Resources.ORGANIZATIONS, Resources.MEMBERS).onDelete(),
          lists(Resources.SERIES).onDelete(),
          lists(Resources.DESIGNS).onDelete(),
          lists(Resources.ASSEMBLY_NODES).onDelete(),
          lists(Resources.ANALYSIS_JOBS).onDelete(),
          lists(Resources.REVIEWS).onDelete(),
          lists(Resources.MARKUPS).onDelete(),
          row(Resources.USERS)))
      .lastModified("o.updated_at")
      .build();

  public static final Resource USERS = Resource.named("users")
      .item("user", Entity.USER)
      .reads("users u", "id", "u.id", LONG)
      .fields(
          Field.of("id", LONG).select("u.id").build(),
          Field.of("username", STRING).select("u.username").column("username").createOnly().required()
              .maxLength(150).pattern("[A-Za-z0-9@.+_-]+", "letters, digits and @ . + - _").build(),
          Field.of("email", STRING).select("u.email").column("email").maxLength(254).defaultValue("").build(),
          Field.of("first_name", STRING).select("u.first_name").column("first_name").maxLength(150)
              .defaultValue("").build(),
          Field.of("last_name", STRING).select("u.last_name").column("last_name").maxLength(150)
              .defaultValue("").build(),
          Field.of("password", STRING).column("password_hash").writeOnly().hashed().required().maxLength(128).build(),
          Field.of("is_staff", BOOL).select("u.is_staff").column("is_staff").staffOnly().defaultValue(false).build(),
          Field.of("is_active", BOOL).select("u.is_active").column("is_active").staffOnly().defaultValue(true).build(),
          Field.of("date_joined", TIMESTAMP).select("u.date_joined").build())
      .filters(Filter.eq("username", STRING, "u.username"), Filter.eq("is_staff", BOOL, "u.is_staff"),
          Filter.eq("is_active", BOOL, "u.is_active"),
          Filter.predicate("organization", UUID,
              "EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = u.id AND fm.organization_id = ?)"))
      .search("u.username", "u.email", "u.first_name", "u.last_name")
      .orderings("username", "username", "u.username", "date_joined", "u.date_joined", "id", "u.id")
      .visibility("(u.id = :me OR EXISTS (SELECT 1 FROM memberships vm WHERE vm.user_id = u.id AND vm.organization_id = ANY(:orgs)))",
          "ARRAY(SELECT om.organization_id::text FROM memberships om WHERE om.user_id = u.id) || ('u:' || u.id)")
      .writes(Role.ADMIN, null, null, WriteRule.ACCOUNTS)
      .listTag(org -> Tags.part(Resources.ORGANIZATIONS, org, Resources.MEMBERS))
      .invalidates(() -> List.of(
          row(Resources.USERS),
          tag("organization", org -> Tags.part(Resources.ORGANIZATIONS, org, Resources.MEMBERS)),
          row(Resources.USERS).in(SESSIONS)))
      .lastModified("u.updated_at")
      .build();

  public static final Resource MEMBERS = Resource.named("members")
      .item("member", Entity.MEMBERSHIP)
      .reads("memberships m JOIN users mu ON mu.id = m.user_id", "user_id", "m.user_id", LONG)
      .nestedIn(Resources.ORGANIZATIONS, "organization_id", "m.organization_id")
      .fields(
          Field.of("user", LONG).select("m.user_id").column("user_id").createOnly().required().build(),
          Field.of("username", STRING).select("mu.username").build(),
          Field.of("email", STRING).select("mu.email").build(),
          // read-only: a membership's organization is the one in the path, never one named in the body
          Field.of("organization", UUID).select("m.organization_id").build(),
          Field.of("role", STRING).select("m.role").column("role").required().choices(ROLES).build(),
          Field.of("joined_at", TIMESTAMP).select("m.joined_at").build())
      .filters(Filter.eq("organization", UUID, "m.organization_id"), Filter.choice("role", "m.role", ROLES))
      .search("mu.username", "mu.email")
      .orderings("username", "username", "mu.username", "joined_at", "m.joined_at", "role", "m.role")
      .visibility("m.organization_id" + IN_SCOPE, "ARRAY[m.organization_id::text]")
      .parent("organization", Resources.ORGANIZATIONS, "id")
      .writes(Role.ADMIN, "organization_id", null, WriteRule.MEMBERSHIP)
      .manualKeyItems()
      .invalidates(() -> List.of(
          tag("organization", org -> Tags.part(Resources.ORGANIZATIONS, org, Resources.MEMBERS)),
          row(Resources.USERS)))
      // no lastModified: a role change moves no time; username and email are the user's
      .build();

  public static final Resource SERIES = Resource.named("series")
      .item("series", Entity.DESIGN_SERIES)
      .reads("design_series s", "id", "s.id", UUID)
      .fields(
          Field.of("id", UUID).select("s.id").build(),
          Field.of("organization", UUID).select("s.organization_id").column("organization_id").createOnly()
              .required().build(),
          Field.of("part_number", STRING).select("s.part_number").column("part_number").required().maxLength(64)
              .pattern(PART_NUMBER, PART_NUMBER_HINT).build(),
          Field.of("name", STRING).select("s.name").column("name").maxLength(200).defaultValue("").build(),
          Field.of("description", STRING).select("s.description").column("description").maxLength(5000)
              .defaultValue("").build(),
          Field.of("created_by", LONG).select("s.created_by").readsNull().build(),
          Field.of("version_count", INT)
              .select("(SELECT count(*)::int FROM design_assets vc WHERE vc.series_id = s.id)").build(),
          Field.of("latest_version", INT)
              .select("(SELECT max(lv.version) FROM design_assets lv WHERE lv.series_id = s.id)").readsNull().build(),
          Field.of("created_at", TIMESTAMP).select("s.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("s.updated_at").build())
      .filters(Filter.eq("organization", UUID, "s.organization_id"), Filter.eq("part_number", STRING, "s.part_number"))
      .search("s.part_number", "s.name")
      .orderings("part_number", "part_number", "s.part_number", "created_at", "s.created_at", "updated_at", "s.updated_at")
      .visibility("s.organization_id" + IN_SCOPE, "ARRAY[s.organization_id::text]")
      .parent("organization", Resources.ORGANIZATIONS, "id")
      .writes(Role.EDITOR, "organization_id", "created_by")
      .cascadeRefs("SELECT 'design', d.id::text FROM design_assets d WHERE d.series_id = $1 UNION ALL "
          + "SELECT 'review', rs.id::text FROM review_sessions rs JOIN design_assets d ON d.id = rs.design_id WHERE d.series_id = $1")
      .listsByColumn()
      .invalidates(() -> List.of(
          row(Resources.SERIES),
          lists(Resources.SERIES),
          tag("organization", org -> Tags.lists(org, Resources.DESIGNS)).onChange(),
          row(Resources.DESIGNS).onDelete(),
          part(Resources.DESIGNS, Resources.ASSEMBLY_NODES).onDelete(),
          part(Resources.DESIGNS, Tags.BOM).in(LONGTERM).onDelete(),
          part(Resources.DESIGNS, Tags.METADATA).in(LONGTERM).onDelete(),
          row(Resources.REVIEWS).onDelete(),
          part(Resources.REVIEWS, Resources.MARKUPS).onDelete(),
          part(Resources.ORGANIZATIONS, Tags.STORAGE).onDelete()))
      // no lastModified: version_count and latest_version change with its designs
      .build();

  public static final Resource DESIGNS = Resource.named("designs")
      .item("design", Entity.DESIGN_ASSET)
      .reads("design_assets d JOIN design_series ds ON ds.id = d.series_id", "id", "d.id", UUID)
      .fields(
          Field.of("id", UUID).select("d.id").build(),
          Field.of("series", UUID).select("d.series_id").column("series_id").createOnly().required().build(),
          Field.of("part_number", STRING).select("ds.part_number").build(),
          Field.of("organization", UUID).select("d.organization_id").build(),
          Field.of("version", INT).select("d.version").build(),
          Field.of("filename", STRING).select("d.filename").column("filename").required().maxLength(255)
              .pattern(FILENAME, "a file name without '/', '\\' or control characters").build(),
          Field.of("file_format", STRING).select("d.file_format").column("file_format").required()
              .choices(FILE_FORMATS).build(),
          Field.of("file_size", LONG).select("d.file_size").column("file_size").range(0, Long.MAX_VALUE)
              .defaultValue(0L).build(),
          Field.of("file_hash", STRING).select("d.file_hash").readsNull().build(),
          Field.of("upload_status", STRING).select("d.upload_status").column("upload_status")
              .choices(UPLOAD_STATUSES).defaultValue("PENDING").build(),
          Field.of("uploaded_by", LONG).select("d.uploaded_by").readsNull().build(),
          Field.of("description", STRING).select("d.description").column("description").maxLength(10_000)
              .defaultValue("").build(),
          Field.of("created_at", TIMESTAMP).select("d.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("d.updated_at").build())
      .filters(Filter.choice("upload_status", "d.upload_status", UPLOAD_STATUSES),
          Filter.choice("file_format", "d.file_format", FILE_FORMATS),
          Filter.eq("series", UUID, "d.series_id"),
          Filter.eq("organization", UUID, "d.organization_id"),
          Filter.eq("uploaded_by", LONG, "d.uploaded_by"),
          Filter.predicate("created_after", TIMESTAMP, "d.created_at >= ?"),
          Filter.predicate("created_before", TIMESTAMP, "d.created_at < ?"))
      .search("d.filename", "d.description", "ds.part_number")
      // the same matches, read from lower-cased copies under trigram indexes (V9): ILIKE lower-cases every row it
      // reads, which was most of a search's cost; a part number is looked up among the series first
      .searchBy("d.filename", "d.filename_lower LIKE lower(?)")
      .searchBy("d.description", "d.description_lower LIKE lower(?)")
      .searchBy("ds.part_number",
          "d.series_id = ANY(ARRAY(SELECT id FROM design_series WHERE part_number_lower LIKE lower(?)))")
      .orderings("-created_at", "created_at", "d.created_at", "updated_at", "d.updated_at", "filename", "d.filename",
          "file_size", "d.file_size", "version", "d.version")
      // a search's matches kept per organization by creation (created_at is NOT NULL, V1), its range cut from them
      .matchOrder("created_at", "created_after", "created_before")
      .visibility("d.organization_id" + IN_SCOPE, "ARRAY[d.organization_id::text]")
      .parent("series", Resources.SERIES, "organization_id")
      .writes(Role.EDITOR, "organization_id", "uploaded_by", WriteRule.VERSIONED)
      .cascadeRefs("SELECT 'review', id::text FROM review_sessions WHERE design_id = $1")
      .detailTags(row -> List.of(Tags.of(Resources.SERIES, row.getString("series"))))
      .listsByColumn()
      .invalidates(() -> List.of(
          row(Resources.DESIGNS),
          part(Resources.DESIGNS, Tags.BOM).in(LONGTERM),
          part(Resources.DESIGNS, Tags.METADATA).in(LONGTERM),
          row(Resources.SERIES),
          lists(Resources.DESIGNS),
          part(Resources.ORGANIZATIONS, Tags.STORAGE),
          part(Resources.DESIGNS, Resources.ASSEMBLY_NODES).onDelete(),
          row(Resources.REVIEWS).onDelete(),
          part(Resources.REVIEWS, Resources.MARKUPS).onDelete(),
          lists(Resources.ASSEMBLY_NODES).onDelete(),
          lists(Resources.ANALYSIS_JOBS).onDelete(),
          lists(Resources.REVIEWS).onDelete(),
          lists(Resources.MARKUPS).onDelete()))
      .lastModified("greatest(d.updated_at, ds.updated_at)") // its part number is its series'
      .build();

  public static final Resource ASSEMBLY_NODES = Resource.named("assembly-nodes")
      .item("node", Entity.ASSEMBLY_NODE)
      .reads("assembly_nodes n", "id", "n.id", UUID)
      .fields(
          Field.of("id", UUID).select("n.id").build(),
          Field.of("design", UUID).select("n.design_id").column("design_id").createOnly().required().build(),
          Field.of("parent", UUID).select("n.parent_id").column("parent_id").nullable().build(),
          Field.of("part_number", STRING).select("n.part_number").column("part_number").required().maxLength(64)
              .pattern(PART_NUMBER, PART_NUMBER_HINT).build(),
          Field.of("name", STRING).select("n.name").column("name").maxLength(200).defaultValue("").build(),
          Field.of("quantity", INT).select("n.quantity").column("quantity").range(1, 1_000_000).defaultValue(1).build(),
          Field.of("position", INT).select("n.position").column("position").range(0, 1_000_000).defaultValue(0).build(),
          Field.of("organization", UUID).select("n.organization_id").build(),
          Field.of("created_at", TIMESTAMP).select("n.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("n.updated_at").build())
      .filters(Filter.eq("design", UUID, "n.design_id"), Filter.eq("parent", UUID, "n.parent_id"),
          Filter.predicate("root", BOOL, "(n.parent_id IS NULL) = ?"),
          Filter.eq("part_number", STRING, "n.part_number"))
      .search("n.part_number", "n.name")
      .orderings("position", "position", "n.position", "part_number", "n.part_number", "created_at", "n.created_at")
      .visibility("n.organization_id" + IN_SCOPE, "ARRAY[n.organization_id::text]")
      .parent("design", Resources.DESIGNS, "organization_id")
      .writes(Role.EDITOR, "organization_id", null, WriteRule.TREE)
      .detailTags(row -> List.of(Tags.part(Resources.DESIGNS, row.getString("design"), Resources.ASSEMBLY_NODES)))
      .listsByColumn()
      .invalidates(() -> List.of(
          row(Resources.ASSEMBLY_NODES),
          part(Resources.DESIGNS, Tags.BOM).in(LONGTERM),
          part(Resources.DESIGNS, Tags.METADATA).in(LONGTERM),
          lists(Resources.ASSEMBLY_NODES),
          part(Resources.DESIGNS, Resources.ASSEMBLY_NODES).onDelete()))
      .lastModified("n.updated_at")
      .build();

  public static final Resource ANALYSIS_JOBS = Resource.named("analysis-jobs")
      .item("job", Entity.ANALYSIS_JOB)
      .reads("analysis_jobs j", "id", "j.id", UUID)
      .fields(
          Field.of("id", UUID).select("j.id").build(),
          Field.of("design", UUID).select("j.design_id").column("design_id").createOnly().required().build(),
          Field.of("job_type", STRING).select("j.job_type").column("job_type").createOnly().required()
              .choices(JOB_TYPES).build(),
          Field.of("status", STRING).select("j.status").column("status").choices(JOB_STATUSES)
              .defaultValue("PENDING").build(),
          Field.of("progress", INT).select("j.progress").column("progress").range(0, 100).defaultValue(0).build(),
          Field.of("parameters", JSON_OBJECT).select("j.parameters").column("parameters").build(),
          Field.of("result", JSON_OBJECT).select("j.result").column("result").nullable().build(),
          Field.of("error_message", STRING).select("j.error_message").column("error_message").nullable()
              .maxLength(2000).build(),
          Field.of("organization", UUID).select("j.organization_id").build(),
          Field.of("created_by", LONG).select("j.created_by").readsNull().build(),
          Field.of("created_at", TIMESTAMP).select("j.created_at").build(),
          Field.of("started_at", TIMESTAMP).select("j.started_at").readsNull().build(),
          Field.of("finished_at", TIMESTAMP).select("j.finished_at").readsNull().build(),
          Field.of("updated_at", TIMESTAMP).select("j.updated_at").build())
      .filters(Filter.eq("design", UUID, "j.design_id"), Filter.choice("status", "j.status", JOB_STATUSES),
          Filter.choice("job_type", "j.job_type", JOB_TYPES))
      .search("j.job_type", "j.error_message")
      .orderings("-created_at", "created_at", "j.created_at", "updated_at", "j.updated_at", "status", "j.status")
      .visibility("j.organization_id" + IN_SCOPE, "ARRAY[j.organization_id::text]")
      .parent("design", Resources.DESIGNS, "organization_id")
      .writes(Role.EDITOR, "organization_id", "created_by", WriteRule.STATUS_TIMES)
      .detailTags(row -> List.of(Tags.of(Resources.DESIGNS, row.getString("design"))))
      .listsByColumn()
      .invalidates(() -> List.of(
          row(Resources.ANALYSIS_JOBS),
          row(Resources.DESIGNS),
          lists(Resources.ANALYSIS_JOBS)))
      .lastModified("j.updated_at")
      .build();

  public static final Resource REVIEWS = Resource.named("reviews")
      .item("review", Entity.REVIEW_SESSION)
      .reads("review_sessions r", "id", "r.id", UUID)
      .fields(
          Field.of("id", UUID).select("r.id").build(),
          Field.of("design", UUID).select("r.design_id").column("design_id").createOnly().required().build(),
          Field.of("title", STRING).select("r.title").column("title").required().maxLength(200).build(),
          Field.of("description", STRING).select("r.description").column("description").maxLength(5000)
              .defaultValue("").build(),
          Field.of("status", STRING).select("r.status").column("status").choices(REVIEW_STATUSES)
              .defaultValue("OPEN").build(),
          Field.of("reviewers", LONG_ARRAY)
              .select("ARRAY(SELECT rr.user_id FROM review_reviewers rr WHERE rr.review_id = r.id ORDER BY rr.user_id)")
              .build(),
          Field.of("organization", UUID).select("r.organization_id").build(),
          Field.of("created_by", LONG).select("r.created_by").readsNull().build(),
          Field.of("created_at", TIMESTAMP).select("r.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("r.updated_at").build())
      .filters(Filter.eq("design", UUID, "r.design_id"), Filter.choice("status", "r.status", REVIEW_STATUSES),
          Filter.eq("created_by", LONG, "r.created_by"),
          Filter.predicate("reviewer", LONG,
              "EXISTS (SELECT 1 FROM review_reviewers fr WHERE fr.review_id = r.id AND fr.user_id = ?)"))
      .search("r.title", "r.description")
      .orderings("-created_at", "created_at", "r.created_at", "updated_at", "r.updated_at", "title", "r.title",
          "status", "r.status")
      .visibility("r.organization_id" + IN_SCOPE, "ARRAY[r.organization_id::text]")
      .parent("design", Resources.DESIGNS, "organization_id")
      .writes(Role.EDITOR, "organization_id", "created_by")
      .detailTags(row -> List.of(Tags.of(Resources.DESIGNS, row.getString("design"))))
      .listsByColumn()
      .invalidates(() -> List.of(
          row(Resources.REVIEWS),
          part(Resources.REVIEWS, Resources.MARKUPS),
          row(Resources.DESIGNS),
          lists(Resources.REVIEWS),
          lists(Resources.MARKUPS).onDelete()))
      // no lastModified: its reviewers are rows of their own, without a time
      .build();

  public static final Resource MARKUPS = Resource.named("markups")
      .item("markup", Entity.MARKUP)
      .reads("markups mk", "id", "mk.id", UUID)
      .fields(
          Field.of("id", UUID).select("mk.id").build(),
          Field.of("review", UUID).select("mk.review_id").column("review_id").createOnly().required().build(),
          Field.of("author", LONG).select("mk.author_id").readsNull().build(),
          Field.of("comment", STRING).select("mk.comment").column("comment").required().maxLength(10_000).build(),
          Field.of("anchor", JSON_OBJECT).select("mk.anchor").column("anchor").build(),
          Field.of("status", STRING).select("mk.status").column("status").choices(MARKUP_STATUSES)
              .defaultValue("OPEN").build(),
          Field.of("organization", UUID).select("mk.organization_id").build(),
          Field.of("created_at", TIMESTAMP).select("mk.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("mk.updated_at").build())
      .filters(Filter.eq("review", UUID, "mk.review_id"), Filter.eq("author", LONG, "mk.author_id"),
          Filter.choice("status", "mk.status", MARKUP_STATUSES))
      .search("mk.comment")
      .orderings("created_at", "created_at", "mk.created_at", "updated_at", "mk.updated_at")
      .visibility("mk.organization_id" + IN_SCOPE, "ARRAY[mk.organization_id::text]")
      .parent("review", Resources.REVIEWS, "organization_id")
      .writes(Role.EDITOR, "organization_id", "author_id", WriteRule.AUTHORED)
      .detailTags(row -> List.of(Tags.of(Resources.REVIEWS, row.getString("review"))))
      .listsByColumn()
      .invalidates(() -> List.of(
          row(Resources.MARKUPS),
          row(Resources.REVIEWS),
          part(Resources.REVIEWS, Resources.MARKUPS),
          lists(Resources.MARKUPS)))
      .lastModified("mk.updated_at")
      .build();

  public static final Resource AUDIT_LOGS = Resource.named("audit-logs")
      .item("audit", Entity.AUDIT_LOG)
      .reads("audit_logs a", "id", "a.id", LONG)
      .fields(
          Field.of("id", LONG).select("a.id").build(),
          Field.of("organization", UUID).select("a.organization_id").readsNull().build(),
          Field.of("actor", LONG).select("a.actor_id").readsNull().build(),
          Field.of("actor_username", STRING).select("a.actor_username").readsNull().build(),
          Field.of("action", STRING).select("a.action").build(),
          Field.of("resource_type", STRING).select("a.resource_type").build(),
          Field.of("resource_id", STRING).select("a.resource_id").build(),
          Field.of("changes", JSON_OBJECT).select("a.changes").build(),
          Field.of("ip_address", STRING).select("a.ip_address").readsNull().build(),
          Field.of("created_at", TIMESTAMP).select("a.created_at").build())
      .filters(Filter.eq("organization", UUID, "a.organization_id"), Filter.eq("actor", LONG, "a.actor_id"),
          Filter.choice("action", "a.action", List.of("CREATE", "UPDATE", "DELETE")),
          Filter.eq("resource_type", STRING, "a.resource_type"), Filter.eq("resource_id", STRING, "a.resource_id"))
      .search("a.resource_type", "a.actor_username")
      .orderings("-created_at", "created_at", "a.created_at", "id", "a.id")
      .visibility("(a.organization_id" + IN_SCOPE + " OR (a.organization_id IS NULL AND :staff))",
          "CASE WHEN a.organization_id IS NULL THEN ARRAY['staff'] ELSE ARRAY[a.organization_id::text] END")
      .readOnly()
      .staffListTags(Tags.AUDIT_STAFF)
      .invalidates(() -> List.of(lists(Resources.AUDIT_LOGS)))
      .lastModified("a.created_at") // never changed
      .build();

  /** Top-level and nested collections by name, in the order of the API's documentation. */
  public static final Map<String, Resource> BY_NAME = byName(ORGANIZATIONS, USERS, SERIES, DESIGNS, ASSEMBLY_NODES,
      ANALYSIS_JOBS, REVIEWS, MARKUPS, AUDIT_LOGS, MEMBERS);

  /**
   * Lists of one resource under one row of another: a 404 when that row is not visible, one cache entry per row
   * and query, shared by all who may see the row.
   *
   * @param under           the resource of the row ({@code series})
   * @param segment         the path segment under the row ({@code versions})
   * @param listed          the rows listed ({@code designs})
   * @param filter          the filter of {@code listed} fixed to the row's id
   * @param defaultOrdering the ordering when none is asked, or null for the listed resource's own
   * @param tags            the tags of one row's list
   */
  public record SubList(Resource under, String segment, Resource listed, String filter, String defaultOrdering,
                        Function<String, List<String>> tags) {}

  public static final List<SubList> SUB_LISTS = List.of(
      new SubList(ORGANIZATIONS, "members", MEMBERS, "organization", null,
          org -> List.of(Tags.part(ORGANIZATIONS, org, MEMBERS))),
      new SubList(SERIES, "versions", DESIGNS, "series", "-version", s -> List.of(Tags.of(SERIES, s))),
      new SubList(REVIEWS, "markups", MARKUPS, "review", null,
          r -> List.of(Tags.part(REVIEWS, r, MARKUPS), Tags.of(REVIEWS, r))));

  /** What the events of entities without a resource of their own invalidate. */
  private static final Map<Entity, List<InvalidationRule>> EVENTS_WITHOUT_RESOURCE = Map.of(
      Entity.GEOMETRY_METADATA, List.of(part(DESIGNS, Tags.METADATA).in(LONGTERM)),
      Entity.REVIEW_REVIEWERS, List.of(row(REVIEWS), lists(REVIEWS)),
      Entity.SESSION, List.of(tag("session", Tags::session).in(SESSIONS)));

  /** Key items a manual invalidation of a whole model deletes, for entities without a resource of their own. */
  private static final Map<Entity, List<String>> MANUAL_KEYS_WITHOUT_RESOURCE = Map.of(
      Entity.GEOMETRY_METADATA, List.of(DESIGNS.item()));

  private static final Map<Entity, List<InvalidationRule>> RULES = rulesByEntity();
  private static final Map<Entity, List<String>> MANUAL_KEY_ITEMS = manualKeyItemsByEntity();

  private Resources() {}

  public static Resource byName(String name) {
    Resource r = BY_NAME.get(name);
    if (r == null) {
      throw new IllegalArgumentException("unknown resource " + name);
    }
    return r;
  }

  /** What an event of an entity invalidates. */
  public static List<InvalidationRule> invalidationRules(Entity entity) {
    return RULES.get(entity);
  }

  /** The models a manual invalidation may name without an id, and the key items each deletes. */
  public static Map<Entity, List<String>> manualKeyItems() {
    return MANUAL_KEY_ITEMS;
  }

  /**
   * The start-up check of the whole set: every entity's events have rules, every item and name is spelled once,
   * every configured cache setting names a resource and every resource has one. Throws naming what is missing.
   *
   * @param configured the resource names with cache settings ({@code cache.resources} of the configuration)
   * @param extra      cached answers that are not resources ({@code bom}, {@code metadata})
   */
  public static void check(Set<String> configured, Set<String> extra) {
    List<String> problems = new ArrayList<>();
    for (Entity e : Entity.values()) {
      if (RULES.get(e) == null) {
        problems.add("the events of " + e.model() + " invalidate nothing: declare its rules");
      }
    }
    Set<String> items = new TreeSet<>();
    for (Resource r : BY_NAME.values()) {
      if (!items.add(r.item())) {
        problems.add("item '" + r.item() + "' is spelled by two resources");
      }
      if (!configured.contains(r.name())) {
        problems.add("resource " + r.name() + " has no cache settings (cache.resources." + r.name() + ")");
      }
    }
    for (String name : configured) {
      if (!BY_NAME.containsKey(name) && !extra.contains(name)) {
        problems.add("cache.resources." + name + " names no resource (known: " + BY_NAME.keySet() + " and " + extra + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems));
    }
  }

  private static Map<String, Resource> byName(Resource... resources) {
    Map<String, Resource> m = new LinkedHashMap<>();
    for (Resource r : resources) {
      if (m.put(r.name(), r) != null) {
        throw new IllegalStateException("two resources are named " + r.name());
      }
    }
    return Collections.unmodifiableMap(m);
  }

  private static Map<Entity, List<InvalidationRule>> rulesByEntity() {
    Map<Entity, List<InvalidationRule>> m = new EnumMap<>(Entity.class);
    m.putAll(EVENTS_WITHOUT_RESOURCE);
    for (Resource r : BY_NAME.values()) {
      if (m.put(r.entity(), r.invalidates()) != null) {
        throw new IllegalStateException("the events of " + r.entity().model() + " are declared twice");
      }
    }
    return Collections.unmodifiableMap(m);
  }

  private static Map<Entity, List<String>> manualKeyItemsByEntity() {
    Map<Entity, List<String>> m = new EnumMap<>(Entity.class);
    for (Resource r : BY_NAME.values()) {
      if (!r.manualKeyItems().isEmpty()) {
        m.put(r.entity(), r.manualKeyItems());
      }
    }
    m.putAll(MANUAL_KEYS_WITHOUT_RESOURCE);
    return Collections.unmodifiableMap(m);
  }
}
