package io.enginel.http;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.Entity;
import io.enginel.domain.FieldType;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.domain.geometry.ContentFormat;
import io.enginel.domain.geometry.MeshReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI 3.1 document of the HTTP API, served at {@code /openapi.json}. The resources' paths, parameters and
 * schemas are generated from their declarations ({@link ResourceSchemas}); the other endpoints — accounts, the
 * computed views, uploads, reviewers, cache administration, operations — are described here, once. Tests hold
 * it to the router (every registered route is described, every described operation is routed) and to the
 * server's real answers.
 */
final class OpenApiDocument {
  static final String MEDIA_TYPE = "application/vnd.oai.openapi+json";
  static final String PATH = "/openapi.json";
  static final String DOCS_PATH = "/docs";
  private static final String JSON = "application/json";
  private static final String API_VERSION = "1";
  /** A media type's content described by its type alone (OpenAPI 3.1 allows a media type without a schema). */
  private static final JsonObject ANY = new JsonObject();

  /** What the document says that depends on the configuration; one process has one. */
  record Settings(int defaultPageSize, int maxPageSize, long bodyLimitBytes, long maxUploadBytes, int sessionTtlSeconds,
                  double defaultDensity, boolean metrics) {
    static Settings of(EnginelConfig config, boolean metrics) {
      return new Settings(config.http().defaultPageSize(), config.http().maxPageSize(), config.http().bodyLimitBytes(),
          config.storage().maxUploadBytes(), config.auth().sessionTtlSeconds(), config.jobs().defaultDensity(), metrics);
    }
  }


  /** An error status an operation may list: the name of its shared response, and what it means. */
  private record ErrorAnswer(String component, String meaning) {}

  private static final Map<Integer, ErrorAnswer> ERRORS = errorTable();

  private static Map<Integer, ErrorAnswer> errorTable() {
    Map<Integer, ErrorAnswer> m = new LinkedHashMap<>();
    m.put(400, new ErrorAnswer("BadRequest", "Malformed JSON, a wrong type or a broken constraint (`details.field`), or "
        + "an invalid id, filter, page or ordering (`details.parameter`)."));
    m.put(401, new ErrorAnswer("Unauthorized", "No token, or one that is unknown or ended."));
    m.put(403, new ErrorAnswer("Forbidden", "Authenticated, but not allowed (a role too low, not staff)."));
    m.put(404, new ErrorAnswer("NotFound", "Absent, or not visible to you; for a list, a page past the last."));
    m.put(409, new ErrorAnswer("Conflict", "A uniqueness or reference rule, the last ADMIN, or a concurrent change."));
    m.put(412, new ErrorAnswer("PreconditionFailed", "The `If-Match` ETag is not the row's current one "
        + "(`details.etag` is); nothing was written."));
    m.put(413, new ErrorAnswer("TooLarge", "The body is over the limit."));
    m.put(415, new ErrorAnswer("UnsupportedMediaType", "The body is not application/json."));
    m.put(429, new ErrorAnswer("TooManyRequests", "Too many login attempts; `Retry-After` says when to try again."));
    m.put(503, new ErrorAnswer("Unavailable", "The database did not answer in time; `Retry-After` says when to retry."));
    return m;
  }

  private final Settings settings;
  private final JsonObject paths = new JsonObject();
  private final JsonObject schemas = new JsonObject();
  private final Map<String, String> tags = new LinkedHashMap<>();

  private OpenApiDocument(Settings settings) {
    this.settings = settings;
  }

  static JsonObject build(Settings settings) {
    return new OpenApiDocument(settings).document();
  }

  private JsonObject document() {
    errorSchemas();
    accounts();
    for (Resource r : Resources.BY_NAME.values()) {
      resourceSchemas(r);
      if (r.nesting() == null) {
        collection(r);
      }
    }
    subResources();
    cacheAdministration();
    operations();

    JsonArray tagList = new JsonArray();
    tags.forEach((name, description) -> tagList.add(new JsonObject().put("name", name).put("description", description)));
    return new JsonObject()
        .put("openapi", "3.1.0")
        .put("info", new JsonObject().put("title", "Enginel API").put("version", API_VERSION)
            .put("summary", "Engineering design data: organizations, users, design series and assets, assembly trees, "
                + "geometry, analysis jobs, reviews, markups and audit logs.")
            .put("description", "JSON over HTTP. Every request but login and the operational endpoints carries "
                + "`Authorization: Bearer <token>` (from `POST /api/auth/login`). Paths are accepted with and without "
                + "the trailing slash. Reads answer an `ETag` and `304` to a matching `If-None-Match`, and the "
                + "`deflate` content-coding when asked by `Accept-Encoding`. You see what belongs to the organizations "
                + "you are a member of: anything else answers 404. Errors are always the `Error` object."))
        .put("security", new JsonArray().add(new JsonObject().put("bearer", new JsonArray())))
        .put("tags", tagList)
        .put("paths", paths)
        .put("components", new JsonObject()
            .put("securitySchemes", new JsonObject().put("bearer", new JsonObject().put("type", "http")
                .put("scheme", "bearer").put("description", "A session token from POST /api/auth/login.")))
            .put("schemas", schemas)
            .put("headers", headers())
            .put("responses", errorResponses()));
  }

