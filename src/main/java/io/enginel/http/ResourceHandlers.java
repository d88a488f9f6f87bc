package io.enginel.http;

import io.enginel.cache.CacheKeys;
import io.enginel.cache.CachedRead;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.ETags;
import io.enginel.domain.Field;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Principal;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.domain.Validation;
import io.enginel.domain.Tags;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * List, retrieve, create, update and delete of every resource, and the sub-collections
 * ({@code /organizations/{id}/members}, {@code /series/{id}/versions}, {@code /reviews/{id}/markups}). Reads go
 * through {@link ResponseCache}; writes go to the repository, whose answer means the write is committed and
 * its invalidation done.
 */
final class ResourceHandlers {
  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final ReadResponses cache;
  private final CacheKeys keys;
  private final Passwords passwords;
  private final GeometryClient geometry;
  private final ListQueries queries;
  private final MatchedPages pages;

  ResourceHandlers(EnginelConfig config, RepositoryClient repository, ReadResponses cache, CacheKeys keys,
                   Passwords passwords, GeometryClient geometry, MatchedPages pages) {
    this.config = config;
    this.pages = pages;
    this.repository = repository;
    this.cache = cache;
    this.keys = keys;
    this.passwords = passwords;
    this.geometry = geometry;
    this.queries = new ListQueries(config.http().defaultPageSize(), config.http().maxPageSize());
  }

  // ------------------------------------------------------------------ reads

  void list(RoutingContext ctx, Resource r) {
    Principal p = Authenticator.principal(ctx);
    ListQueries.Parsed parsed = queries.of(ctx, r, Map.of(), null);
    ListQuery q = parsed.query();
    EnginelConfig.ResourceCache rc = config.cache().resource(r.name());
    // a hit needs only the key: what renders and tags the page is worked out on a miss
    cache.serve(ctx, p, new CachedRead(Tier.DEFAULT, keys.listByPart(r.item(), p.scopeKey(), parsed.keyPart()), r.name(),
        rc.ttlSeconds(), rc.list(), () -> pages.list(q, p).map(listed -> new CachedRead.Loaded(
            Pages.render("/api/" + r.name() + "/", q, listed.result()), scopeOwners(p),
            r.listTags(p.orgIds(), p.userId(), p.staff(), r.listColumns(q), listed.result().getJsonArray("rows")))
            .builtFrom(listed.basis()))));
  }

  void retrieve(RoutingContext ctx, Resource r) {
    retrieve(ctx, r, ctx.pathParam("id"));
  }

  /** A row's detail, its id as the request's path gave it (decoded). */
  void retrieve(RoutingContext ctx, Resource r, String id) {
    cache.serve(ctx, Authenticator.principal(ctx), detailRead(r, Requests.id(id, "id", r.idType())));
  }

  /** A resource's detail: one entry per row, shared by everyone who may see it. */
  CachedRead detailRead(Resource r, String id) {
    EnginelConfig.ResourceCache rc = config.cache().resource(r.name());
    return new CachedRead(Tier.DEFAULT, keys.detail(r.item(), id), r.name(), rc.ttlSeconds(), rc.retrieve(),
        () -> repository.get(r, id).map(result -> {
          JsonObject row = result.getJsonObject("row");
          return new CachedRead.Loaded(row.toBuffer(), owners(result), r.detailTags(row), 0,
              result.getLong("last_modified", 0L));
        }));
  }

  /** A list fixed to one row of another resource ({@link Resources.SubList}: the versions of a series). */
  void subList(RoutingContext ctx, Resources.SubList sub) {
    Principal p = Authenticator.principal(ctx);
    Resource under = sub.under();
    String parentId = Requests.id(ctx, "id", under);
    ListQueries.Parsed parsed = queries.of(ctx, sub.listed(), Map.of(sub.filter(), parentId), sub.defaultOrdering());
    ListQuery q = parsed.query();
    EnginelConfig.ResourceCache rc = config.cache().resource(sub.listed().name());
    String path = "/api/" + under.name() + "/" + parentId + "/" + sub.segment() + "/";
    String key = keys.subListByPart(under.item(), parentId, sub.segment(), parsed.keyPart());
    cache.serve(ctx, p, new CachedRead(Tier.DEFAULT, key, sub.listed().name(), rc.ttlSeconds(), rc.list(),
        () -> repository.list(q, p, under, parentId).map(result -> new CachedRead.Loaded(
            Pages.render(path, q, result), owners(result), sub.tags().apply(parentId)))));
  }

  void storage(RoutingContext ctx) {
    cache.serve(ctx, Authenticator.principal(ctx), storageRead(Requests.id(ctx, "id", Resources.ORGANIZATIONS)));
  }

