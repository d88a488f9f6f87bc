package io.enginel.domain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.enginel.domain.FieldType.BOOL;
import static io.enginel.domain.FieldType.INT;
import static io.enginel.domain.FieldType.JSON_OBJECT;
import static io.enginel.domain.FieldType.LONG;
import static io.enginel.domain.FieldType.LONG_ARRAY;
import static io.enginel.domain.FieldType.STRING;
import static io.enginel.domain.FieldType.TIMESTAMP;
import static io.enginel.domain.FieldType.UUID;

/** The API's resources, defined once as data. */
public final class Resources {

  public static final List<String> UPLOAD_STATUSES = List.of("PENDING", "PROCESSING", "COMPLETED", "FAILED");
  public static final List<String> FILE_FORMATS = List.of("step", "iges", "stl", "obj");
  public static final List<String> JOB_STATUSES = List.of("PENDING", "RUNNING", "COMPLETED", "FAILED");
  public static final List<String> JOB_TYPES = List.of("GEOMETRY_EXTRACTION", "MASS_PROPERTIES", "MESH_VALIDATION");
  public static final List<String> REVIEW_STATUSES = List.of("OPEN", "IN_REVIEW", "APPROVED", "REJECTED", "CLOSED");
  public static final List<String> MARKUP_STATUSES = List.of("OPEN", "RESOLVED");
  public static final List<String> ROLES = List.of("ADMIN", "EDITOR", "VIEWER");

  private static final String PART_NUMBER = "[A-Za-z0-9][A-Za-z0-9._/-]{0,63}";
  private static final String FILENAME = "[^/\\\\\\x00-\\x1f]{1,255}";
  private static final String IN_SCOPE = " = ANY(:orgs)";