  // ------------------------------------------------------------------ resources, from their declarations

  private void resourceSchemas(Resource r) {
    String name = ResourceSchemas.name(r);
    schemas.put(name, ResourceSchemas.representation(r));
    schemas.put(name + "Page", page(name));
    if (r.writable()) {
      for (ResourceSchemas.Body mode : ResourceSchemas.Body.values()) {
        schemas.put(name + mode.suffix, ResourceSchemas.body(r, mode));
      }
    }
  }

  /** {@code /api/<name>} and {@code /api/<name>/{id}}: list and retrieve, and create, update, delete when writable. */
  private void collection(Resource r) {
    String model = ResourceSchemas.name(r);
    String base = "/api/" + r.name();
    tag(r.name(), "The " + r.name() + " (" + model + ")" + (r.writable() ? "." : "; read only."));
    JsonObject id = ResourceSchemas.idParameter("id", r, "The " + model + "'s id.");

    Op list = new Op("list" + camel(r.name()), r.name(), "List " + r.name())
        .params(ResourceSchemas.listParameters(r, Set.of(), null, settings.defaultPageSize, settings.maxPageSize))
        .cachedRead(ref(model + "Page"), "A page of " + r.name() + ".")
        .errors(400, 401, 404, 503);
    JsonObject collection = new JsonObject().put("get", list.json);
    JsonObject item = new JsonObject().put("parameters", new JsonArray().add(id));
    Op retrieve = new Op("retrieve" + model, r.name(), "Retrieve one " + model);
    item.put("get", (r.lastModified() == null ? retrieve.cachedRead(ref(model), "The " + model + ".")
        : retrieve.cachedReadSince(ref(model), "The " + model + ".")).errors(400, 401, 404, 503).json);
    if (r.writable()) {
      collection.put("post", new Op("create" + model, r.name(), "Create a " + model)
          .body(ref(model + "Create"))
          .created(ref(model), "Created; `Location` names it.")
          .errors(400, 401, 403, 404, 409, 413, 415, 503).json);
      item.put("patch", new Op("update" + model, r.name(), "Change some fields of a " + model)
          .body(ref(model + "Patch")).ifMatch().changed(ref(model), "The " + model + " as changed.")
          .errors(400, 401, 403, 404, 409, 412, 413, 415, 503).json);
      item.put("put", new Op("replace" + model, r.name(), "Replace the writable fields of a " + model)
          .body(ref(model + "Replace")).ifMatch().changed(ref(model), "The " + model + " as changed.")
          .errors(400, 401, 403, 404, 409, 412, 413, 415, 503).json);
      item.put("delete", new Op("delete" + model, r.name(), "Delete a " + model).ifMatch()
          .noContent("Deleted.").errors(400, 401, 403, 404, 409, 412, 503).json);
    }
    paths.put(base, collection);
    paths.put(base + "/{id}", item);
  }