  CachedRead storageRead(String org) {
    EnginelConfig.ResourceCache rc = config.cache().resource(Resources.ORGANIZATIONS.name());
    return new CachedRead(Tier.DEFAULT, keys.orgStorage(org), "storage", rc.ttlSeconds(), rc.retrieve(),
        () -> repository.storage(org).map(result -> new CachedRead.Loaded(result.getJsonObject("row").toBuffer(),
            owners(result), List.of(Tags.part(Resources.ORGANIZATIONS, org, Tags.STORAGE)))));
  }

  /**
   * Geometry metadata, from the long-term tier. A miss reads the stored result; when there is none but the
   * design has a file and no job is working on it, it is computed now on a worker and stored (once per key
   * in this process, and once across processes while the compute lease is held).
   */
  void metadata(RoutingContext ctx) {
    Principal p = Authenticator.principal(ctx);
    String design = Requests.id(ctx, "id", Resources.DESIGNS);
    EnginelConfig.ResourceCache rc = config.cache().resource("metadata");
    List<String> tags = List.of(Tags.part(Resources.DESIGNS, design, Tags.METADATA));
    cache.serve(ctx, p, new CachedRead(Tier.LONGTERM, keys.designMetadata(design), "metadata", rc.ttlSeconds(),
        rc.retrieve(),
        () -> repository.metadata(design).compose(result -> {
          List<String> owners = owners(result);
          JsonObject row = result.getJsonObject("row");
          if (row != null) {
            return Future.succeededFuture(new CachedRead.Loaded(row.toBuffer(), owners, tags));
          }
          JsonObject file = result.getJsonObject("file");
          JsonObject job = result.getJsonObject("job");
          // these failures describe the design: only those who may see it are told them (the others get a 404)
          if (file == null) {
            return Future.failedFuture(new CachedRead.OwnedFailure(
                new ApiError(404, "no_file", "No file has been uploaded for this design."), owners));
          }
          if (job != null && ("PENDING".equals(job.getString("status")) || "RUNNING".equals(job.getString("status")))) {
            return Future.failedFuture(new CachedRead.OwnedFailure(new ApiError(404, "not_ready",
                "The geometry is being computed.", new JsonObject().put("job", job)), owners));
          }
          // only someone who may see the design starts its computation; anyone else gets a 404 and costs nothing
          // (one who may see it and shared this request's flight is asked to come back: 503, Retry-After)
          if (!p.canSee(owners)) {
            return Future.failedFuture(new CachedRead.OwnedFailure(
                ApiError.unavailable("The geometry has not been computed yet; try again."), owners));
          }
          // computed now, stored, and answered as stored: the same answer whoever computed it
          return geometry.compute(file).compose(properties -> repository.saveMetadata(design, properties))
              .compose(saved -> repository.metadata(design))
              .<CachedRead.Loaded>map(stored -> new CachedRead.Loaded(stored.getJsonObject("row").toBuffer(), owners,
                  tags))
              .recover(e -> Future.failedFuture(new CachedRead.OwnedFailure(e, owners)));
        })));
  }

  void bom(RoutingContext ctx) {
    bom(ctx, ctx.pathParam("id"));
  }

  /** A design's BOM, its id as the request's path gave it (decoded). */
  void bom(RoutingContext ctx, String id) {
    Principal p = Authenticator.principal(ctx);
    String design = Requests.id(id, "id", Resources.DESIGNS.idType());
    EnginelConfig.ResourceCache rc = config.cache().resource("bom");
    cache.serve(ctx, p, new CachedRead(Tier.LONGTERM, keys.designBom(design), "bom", rc.ttlSeconds(), rc.retrieve(),
        () -> repository.bom(design).map(result -> new CachedRead.Loaded(result.getJsonObject("row").toBuffer(),
            owners(result), List.of(Tags.part(Resources.DESIGNS, design, Tags.BOM))))));
  }

  void me(RoutingContext ctx) {
    Principal p = Authenticator.principal(ctx);
    String id = Long.toString(p.userId());
    EnginelConfig.ResourceCache rc = config.cache().resource(Resources.USERS.name());
    List<String> tags = new ArrayList<>();
    tags.add(Tags.of(Resources.USERS, id));
    p.orgIds().forEach(org -> tags.add(Tags.of(Resources.ORGANIZATIONS, org)));
    cache.serve(ctx, p, new CachedRead(Tier.DEFAULT, keys.userMe(id), "me", rc.ttlSeconds(), rc.retrieve(),
        () -> repository.me(p.userId()).map(result -> new CachedRead.Loaded(result.getJsonObject("row").toBuffer(),
            owners(result), tags))));
  }

  // ------------------------------------------------------------------ writes