  public static final Resource ORGANIZATIONS = new Resource(
      "organizations", "org", Entity.ORGANIZATION, "organizations", "organizations o", "o.id", UUID,
      List.of(
          Field.of("id", UUID).select("o.id").build(),
          Field.of("name", STRING).select("o.name").column("name").required().maxLength(200).build(),
          Field.of("slug", STRING).select("o.slug").column("slug").required().maxLength(100)
              .pattern("[a-z0-9]+(-[a-z0-9]+)*", "lower-case letters, digits and single hyphens").build(),
          Field.of("description", STRING).select("o.description").column("description").maxLength(5000)
              .defaultValue("").build(),
          Field.of("storage_quota_bytes", LONG).select("o.storage_quota_bytes").column("storage_quota_bytes")
              .range(0, Long.MAX_VALUE).defaultValue(10_737_418_240L).build(),
          Field.of("created_at", TIMESTAMP).select("o.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("o.updated_at").build()),
      filters(Filter.eq("slug", STRING, "o.slug")),
      List.of("o.name", "o.slug"),
      orderings("name", "o.name", "slug", "o.slug", "created_at", "o.created_at"),
      "name",
      "o.id" + IN_SCOPE,
      "ARRAY[o.id::text]",
      Map.of("organization", "id"),
      null, Role.ADMIN, true,
      "o.updated_at");

  public static final Resource USERS = new Resource(
      "users", "user", Entity.USER, "users", "users u", "u.id", LONG,
      List.of(
          Field.of("id", LONG).select("u.id").build(),
          Field.of("username", STRING).select("u.username").column("username").createOnly().required()
              .maxLength(150).pattern("[A-Za-z0-9@.+_-]+", "letters, digits and @ . + - _").build(),
          Field.of("email", STRING).select("u.email").column("email").maxLength(254).defaultValue("").build(),
          Field.of("first_name", STRING).select("u.first_name").column("first_name").maxLength(150)
              .defaultValue("").build(),
          Field.of("last_name", STRING).select("u.last_name").column("last_name").maxLength(150)
              .defaultValue("").build(),
          Field.of("password", STRING).column("password_hash").writeOnly().required().maxLength(128).build(),
          Field.of("is_staff", BOOL).select("u.is_staff").column("is_staff").staffOnly().defaultValue(false).build(),
          Field.of("is_active", BOOL).select("u.is_active").column("is_active").staffOnly().defaultValue(true).build(),
          Field.of("date_joined", TIMESTAMP).select("u.date_joined").build()),
      filters(Filter.eq("username", STRING, "u.username"), Filter.eq("is_staff", BOOL, "u.is_staff"),
          Filter.eq("is_active", BOOL, "u.is_active"),
          Filter.predicate("organization", UUID,
              "EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = u.id AND fm.organization_id = ?)")),
      List.of("u.username", "u.email", "u.first_name", "u.last_name"),
      orderings("username", "u.username", "date_joined", "u.date_joined", "id", "u.id"),
      "username",
      "(u.id = :me OR EXISTS (SELECT 1 FROM memberships vm WHERE vm.user_id = u.id AND vm.organization_id = ANY(:orgs)))",
      "ARRAY(SELECT om.organization_id::text FROM memberships om WHERE om.user_id = u.id) || ('u:' || u.id)",
      Map.of("user", "id"),
      null, Role.ADMIN, true,
      "u.updated_at");

  public static final Resource MEMBERS = new Resource(
      "members", "members", Entity.MEMBERSHIP, "memberships",
      "memberships m JOIN users mu ON mu.id = m.user_id", "m.user_id", LONG,
      List.of(
          Field.of("user", LONG).select("m.user_id").column("user_id").createOnly().required().build(),
          Field.of("username", STRING).select("mu.username").build(),
          Field.of("email", STRING).select("mu.email").build(),
          // read-only: a membership's organization is the one in the path, never one named in the body
          Field.of("organization", UUID).select("m.organization_id").build(),
          Field.of("role", STRING).select("m.role").column("role").required().choices(ROLES).build(),
          Field.of("joined_at", TIMESTAMP).select("m.joined_at").build()),
      filters(Filter.eq("organization", UUID, "m.organization_id"), Filter.choice("role", "m.role", ROLES)),
      List.of("mu.username", "mu.email"),
      orderings("username", "mu.username", "joined_at", "m.joined_at", "role", "m.role"),
      "username",
      "m.organization_id" + IN_SCOPE,
      "ARRAY[m.organization_id::text]",
      Map.of("organization", "organization_id", "user", "user_id"),
      new Resource.Parent("organization", "organizations", "id"), Role.ADMIN, true,
      null); // a role change moves no time; username and email are the user's

  public static final Resource SERIES = new Resource(
      "series", "series", Entity.DESIGN_SERIES, "design_series", "design_series s", "s.id", UUID,
      List.of(
          Field.of("id", UUID).select("s.id").build(),
          Field.of("organization", UUID).select("s.organization_id").column("organization_id").createOnly()
              .required().build(),
          Field.of("part_number", STRING).select("s.part_number").column("part_number").required().maxLength(64)
              .pattern(PART_NUMBER, "letters, digits and . _ / - (starting with a letter or digit)").build(),
          Field.of("name", STRING).select("s.name").column("name").maxLength(200).defaultValue("").build(),
          Field.of("description", STRING).select("s.description").column("description").maxLength(5000)
              .defaultValue("").build(),
          Field.of("created_by", LONG).select("s.created_by").build(),
          Field.of("version_count", INT)
              .select("(SELECT count(*)::int FROM design_assets vc WHERE vc.series_id = s.id)").build(),
          Field.of("latest_version", INT)
              .select("(SELECT max(lv.version) FROM design_assets lv WHERE lv.series_id = s.id)").build(),
          Field.of("created_at", TIMESTAMP).select("s.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("s.updated_at").build()),
      filters(Filter.eq("organization", UUID, "s.organization_id"), Filter.eq("part_number", STRING, "s.part_number")),
      List.of("s.part_number", "s.name"),
      orderings("part_number", "s.part_number", "created_at", "s.created_at", "updated_at", "s.updated_at"),
      "part_number",
      "s.organization_id" + IN_SCOPE,
      "ARRAY[s.organization_id::text]",
      Map.of("organization", "organization_id", "series", "id"),
      new Resource.Parent("organization", "organizations", "id"), Role.EDITOR, true,
      null); // version_count and latest_version change with its designs

  public static final Resource DESIGNS = new Resource(
      "designs", "design", Entity.DESIGN_ASSET, "design_assets",
      "design_assets d JOIN design_series ds ON ds.id = d.series_id", "d.id", UUID,
      List.of(
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
          Field.of("file_hash", STRING).select("d.file_hash").build(),
          Field.of("upload_status", STRING).select("d.upload_status").column("upload_status")
              .choices(UPLOAD_STATUSES).defaultValue("PENDING").build(),
          Field.of("uploaded_by", LONG).select("d.uploaded_by").build(),
          Field.of("description", STRING).select("d.description").column("description").maxLength(10_000)
              .defaultValue("").build(),
          Field.of("created_at", TIMESTAMP).select("d.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("d.updated_at").build()),
      filters(Filter.choice("upload_status", "d.upload_status", UPLOAD_STATUSES),
          Filter.choice("file_format", "d.file_format", FILE_FORMATS),
          Filter.eq("series", UUID, "d.series_id"),
          Filter.eq("organization", UUID, "d.organization_id"),
          Filter.eq("uploaded_by", LONG, "d.uploaded_by"),
          Filter.predicate("created_after", TIMESTAMP, "d.created_at >= ?"),
          Filter.predicate("created_before", TIMESTAMP, "d.created_at < ?")),
      List.of("d.filename", "d.description", "ds.part_number"),
      orderings("created_at", "d.created_at", "updated_at", "d.updated_at", "filename", "d.filename",
          "file_size", "d.file_size", "version", "d.version"),
      "-created_at",
      "d.organization_id" + IN_SCOPE,
      "ARRAY[d.organization_id::text]",
      Map.of("organization", "organization_id", "series", "series_id", "design", "id"),
      new Resource.Parent("series", "design_series", "organization_id"), Role.EDITOR, true,
      "greatest(d.updated_at, ds.updated_at)"); // its part number is its series'

  public static final Resource ASSEMBLY_NODES = new Resource(
      "assembly-nodes", "node", Entity.ASSEMBLY_NODE, "assembly_nodes", "assembly_nodes n", "n.id", UUID,
      List.of(
          Field.of("id", UUID).select("n.id").build(),
          Field.of("design", UUID).select("n.design_id").column("design_id").createOnly().required().build(),
          Field.of("parent", UUID).select("n.parent_id").column("parent_id").nullable().build(),
          Field.of("part_number", STRING).select("n.part_number").column("part_number").required().maxLength(64)
              .pattern(PART_NUMBER, "letters, digits and . _ / - (starting with a letter or digit)").build(),
          Field.of("name", STRING).select("n.name").column("name").maxLength(200).defaultValue("").build(),
          Field.of("quantity", INT).select("n.quantity").column("quantity").range(1, 1_000_000).defaultValue(1).build(),
          Field.of("position", INT).select("n.position").column("position").range(0, 1_000_000).defaultValue(0).build(),
          Field.of("organization", UUID).select("n.organization_id").build(),
          Field.of("created_at", TIMESTAMP).select("n.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("n.updated_at").build()),
      filters(Filter.eq("design", UUID, "n.design_id"), Filter.eq("parent", UUID, "n.parent_id"),
          Filter.predicate("root", BOOL, "(n.parent_id IS NULL) = ?"),
          Filter.eq("part_number", STRING, "n.part_number")),
      List.of("n.part_number", "n.name"),
      orderings("position", "n.position", "part_number", "n.part_number", "created_at", "n.created_at"),
      "position",
      "n.organization_id" + IN_SCOPE,
      "ARRAY[n.organization_id::text]",
      Map.of("organization", "organization_id", "design", "design_id", "node", "id", "parent", "parent_id"),
      new Resource.Parent("design", "design_assets", "organization_id"), Role.EDITOR, true,
      "n.updated_at");

  public static final Resource ANALYSIS_JOBS = new Resource(
      "analysis-jobs", "job", Entity.ANALYSIS_JOB, "analysis_jobs", "analysis_jobs j", "j.id", UUID,
      List.of(
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
          Field.of("created_by", LONG).select("j.created_by").build(),
          Field.of("created_at", TIMESTAMP).select("j.created_at").build(),
          Field.of("started_at", TIMESTAMP).select("j.started_at").build(),
          Field.of("finished_at", TIMESTAMP).select("j.finished_at").build(),
          Field.of("updated_at", TIMESTAMP).select("j.updated_at").build()),
      filters(Filter.eq("design", UUID, "j.design_id"), Filter.choice("status", "j.status", JOB_STATUSES),
          Filter.choice("job_type", "j.job_type", JOB_TYPES)),
      List.of("j.job_type", "j.error_message"),
      orderings("created_at", "j.created_at", "updated_at", "j.updated_at", "status", "j.status"),
      "-created_at",
      "j.organization_id" + IN_SCOPE,
      "ARRAY[j.organization_id::text]",
      Map.of("organization", "organization_id", "design", "design_id", "job", "id"),
      new Resource.Parent("design", "design_assets", "organization_id"), Role.EDITOR, true,
      "j.updated_at");

  public static final Resource REVIEWS = new Resource(
      "reviews", "review", Entity.REVIEW_SESSION, "review_sessions", "review_sessions r", "r.id", UUID,
      List.of(
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
          Field.of("created_by", LONG).select("r.created_by").build(),
          Field.of("created_at", TIMESTAMP).select("r.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("r.updated_at").build()),
      filters(Filter.eq("design", UUID, "r.design_id"), Filter.choice("status", "r.status", REVIEW_STATUSES),
          Filter.eq("created_by", LONG, "r.created_by"),
          Filter.predicate("reviewer", LONG,
              "EXISTS (SELECT 1 FROM review_reviewers fr WHERE fr.review_id = r.id AND fr.user_id = ?)")),
      List.of("r.title", "r.description"),
      orderings("created_at", "r.created_at", "updated_at", "r.updated_at", "title", "r.title", "status", "r.status"),
      "-created_at",
      "r.organization_id" + IN_SCOPE,
      "ARRAY[r.organization_id::text]",
      Map.of("organization", "organization_id", "design", "design_id", "review", "id"),
      new Resource.Parent("design", "design_assets", "organization_id"), Role.EDITOR, true,
      null); // its reviewers are rows of their own, without a time

  public static final Resource MARKUPS = new Resource(
      "markups", "markup", Entity.MARKUP, "markups", "markups mk", "mk.id", UUID,
      List.of(
          Field.of("id", UUID).select("mk.id").build(),
          Field.of("review", UUID).select("mk.review_id").column("review_id").createOnly().required().build(),
          Field.of("author", LONG).select("mk.author_id").build(),
          Field.of("comment", STRING).select("mk.comment").column("comment").required().maxLength(10_000).build(),
          Field.of("anchor", JSON_OBJECT).select("mk.anchor").column("anchor").build(),
          Field.of("status", STRING).select("mk.status").column("status").choices(MARKUP_STATUSES)
              .defaultValue("OPEN").build(),
          Field.of("organization", UUID).select("mk.organization_id").build(),
          Field.of("created_at", TIMESTAMP).select("mk.created_at").build(),
          Field.of("updated_at", TIMESTAMP).select("mk.updated_at").build()),
      filters(Filter.eq("review", UUID, "mk.review_id"), Filter.eq("author", LONG, "mk.author_id"),
          Filter.choice("status", "mk.status", MARKUP_STATUSES)),
      List.of("mk.comment"),
      orderings("created_at", "mk.created_at", "updated_at", "mk.updated_at"),
      "created_at",
      "mk.organization_id" + IN_SCOPE,
      "ARRAY[mk.organization_id::text]",
      Map.of("organization", "organization_id", "review", "review_id", "markup", "id"),
      new Resource.Parent("review", "review_sessions", "organization_id"), Role.EDITOR, true,
      "mk.updated_at");

  public static final Resource AUDIT_LOGS = new Resource(
      "audit-logs", "audit", Entity.AUDIT_LOG, "audit_logs", "audit_logs a", "a.id", LONG,
      List.of(
          Field.of("id", LONG).select("a.id").build(),
          Field.of("organization", UUID).select("a.organization_id").build(),
          Field.of("actor", LONG).select("a.actor_id").build(),
          Field.of("actor_username", STRING).select("a.actor_username").build(),
          Field.of("action", STRING).select("a.action").build(),
          Field.of("resource_type", STRING).select("a.resource_type").build(),
          Field.of("resource_id", STRING).select("a.resource_id").build(),
          Field.of("changes", JSON_OBJECT).select("a.changes").build(),
          Field.of("ip_address", STRING).select("a.ip_address").build(),
          Field.of("created_at", TIMESTAMP).select("a.created_at").build()),
      filters(Filter.eq("organization", UUID, "a.organization_id"), Filter.eq("actor", LONG, "a.actor_id"),
          Filter.choice("action", "a.action", List.of("CREATE", "UPDATE", "DELETE")),
          Filter.eq("resource_type", STRING, "a.resource_type"), Filter.eq("resource_id", STRING, "a.resource_id")),
      List.of("a.resource_type", "a.actor_username"),
      orderings("created_at", "a.created_at", "id", "a.id"),
      "-created_at",
      "(a.organization_id" + IN_SCOPE + " OR (a.organization_id IS NULL AND :staff))",
      "CASE WHEN a.organization_id IS NULL THEN ARRAY['staff'] ELSE ARRAY[a.organization_id::text] END",
      Map.of("organization", "organization_id"),
      null, Role.ADMIN, false,
      "a.created_at");

  /** Top-level collections by path segment. */
  public static final Map<String, Resource> BY_NAME;

  static {
    Map<String, Resource> m = new LinkedHashMap<>();
    for (Resource r : List.of(ORGANIZATIONS, USERS, SERIES, DESIGNS, ASSEMBLY_NODES, ANALYSIS_JOBS, REVIEWS,
        MARKUPS, AUDIT_LOGS, MEMBERS)) {
      m.put(r.name(), r);
    }
    BY_NAME = java.util.Collections.unmodifiableMap(m);
  }

  private Resources() {}

  public static Resource byName(String name) {
    Resource r = BY_NAME.get(name);
    if (r == null) {
      throw new IllegalArgumentException("unknown resource " + name);
    }
    return r;
  }

  private static Map<String, Filter> filters(Filter... filters) {
    Map<String, Filter> m = new LinkedHashMap<>();
    for (Filter f : filters) {
      m.put(f.param(), f);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  private static Map<String, String> orderings(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }
}