  /** The lists fixed to a row, the members of an organization, and the computed views of a row. */
  private void subResources() {
    for (Resources.SubList sub : Resources.SUB_LISTS) {
      String model = ResourceSchemas.name(sub.listed());
      paths.put("/api/" + sub.under().name() + "/{id}/" + sub.segment(), new JsonObject()
          .put("parameters", new JsonArray().add(ResourceSchemas.idParameter("id", sub.under(),
              "The " + ResourceSchemas.name(sub.under()) + "'s id.")))
          .put("get", new Op("list" + camel(sub.under().name()) + camel(sub.segment()), sub.under().name(),
              "List the " + sub.segment() + " of one " + ResourceSchemas.name(sub.under()))
              .params(ResourceSchemas.listParameters(sub.listed(), Set.of(sub.filter()), sub.defaultOrdering(),
                  settings.defaultPageSize, settings.maxPageSize))
              .cachedRead(ref(model + "Page"), "A page of " + sub.segment() + ".")
              .errors(400, 401, 404, 503).json));
    }
    members();

    Resource orgs = Resources.ORGANIZATIONS;
    Resource designs = Resources.DESIGNS;
    Resource reviews = Resources.REVIEWS;
    paths.put("/api/organizations/{id}/storage", new JsonObject()
        .put("parameters", new JsonArray().add(ResourceSchemas.idParameter("id", orgs, "The Organization's id.")))
        .put("get", new Op("retrieveOrganizationStorage", orgs.name(), "Bytes used by an organization's designs")
            .cachedRead(ref("StorageUse"), "Bytes used against the quota.").errors(400, 401, 404, 503).json));
    schemas.put("StorageUse", closed(props(
            "organization", ResourceSchemas.typed(FieldType.UUID, false),
            "quota_bytes", integer(0), "used_bytes", integer(0), "available_bytes", integer(0),
            "percent_used", new JsonObject().put("type", "number").put("minimum", 0),
            "design_count", integer(0)),
        "organization", "quota_bytes", "used_bytes", "available_bytes", "percent_used", "design_count"));

    JsonObject designId = ResourceSchemas.idParameter("id", designs, "The DesignAsset's id.");
    paths.put("/api/designs/{id}/bom", new JsonObject().put("parameters", new JsonArray().add(designId))
        .put("get", new Op("retrieveDesignBom", designs.name(), "The assembly tree of a design")
            .describe("One recursive query; each node's `total_quantity` is the product of the quantities along its "
                + "path; `parts` totals every part number over the whole tree.")
            .cachedRead(ref("Bom"), "The BOM.").errors(400, 401, 404, 503).json));
    bomSchemas();

    paths.put("/api/designs/{id}/metadata", new JsonObject().put("parameters", new JsonArray().add(designId))
        .put("get", new Op("retrieveDesignMetadata", designs.name(), "The geometry of a design's file")
            .describe("From the long-term tier. Computed by the upload's geometry job; when a file has none, computed "
                + "on demand. 404 with error `no_file` when nothing was uploaded, `not_ready` while its job works.")
            .cachedRead(ref("GeometryMetadata"), "Mass properties of the design's mesh.")
            .errors(400, 401, 404, 503).json));
    schemas.put("GeometryMetadata", geometrySchema());

    paths.put("/api/designs/{id}/file", new JsonObject().put("parameters", new JsonArray().add(designId))
        .put("post", new Op("uploadDesignFile", designs.name(), "Upload the design's CAD file")
            .describe("The raw body (any content type but multipart), or the first file of a multipart form; "
                + "streamed to disk, at most "
                + settings.maxUploadBytes + " bytes (413 as soon as it passes). Its format is taken from its content ("
                + ContentFormat.READABLE + "), recorded as the design's `file_format`, and said as `detected_format`; "
                + "`format_note` says when the file's name or the design said otherwise. A file whose geometry "
                + "Enginel cannot compute (STEP, IGES, unrecognised) is refused at once: 415 with `details."
                + "detected_format` and `details.readable_formats`. Queues a geometry job: the answer is "
                + "the design with `job`, and `Location` names the job. Needs EDITOR or ADMIN.")
            .param(new JsonObject().put("name", "density").put("in", "query").put("required", false)
                .put("description", "Material density for the mass properties (kg/m³ by convention).")
                .put("schema", new JsonObject().put("type", "number").put("exclusiveMinimum", 0)
                    .put("default", settings.defaultDensity)))
            .upload()
            .response(202, "Stored; the geometry job is queued.", ref("UploadAccepted"), "Location")
            .errors(400, 401, 403, 404, 413, 415, 503).json));
    JsonObject accepted = ResourceSchemas.representation(designs);
    accepted.getJsonObject("properties").put("job", ResourceSchemas.typed(FieldType.UUID, false)
        .put("description", "The queued geometry job."));
    accepted.getJsonArray("required").add("job");
    accepted.getJsonObject("properties").put("detected_format", new JsonObject().put("type", "string")
        .put("enum", new JsonArray(MeshReader.SUPPORTED)).put("description", "The format read from the file's content."));
    accepted.getJsonArray("required").add("detected_format");
    accepted.getJsonObject("properties").put("format_note", new JsonObject().put("type", "string")
        .put("description", "Present when the file's name or the design's previous file_format said otherwise."));
    schemas.put("UploadAccepted", accepted);

    JsonObject reviewId = ResourceSchemas.idParameter("id", reviews, "The ReviewSession's id.");
    paths.put("/api/reviews/{id}/reviewers", new JsonObject().put("parameters", new JsonArray().add(reviewId))
        .put("post", new Op("addReviewer", reviews.name(), "Add a reviewer to a review")
            .body(ref("ReviewerRequest"))
            .ok(ref(ResourceSchemas.name(reviews)), "The review with its reviewers.")
            .errors(400, 401, 403, 404, 409, 413, 415, 503).json));
    schemas.put("ReviewerRequest", ResourceSchemas.object(props("user", integer(1).put("description", "A user id.")),
        List.of("user")));
    paths.put("/api/reviews/{id}/reviewers/{user}", new JsonObject()
        .put("parameters", new JsonArray().add(reviewId)
            .add(ResourceSchemas.idParameter("user", Resources.USERS, "The reviewer's user id.")))
        .put("delete", new Op("removeReviewer", reviews.name(), "Remove a reviewer from a review")
            .noContent("Removed.").errors(400, 401, 403, 404, 409, 503).json));
  }