  void create(RoutingContext ctx, Resource r, String parentParam) {
    Principal p = Authenticator.principal(ctx);
    String parentId = parentParam == null ? null : Requests.id(ctx, parentParam, Resources.ORGANIZATIONS);
    JsonObject body = Requests.jsonBody(ctx);
    boolean withHashed = r.hashedField().map(f -> body.getValue(f.name()) != null).orElse(false);
    Validation.body(r, body, Validation.Mode.CREATE, p.staff());
    hashed(r, body).compose(hash -> {
      JsonObject fields = withHashed ? body.copy() : body;
      r.hashedField().ifPresent(f -> fields.remove(f.name()));
      return repository.create(r, fields, parentId, p, Requests.ip(ctx), hash);
    }).onComplete(ar -> {
      if (ar.failed()) {
        Responses.error(ctx, ar.cause());
      } else {
        JsonObject row = ar.result().getJsonObject("row");
        Object id = row.getValue(r.idField());
        ctx.response().putHeader("Location", r.nesting() == null ? "/api/" + r.name() + "/" + id + "/"
            : "/api/" + r.nesting().under().name() + "/" + parentId + "/" + r.name() + "/" + id + "/");
        withEtag(ctx, 201, row);
      }
    });
  }

  void update(RoutingContext ctx, Resource r, boolean replace, String idParam, String parentParam) {
    Principal p = Authenticator.principal(ctx);
    String id = Requests.id(ctx, idParam, r);
    String parentId = parentParam == null ? null : Requests.id(ctx, parentParam, Resources.ORGANIZATIONS);
    List<String> ifMatch = Preconditions.ifMatch(ctx);
    JsonObject body = Requests.jsonBody(ctx);
    Validation.body(r, body, replace ? Validation.Mode.PUT : Validation.Mode.PATCH, p.staff());
    hashed(r, body).compose(hash -> {
      JsonObject fields = body.copy();
      r.hashedField().ifPresent(f -> fields.remove(f.name()));
      return repository.update(r, id, fields, replace, parentId, p, Requests.ip(ctx), hash, ifMatch);
    }).onComplete(ar -> {
      if (ar.failed()) {
        Responses.error(ctx, ar.cause());
      } else {
        withEtag(ctx, 200, ar.result().getJsonObject("row"));
      }
    });
  }

  void delete(RoutingContext ctx, Resource r, String idParam, String parentParam) {
    Principal p = Authenticator.principal(ctx);
    String id = Requests.id(ctx, idParam, r);
    String parentId = parentParam == null ? null : Requests.id(ctx, parentParam, Resources.ORGANIZATIONS);
    List<String> ifMatch = Preconditions.ifMatch(ctx);
    repository.delete(r, id, parentId, p, Requests.ip(ctx), ifMatch).onComplete(ar -> {
      if (ar.failed()) {
        Responses.error(ctx, ar.cause());
      } else {
        Responses.noContent(ctx);
      }
    });
  }

  void reviewer(RoutingContext ctx, boolean add) {
    Principal p = Authenticator.principal(ctx);
    String review = Requests.id(ctx, "id", Resources.REVIEWS);
    long user;
    if (add) {
      Object raw = Requests.jsonBody(ctx).getValue("user");
      if (!(raw instanceof Integer || raw instanceof Long) || ((Number) raw).longValue() < 1) {
        throw ApiError.badRequest("user", "'user' must be a user id.");
      }
      user = ((Number) raw).longValue();
    } else {
      user = Long.parseLong(Requests.id(ctx, "user", Resources.USERS));
    }
    repository.reviewer(review, user, add, p, Requests.ip(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        Responses.error(ctx, ar.cause());
      } else if (add) {
        Responses.json(ctx, 200, ar.result().getJsonObject("row"));
      } else {
        Responses.noContent(ctx);
      }
    });
  }

  // ------------------------------------------------------------------ helpers

  /**
   * A written row's representation with its ETag — the one a GET of it answers, so that a client can make its next
   * write conditional ({@code If-Match}) without reading it again.
   */
  private static void withEtag(RoutingContext ctx, int status, JsonObject row) {
    Buffer body = row.toBuffer();
    ctx.response().putHeader(HttpHeaders.ETAG, ETags.of(body.getBytes()));
    Responses.json(ctx, status, body);
  }

  /** The hashed field of a create or update (a user's password), hashed on a worker; null when there is none. */
  private Future<String> hashed(Resource r, JsonObject body) {
    String name = r.hashedField().map(Field::name).orElse(null);
    if (name == null || body.getValue(name) == null) {
      return Future.succeededFuture(null);
    }
    return passwords.hash(body.getString(name));
  }

  /** Who may read a list made for a scope: the members of its organizations (or the user alone). */
  private static List<String> scopeOwners(Principal p) {
    return p.orgIds().isEmpty() ? List.of("u:" + p.userId()) : p.orgIds();
  }

  private static List<String> owners(JsonObject result) {
    JsonArray a = result.getJsonArray("owners", new JsonArray());
    List<String> out = new ArrayList<>(a.size());
    a.forEach(o -> out.add(String.valueOf(o)));
    return out;
  }
}
