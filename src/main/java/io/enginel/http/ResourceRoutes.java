package io.enginel.http;

import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The routes of the top-level resources. Each resource's list and create are exact paths of the main router; what is
 * under one of its rows is a router of its own, mounted on its prefix (a string comparison), so that a request is
 * matched against its own resource's path patterns only, reads first, instead of against every pattern of the API in
 * turn (each a regular-expression match). A row's detail and a design's BOM, the reads asked for most, are taken from
 * the path ahead of that router ({@link #rowReads}). Writes read their body first; an upload streams its body itself.
 */
final class ResourceRoutes {
  private final Vertx vertx;
  private final ResourceHandlers resources;
  private final UploadHandler uploads;
  private final BodyHandler bodies;
  private final ErrorPages errorPages;

  ResourceRoutes(Vertx vertx, ResourceHandlers resources, UploadHandler uploads, BodyHandler bodies,
      ErrorPages errorPages) {
    this.vertx = vertx;
    this.resources = resources;
    this.uploads = uploads;
    this.bodies = bodies;
    this.errorPages = errorPages;
  }

  /**
   * Mounts a top-level resource: its list and create on {@code /api/<name>} (an exact path, which also takes the
   * trailing slash), and everything under a row in a router of its own on {@code /api/<name>/*}.
   */
  void mount(Router main, Resource r) {
    String base = "/api/" + r.name();
    main.get(base).handler(guard(ctx -> resources.list(ctx, r)));
    if (r.writable()) {
      main.post(base).handler(bodies).handler(guard(ctx -> resources.create(ctx, r, null)));
    }
    main.get(base + "/*").handler(guard(rowReads(base + "/", r)));
    main.route(base + "/*").subRouter(underRow(r));
  }

  /**
   * The reads of one row read most — its detail, and a design's BOM — taken from the path by hand (a prefix and at
   * most two slashes), ahead of the row's own router: they skip its routing context, its route patterns (regular
   * expressions) and the decoding of path parameters. Any other path under a row, and any id that would need decoding
   * ({@code %}) or that names a fixed route ({@code /api/users/me}), goes on to the row's router as before.
   */
  private Handler<RoutingContext> rowReads(String prefix, Resource r) {
    return ctx -> {
      String path = ctx.normalizedPath();
      int start = prefix.length();
      if (path.length() <= start) { // the collection itself
        ctx.next();
        return;
      }
      int end = path.indexOf('/', start);
      String id = path.substring(start, end < 0 ? path.length() : end);
      if (id.isEmpty() || id.indexOf('%') >= 0 || (r == Resources.USERS && id.equals("me"))) {
        ctx.next();
      } else if (end < 0 || end == path.length() - 1) { // <id> or <id>/
        resources.retrieve(ctx, r, id);
      } else if (r == Resources.DESIGNS && path.startsWith("/bom", end)
          && (path.length() == end + 4 || (path.length() == end + 5 && path.charAt(end + 4) == '/'))) {
        resources.bom(ctx, id);
      } else {
        ctx.next();
      }
    };
  }

  private Router underRow(Resource r) {
    Router router = errorPages.install(Router.router(vertx));
    // the list and create took GET and POST of the collection itself: any other method reaching it is not allowed
    router.route("/").handler(ctx -> ctx.fail(405));
    if (r == Resources.USERS) {
      router.get("/me").handler(guard(resources::me)); // before the detail, whose id it would be taken for
    }
    router.get("/:id").handler(guard(ctx -> resources.retrieve(ctx, r)));
    if (r == Resources.ORGANIZATIONS) {
      router.get("/:id/storage").handler(guard(resources::storage));
    }
    if (r == Resources.DESIGNS) { // the BOM is read most after the detail: matched second
      router.get("/:id/bom").handler(guard(resources::bom));
      router.get("/:id/metadata").handler(guard(resources::metadata));
      router.post("/:id/file").handler(guard(uploads::upload)); // streams its body itself
    }
    for (Resources.SubList sub : Resources.SUB_LISTS) {
      if (sub.under() == r) {
        router.get("/:id/" + sub.segment()).handler(guard(ctx -> resources.subList(ctx, sub)));
      }
    }
    if (r.writable()) {
      router.patch("/:id").handler(bodies).handler(guard(ctx -> resources.update(ctx, r, false, "id", null)));
      router.put("/:id").handler(bodies).handler(guard(ctx -> resources.update(ctx, r, true, "id", null)));
      router.delete("/:id").handler(bodies).handler(guard(ctx -> resources.delete(ctx, r, "id", null)));
    }
    for (Resource nested : Resources.BY_NAME.values()) {
      if (nested.nesting() != null && nested.nesting().under() == r) {
        String path = "/:org/" + nested.name();
        router.post(path).handler(bodies).handler(guard(ctx -> resources.create(ctx, nested, "org")));
        router.patch(path + "/:user").handler(bodies)
            .handler(guard(ctx -> resources.update(ctx, nested, false, "user", "org")));
        router.put(path + "/:user").handler(bodies)
            .handler(guard(ctx -> resources.update(ctx, nested, true, "user", "org")));
        router.delete(path + "/:user").handler(bodies)
            .handler(guard(ctx -> resources.delete(ctx, nested, "user", "org")));
      }
    }
    if (r == Resources.REVIEWS) {
      router.post("/:id/reviewers").handler(bodies).handler(guard(ctx -> resources.reviewer(ctx, true)));
      router.delete("/:id/reviewers/:user").handler(bodies).handler(guard(ctx -> resources.reviewer(ctx, false)));
    }
    return router;
  }

  /** Runs a handler, turning what it throws (an invalid parameter, a malformed body) into a JSON error. */
  static Handler<RoutingContext> guard(Handler<RoutingContext> handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (RuntimeException e) {
        Responses.error(ctx, e);
      }
    };
  }
}