  /** The nested members of an organization: created under it, and changed by user id. */
  private void members() {
    Resource m = Resources.MEMBERS;
    String model = ResourceSchemas.name(m);
    JsonObject path = paths.getJsonObject("/api/organizations/{id}/members");
    path.put("post", new Op("create" + model, Resources.ORGANIZATIONS.name(), "Add a member to an organization")
        .body(ref(model + "Create")).created(ref(model), "Added; `Location` names the membership.")
        .errors(400, 401, 403, 404, 409, 413, 415, 503).json);
    JsonObject item = new JsonObject().put("parameters", new JsonArray()
        .add(ResourceSchemas.idParameter("id", Resources.ORGANIZATIONS, "The Organization's id."))
        .add(ResourceSchemas.idParameter("user", m, "The member's user id.")));
    String tag = Resources.ORGANIZATIONS.name();
    item.put("patch", new Op("update" + model, tag, "Change a member's role").body(ref(model + "Patch")).ifMatch()
        .changed(ref(model), "The membership as changed.").errors(400, 401, 403, 404, 409, 412, 413, 415, 503).json);
    item.put("put", new Op("replace" + model, tag, "Replace a member's role").body(ref(model + "Replace")).ifMatch()
        .changed(ref(model), "The membership as changed.").errors(400, 401, 403, 404, 409, 412, 413, 415, 503).json);
    item.put("delete", new Op("delete" + model, tag, "Remove a member (ADMIN, or yourself to leave)")
        .describe("The last ADMIN stays: removing or demoting them is a 409.").ifMatch()
        .noContent("Removed.").errors(400, 401, 403, 404, 409, 412, 503).json);
    paths.put("/api/organizations/{id}/members/{user}", item);
  }

  // ------------------------------------------------------------------ accounts

  private void accounts() {
    tag("auth", "Sessions: log in for a bearer token, log out to end it on every node.");
    paths.put("/api/auth/login", new JsonObject().put("post", new Op("login", "auth", "Log in")
        .open()
        .describe("Attempts are limited per user name and per client address; over the limit, 429 with `Retry-After`.")
        .body(ref("LoginRequest"))
        .ok(ref("SessionToken"), "A new session.")
        .errors(400, 401, 413, 415, 429, 503).json));
    schemas.put("LoginRequest", ResourceSchemas.object(props(
        "username", new JsonObject().put("type", "string").put("minLength", 1).put("maxLength", 150),
        "password", new JsonObject().put("type", "string").put("minLength", 1).put("maxLength", 1024)
            .put("writeOnly", true)), List.of("username", "password")));
    schemas.put("SessionToken", closed(props(
        "token", new JsonObject().put("type", "string").put("description", "The bearer token (256 random bits, base64url)."),
        "expires_in", integer(1).put("description", "Seconds the session lives: " + settings.sessionTtlSeconds + ".")),
        "token", "expires_in"));
    paths.put("/api/auth/logout", new JsonObject().put("post", new Op("logout", "auth", "Log out")
        .describe("The token is refused at once, on every node.")
        .noContent("Logged out.").errors(401, 503).json));

    JsonObject me = ResourceSchemas.representation(Resources.USERS);
    me.getJsonObject("properties").put("organizations", new JsonObject().put("type", "array").put("items", closed(props(
        "id", ResourceSchemas.typed(FieldType.UUID, false), "name", new JsonObject().put("type", "string"),
        "role", new JsonObject().put("type", "string").put("enum", new JsonArray(Resources.ROLES))),
        "id", "name", "role")));
    me.getJsonArray("required").add("organizations");
    schemas.put("Me", me);
    paths.put("/api/users/me", new JsonObject().put("get", new Op("retrieveMe", Resources.USERS.name(),
        "The user of the token, with their organizations and roles")
        .cachedRead(ref("Me"), "You.").errors(401, 503).json));
  }

  // ------------------------------------------------------------------ cache administration

  private void cacheAdministration() {
    tag("cache", "Cache administration; staff only (anyone else gets 403).");
    paths.put("/api/cache/stats", new JsonObject().put("get", new Op("cacheStats", "cache", "Cache statistics")
        .ok(ref("CacheStats"), "Hits, misses, fills, invalidations, compression and the consistency observer.")
        .errors(401, 403, 503).json));
    JsonObject counters = ResourceSchemas.object(props("hits", integer(0), "misses", integer(0), "errors", integer(0),
        "skipped", integer(0), "hit_rate", number().put("description", "Percent.")), List.of("hits", "misses"));
    JsonObject server = counters.copy();
    server.getJsonObject("properties").put("near_hits", integer(0)).put("resources", map(counters));
    schemas.put("CacheStats", ResourceSchemas.object(props(
            "tiers", map(ResourceSchemas.object(props(
                "endpoint", new JsonObject().put("type", "string").put("description", "The tier's Redis, password redacted."),
                "circuit", new JsonObject().put("type", "string"),
                "connected", new JsonObject().put("type", "boolean"),
                "server", server.put("description", "This process's own counts, per tier and resource."),
                "near", ResourceSchemas.object(props("entries", integer(0), "bytes", integer(0), "max_bytes", integer(0),
                    "hits", integer(0)), List.of("entries", "bytes", "max_bytes", "hits")),
                "redis", new JsonObject().put("type", "object").put("description", "From INFO and DBSIZE; server-wide."),
                "error", new JsonObject().put("type", "string")), List.of("endpoint", "circuit", "connected", "server"))),
            "scope", new JsonObject().put("type", "string"),
            "key_prefix", new JsonObject().put("type", "string"),
            "fills", map(integer(0)), "invalidations", map(integer(0)),
            "compression", ResourceSchemas.object(props("values_compressed", integer(0), "bytes_saved", integer(0)),
                List.of("values_compressed", "bytes_saved")),
            "single_flight_joins", integer(0),
            "consistency", new JsonObject().put("type", "object")),
        List.of("tiers", "fills", "invalidations", "compression", "single_flight_joins", "consistency")));

    paths.put("/api/cache/health", new JsonObject().put("get", new Op("cacheHealth", "cache", "Each Redis tier's health")
        .ok(ref("CacheHealth"), "Up, or degraded with the tiers that are not.").errors(401, 403, 503).json));
    schemas.put("CacheHealth", ResourceSchemas.object(props(
        "status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("up").add("degraded")),
        "tiers", map(tierHealth())), List.of("status", "tiers")));

    paths.put("/api/cache/invalidate", new JsonObject().put("post", new Op("invalidateCache", "cache",
        "Invalidate cached answers by hand")
        .describe("Exactly one of: `keys` (Enginel's keys), `pattern` (a glob under the key prefix), `model` (every "
            + "answer of a model), or `model` with `id` (what a change to that row invalidates).")
        .body(ref("CacheInvalidation"))
        .ok(ref("CacheInvalidated"), "What was invalidated.")
        .errors(400, 401, 403, 404, 413, 415, 503).json));
    JsonArray tiers = new JsonArray();
    Arrays.stream(Tier.values()).forEach(t -> tiers.add(t.id()));
    JsonArray models = new JsonArray();
    Arrays.stream(Entity.values()).forEach(e -> models.add(e.model()));
    JsonObject tier = new JsonObject().put("type", "string").put("enum", tiers).put("default", Tier.DEFAULT.id());
    schemas.put("CacheInvalidation", new JsonObject().put("type", "object").put("properties", props(
            "keys", new JsonObject().put("type", "array").put("minItems", 1)
                .put("items", new JsonObject().put("type", "string")),
            "pattern", new JsonObject().put("type", "string"),
            "model", new JsonObject().put("type", "string").put("enum", models),
            "id", new JsonObject().put("type", new JsonArray().add("string").add("integer")),
            "tier", tier))
        .put("oneOf", new JsonArray()
            .add(new JsonObject().put("required", new JsonArray().add("keys")))
            .add(new JsonObject().put("required", new JsonArray().add("pattern"))
                .put("not", new JsonObject().put("required", new JsonArray().add("keys"))))
            .add(new JsonObject().put("required", new JsonArray().add("model"))
                .put("not", new JsonObject().put("anyOf", new JsonArray()
                    .add(new JsonObject().put("required", new JsonArray().add("keys")))
                    .add(new JsonObject().put("required", new JsonArray().add("pattern"))))))));
    schemas.put("CacheInvalidated", ResourceSchemas.object(props(
        "deleted", integer(0).put("description", "Entries deleted or invalidated."),
        "keys", integer(0).put("description", "How many keys were given."),
        "pattern", new JsonObject().put("type", "string"),
        "model", new JsonObject().put("type", "string"),
        "id", new JsonObject().put("type", "string"),
        "tags", integer(0).put("description", "Tags invalidated for the row."),
        "deferred", new JsonObject().put("type", "boolean")), List.of("deleted")));

    Resource orgs = Resources.ORGANIZATIONS;
    paths.put("/api/cache/warm/organizations/{id}", new JsonObject()
        .put("parameters", new JsonArray().add(ResourceSchemas.idParameter("id", orgs, "The Organization's id.")))
        .put("post", new Op("warmOrganization", "cache", "Fill the cache for an organization")
            .describe("Its detail, its storage and its most recent designs, each `present`, `stored` or `not_stored`.")
            .ok(ref("CacheWarmed"), "What was warmed.").errors(400, 401, 403, 404, 503).json));
    JsonObject outcome = new JsonObject().put("type", "string")
        .put("enum", new JsonArray().add("present").add("stored").add("not_stored"));
    schemas.put("CacheWarmed", closed(props(
            "organization", ResourceSchemas.typed(FieldType.UUID, false),
            "detail", outcome, "storage", outcome, "designs", map(outcome)),
        "organization", "detail", "storage", "designs"));
  }

  private static JsonObject tierHealth() {
    return ResourceSchemas.object(props(
        "status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("up").add("degraded").add("down")),
        "circuit", new JsonObject().put("type", "string"),
        "pending_invalidations", integer(0),
        "latency_ms", number(),
        "error", new JsonObject().put("type", "string"),
        "eviction", new JsonObject().put("type", "object")), List.of("status", "circuit"));
  }

  // ------------------------------------------------------------------ operations

  private void operations() {
    tag("operations", "Liveness, readiness, metrics and this document; no authentication.");
    paths.put("/health", new JsonObject().put("get", new Op("health", "operations", "Liveness").open()
        .ok(ref("Health"), "The process answers.").json));
    schemas.put("Health", closed(props("status", new JsonObject().put("type", "string").put("const", "up")), "status"));
    paths.put("/ready", new JsonObject().put("get", new Op("ready", "operations", "Readiness")
        .open()
        .describe("200 while PostgreSQL answers (degraded when a Redis tier does not: answers then come from "
            + "PostgreSQL); 503 when PostgreSQL does not.")
        .ok(ref("Readiness"), "Ready, or degraded.")
        .response(503, "Unready: PostgreSQL does not answer.", ref("Readiness")).json));
    schemas.put("Readiness", ResourceSchemas.object(props(
        "status", new JsonObject().put("type", "string")
            .put("enum", new JsonArray().add("ready").add("degraded").add("unready")),
        "postgres", new JsonObject().put("type", "object"),
        "redis", new JsonObject().put("type", "object"),
        "cluster", new JsonObject().put("type", "object")), List.of("status", "postgres", "redis", "cluster")));
    if (settings.metrics) {
      paths.put("/metrics", new JsonObject().put("get", new Op("metrics", "operations", "Prometheus metrics").open()
          .content(200, "The Prometheus text exposition format.", "text/plain", ANY).json));
    }
    paths.put(PATH, new JsonObject().put("get", new Op("openApiDocument", "operations", "This document").open()
        .describe("Built once per process from the resource declarations; revalidate with `If-None-Match`.")
        .param(ifNoneMatch())
        .content(200, "The OpenAPI 3.1 document.", MEDIA_TYPE, ResourceSchemas.object(props(
            "openapi", new JsonObject().put("type", "string"), "info", new JsonObject().put("type", "object"),
            "paths", new JsonObject().put("type", "object")), List.of("openapi", "info", "paths")), "ETag")
        .response(304, "Not modified.", null, "ETag").json));
    paths.put(DOCS_PATH, new JsonObject().put("get", new Op("apiDocs", "operations",
        "An HTML page browsing this document").open().response(200, "Swagger UI (text/html).", null).json));
  }

  // ------------------------------------------------------------------ shared pieces

  private void errorSchemas() {
    schemas.put("Error", closed(props(
            "error", new JsonObject().put("type", "string").put("description",
                "A stable code: `invalid`, `invalid_parameter`, `malformed_json`, `not_authenticated`, "
                    + "`invalid_credentials`, `forbidden`, `not_found`, `conflict`, `too_large`, "
                    + "`unsupported_media_type`, `throttled`, `unavailable`, …"),
            "message", new JsonObject().put("type", "string").put("description", "For people; may change."),
            "details", new JsonObject().put("type", "object").put("description",
                "`field` names the body field at fault, `parameter` the query or path parameter."),
            "request_id", new JsonObject().put("type", "string").put("description", "Also in `X-Request-Id`.")),
        "error", "message", "request_id"));
    schemas.getJsonObject("Error").getJsonObject("properties").getJsonObject("details").put("properties", props(
        "field", new JsonObject().put("type", "string"), "parameter", new JsonObject().put("type", "string")));
  }

  private JsonObject errorResponses() {
    JsonObject out = new JsonObject();
    ERRORS.forEach((status, e) -> {
      JsonObject headers = new JsonObject().put("X-Request-Id", headerRef("X-Request-Id"));
      if (status == 401) {
        headers.put("WWW-Authenticate", headerRef("WWW-Authenticate"));
      }
      if (status == 429 || status == 503) {
        headers.put("Retry-After", headerRef("Retry-After"));
      }
      String description = status == 413 ? e.meaning() + " (" + settings.bodyLimitBytes + " bytes for JSON bodies, "
          + settings.maxUploadBytes + " for uploads)" : e.meaning();
      out.put(e.component(), new JsonObject().put("description", description).put("headers", headers)
          .put("content", new JsonObject().put(JSON, new JsonObject().put("schema", ref("Error")))));
    });
    return out;
  }

  private static JsonObject headers() {
    JsonObject string = new JsonObject().put("type", "string");
    return new JsonObject()
        .put("X-Request-Id", header("The request's id (the client's own when it sent a sane one); in the server's "
            + "log line too.", string, true))
        .put("ETag", header("The answer's strong entity tag (`-z` suffixed for the deflated representation).",
            string, true))
        .put("X-Cache", header("`HIT` when answered from the cache, else `MISS`.", new JsonObject()
            .put("type", "string").put("enum", new JsonArray().add("HIT").add("MISS")), true))
        .put("Cache-Status", header("RFC 9211: `enginel; hit; ttl=<s>; detail=near|redis-<tier>`, or `enginel; "
            + "fwd=miss; stored; ttl=<s>`, `enginel; fwd=miss; detail=<why not stored>`, `enginel; fwd=bypass` "
            + "(caching off); `; collapsed` when the answer was shared with a concurrent request.", string, true))
        .put("Last-Modified", header("When the row last changed (HTTP-date, second precision); sent once that "
            + "second is two seconds old (until then the ETag alone validates).", string, false))
        .put("Location", header("The path of what was created.", string, true))
        .put("WWW-Authenticate", header("`Bearer`.", string, true))
        .put("Retry-After", header("Seconds to wait.", new JsonObject().put("type", "integer").put("minimum", 0), true));
  }

  private static JsonObject header(String description, JsonObject schema, boolean required) {
    return new JsonObject().put("description", description).put("required", required).put("schema", schema);
  }

  private static JsonObject headerRef(String name) {
    return new JsonObject().put("$ref", "#/components/headers/" + name);
  }

  private static JsonObject ifMatch() {
    return new JsonObject().put("name", "If-Match").put("in", "header").put("required", false)
        .put("description", "ETags (strong comparison) or `*`: the write goes ahead only when the row's current ETag "
            + "is one of them, else 412 and nothing is written. A malformed value is a 400.")
        .put("schema", new JsonObject().put("type", "string"));
  }

  private static JsonObject ifModifiedSince() {
    return new JsonObject().put("name", "If-Modified-Since").put("in", "header").put("required", false)
        .put("description", "An HTTP-date: 304 when the row has not changed since (ignored with `If-None-Match`, "
            + "or when invalid).")
        .put("schema", new JsonObject().put("type", "string"));
  }

  private static JsonObject ifNoneMatch() {
    return new JsonObject().put("name", "If-None-Match").put("in", "header").put("required", false)
        .put("description", "An ETag of an earlier answer: 304 when it still matches.")
        .put("schema", new JsonObject().put("type", "string"));
  }

  private static JsonObject page(String model) {
    JsonObject link = new JsonObject().put("type", new JsonArray().add("string").add("null"))
        .put("format", "uri-reference");
    return closed(props(
            "count", integer(0).put("description", "Rows matching, on every page."),
            "next", link.copy().put("description", "Path-absolute link to the next page, or null on the last."),
            "previous", link.copy().put("description", "Path-absolute link to the previous page, or null on the first."),
            "results", new JsonObject().put("type", "array").put("items", ref(model))),
        "count", "next", "previous", "results");
  }

  private void bomSchemas() {
    schemas.put("BomNode", closed(props(
            "id", ResourceSchemas.typed(FieldType.UUID, false),
            "part_number", new JsonObject().put("type", "string"),
            "name", new JsonObject().put("type", "string"),
            "quantity", integer(1).put("description", "Per parent."),
            "position", integer(0),
            "depth", integer(1),
            "total_quantity", integer(1).put("description", "Product of the quantities along the path from a root."),
            "children", new JsonObject().put("type", "array").put("items", ref("BomNode"))),
        "id", "part_number", "name", "quantity", "position", "depth", "total_quantity", "children"));
    schemas.put("Bom", closed(props(
            "design", ResourceSchemas.typed(FieldType.UUID, false),
            "part_number", new JsonObject().put("type", "string"),
            "node_count", integer(0),
            "max_depth", integer(0),
            "roots", new JsonObject().put("type", "array").put("items", ref("BomNode")),
            "parts", new JsonObject().put("type", "array").put("items", closed(props(
                "part_number", new JsonObject().put("type", "string"), "total_quantity", integer(0)),
                "part_number", "total_quantity"))),
        "design", "part_number", "node_count", "max_depth", "roots", "parts"));
  }

  private static JsonObject geometrySchema() {
    JsonObject vector = new JsonObject().put("type", "array").put("items", number()).put("minItems", 3).put("maxItems", 3);
    return ResourceSchemas.object(props(
            "design", ResourceSchemas.typed(FieldType.UUID, false),
            "file_hash", new JsonObject().put("type", new JsonArray().add("string").add("null"))
                .put("description", "SHA-256 of the file the geometry was computed from."),
            "computed_at", ResourceSchemas.typed(FieldType.TIMESTAMP, false),
            "triangle_count", integer(0),
            "surface_area", number(), "volume", number(), "density", number(), "mass", number(),
            "bounding_box", closed(props("min", vector, "max", vector), "min", "max"),
            "center_of_mass", vector,
            "inertia_tensor", new JsonObject().put("type", "array").put("items", vector).put("minItems", 3)
                .put("maxItems", 3),
            "is_closed", new JsonObject().put("type", "boolean"),
            "inverted", new JsonObject().put("type", "boolean")),
        List.of("design", "file_hash", "computed_at", "triangle_count", "surface_area", "volume", "density", "mass",
            "bounding_box", "center_of_mass", "inertia_tensor", "is_closed"));
  }

  private void tag(String name, String description) {
    tags.putIfAbsent(name, description);
  }

  private static JsonObject ref(String schema) {
    return new JsonObject().put("$ref", "#/components/schemas/" + schema);
  }

  private static JsonObject integer(long minimum) {
    return new JsonObject().put("type", "integer").put("minimum", minimum);
  }

  private static JsonObject number() {
    return new JsonObject().put("type", "number");
  }

  private static JsonObject map(JsonObject values) {
    return new JsonObject().put("type", "object").put("additionalProperties", values);
  }

  /** Properties from name, schema pairs, in order. */
  private static JsonObject props(Object... pairs) {
    JsonObject p = new JsonObject();
    for (int i = 0; i < pairs.length; i += 2) {
      p.put((String) pairs[i], pairs[i + 1]);
    }
    return p;
  }

  private static JsonObject closed(JsonObject properties, String... required) {
    return ResourceSchemas.object(properties, List.of(required)).put("additionalProperties", false);
  }

  /** {@code analysis-jobs} → {@code AnalysisJobs}. */
  static String camel(String name) {
    StringBuilder sb = new StringBuilder();
    for (String part : name.split("-")) {
      sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return sb.toString();
  }

  /** One operation, built fluently so that each endpoint above reads as its contract. */
  private static final class Op {
    final JsonObject json = new JsonObject();
    final JsonObject responses = new JsonObject();

    Op(String operationId, String tag, String summary) {
      json.put("operationId", operationId).put("tags", new JsonArray().add(tag)).put("summary", summary)
          .put("responses", responses);
    }

    Op describe(String description) {
      json.put("description", description);
      return this;
    }

    /** No authentication. */
    Op open() {
      json.put("security", new JsonArray());
      return this;
    }

    Op param(JsonObject parameter) {
      if (!json.containsKey("parameters")) {
        json.put("parameters", new JsonArray());
      }
      json.getJsonArray("parameters").add(parameter);
      return this;
    }

    Op params(List<JsonObject> parameters) {
      parameters.forEach(this::param);
      return this;
    }

    Op body(JsonObject schema) {
      json.put("requestBody", new JsonObject().put("required", true)
          .put("content", new JsonObject().put(JSON, new JsonObject().put("schema", schema))));
      return this;
    }

    Op upload() {
      JsonObject binary = new JsonObject().put("type", "string").put("format", "binary");
      json.put("requestBody", new JsonObject().put("required", true).put("content", new JsonObject()
          .put("application/octet-stream", new JsonObject().put("schema", binary))
          .put("multipart/form-data", new JsonObject().put("schema", ResourceSchemas.object(
              props("file", binary), List.of("file"))))));
      return this;
    }

    /**
     * A read answered through the response cache: ETag, X-Cache, Cache-Status, and 304 (repeating the headers of
     * the 200) to a matching If-None-Match.
     */
    Op cachedRead(JsonObject schema, String description) {
      param(ifNoneMatch());
      response(200, description, schema, "ETag", "X-Cache", "Cache-Status");
      return response(304, "Not modified: the `If-None-Match` ETag still matches.", null, "ETag", "X-Cache",
          "Cache-Status");
    }

    /** A cached detail with a modification time: also Last-Modified, and 304 to If-Modified-Since. */
    Op cachedReadSince(JsonObject schema, String description) {
      param(ifNoneMatch());
      param(ifModifiedSince());
      response(200, description, schema, "ETag", "X-Cache", "Cache-Status", "Last-Modified");
      return response(304, "Not modified: the `If-None-Match` ETag still matches, or (without it) the row has not "
          + "changed since `If-Modified-Since`.", null, "ETag", "X-Cache", "Cache-Status", "Last-Modified");
    }

    /** A conditional write ({@code If-Match}). */
    Op ifMatch() {
      return param(OpenApiDocument.ifMatch());
    }

    /** A write's answer: the representation and its new ETag. */
    Op changed(JsonObject schema, String description) {
      return response(200, description, schema, "ETag");
    }

    Op ok(JsonObject schema, String description) {
      return response(200, description, schema);
    }

    Op created(JsonObject schema, String description) {
      return response(201, description, schema, "Location", "ETag");
    }

    Op noContent(String description) {
      return response(204, description, null);
    }

    Op response(int status, String description, JsonObject schema, String... headers) {
      return content(status, description, JSON, schema, headers);
    }

    Op content(int status, String description, String mediaType, JsonObject schema, String... headers) {
      JsonObject r = new JsonObject().put("description", description);
      JsonObject h = new JsonObject().put("X-Request-Id", headerRef("X-Request-Id"));
      for (String name : headers) {
        h.put(name, headerRef(name));
      }
      r.put("headers", h);
      if (schema == ANY) {
        r.put("content", new JsonObject().put(mediaType, new JsonObject()));
      } else if (schema != null) {
        r.put("content", new JsonObject().put(mediaType, new JsonObject().put("schema", schema)));
      }
      responses.put(Integer.toString(status), r);
      return this;
    }

    Op errors(int... statuses) {
      for (int status : statuses) {
        responses.put(Integer.toString(status), new JsonObject()
            .put("$ref", "#/components/responses/" + ERRORS.get(status).component()));
      }
      return this;
    }
  }
}
