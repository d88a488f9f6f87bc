package io.enginel.http;

import io.enginel.cache.CacheApi;
import io.enginel.domain.Bus;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.repository.RepositoryClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import static io.enginel.http.ResourceRoutes.guard;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON API: routing, authentication, validation, response caching, errors. One instance per event
 * loop. It never talks to Redis or Postgres: everything goes over the event bus to the cache, repository
 * and invalidation verticles.
 */
public final class HttpVerticle extends VerticleBase {
  private final HttpServices services;
  private HttpServer server;
  private Router router;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();

  public HttpVerticle(HttpServices services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    var config = services.config();
    RepositoryClient repository = new RepositoryClient(vertx, config.pg().replyTimeoutMs());
    Passwords passwords = new Passwords(vertx, config.auth().bcryptCost());
    ReadResponses responses = new ReadResponses(services.cache());
    ResourceHandlers resources = new ResourceHandlers(config, repository, responses, services.cache().keys(), passwords,
        new GeometryClient(vertx, config), new MatchedPages(config, repository, services.cache()));
    UploadHandler uploads = new UploadHandler(vertx, config, repository, services.files());
    CacheWarmer warmer = new CacheWarmer(config, repository, resources, services.cache());
    AccountHandlers accounts = new AccountHandlers(config, repository, services.principals(), passwords,
        services.throttle());
    ManualInvalidation manual = new ManualInvalidation(vertx, repository);
    AdminHandlers admin = new AdminHandlers(services.cache(), manual);
    Authenticator auth = new Authenticator(services.principals(), services.cache(), repository,
        config.auth().sessionTtlSeconds());

    router = Router.router(vertx);
    // A request is matched against the routes in the order they were added: the API's first, the designs' (most of
    // the traffic, see WORKLOAD.md) first of all, the operational endpoints (outside /api) last.
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.http().bodyLimitBytes());
    router.post("/api/auth/*").handler(bodies);
    router.post("/api/auth/login").handler(guard(accounts::login));
    router.route("/api/*").handler(auth);
    router.post("/api/auth/logout").handler(guard(accounts::logout));

    ErrorPages errorPages = new ErrorPages(config.http().bodyLimitBytes());
    ResourceRoutes routes = new ResourceRoutes(vertx, resources, uploads, bodies, errorPages);
    routes.mount(router, Resources.DESIGNS);
    for (Resource r : Resources.BY_NAME.values()) {
      if (r.nesting() == null && r != Resources.DESIGNS) {
        routes.mount(router, r);
      }
    }

    // under a prefix of its own, so that no other request is matched against its patterns
    Router cacheAdmin = errorPages.install(Router.router(vertx));
    cacheAdmin.route().handler(AdminHandlers::staffOnly);
    cacheAdmin.post().handler(bodies);
    cacheAdmin.get("/stats").handler(guard(admin::stats));
    cacheAdmin.get("/health").handler(guard(admin::health));
    cacheAdmin.post("/invalidate").handler(guard(admin::invalidate));
    cacheAdmin.post("/warm/organizations/:id").handler(guard(ctx -> warmer.warmOrganization(
        Requests.id(ctx, "id", Resources.ORGANIZATIONS)).onComplete(ar -> {
          if (ar.failed()) {
            Responses.error(ctx, ar.cause());
          } else {
            Responses.json(ctx, 200, ar.result());
          }
        })));
    router.route("/api/cache/*").subRouter(cacheAdmin);

    router.get("/health").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "up")));
    router.get("/ready").handler(new Readiness(services.cache(), repository));
    if (services.registry() instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(io.vertx.micrometer.PrometheusScrapingHandler.create(prometheus));
    }
    OpenApiEndpoint.mount(router, OpenApiDocument.Settings.of(config,
        services.registry() instanceof PrometheusMeterRegistry));

    errorPages.install(router);

    consumers.addAll(new BusFrontDoor(vertx, auth, repository, warmer, manual).bind());
    consumers.add(Bus.local(vertx, CacheApi.APPLY_WARM, m -> warmer.warmOrganization(BusFrontDoor.organization(m))));

    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.http().host()).setPort(config.http().port())
        .setTcpNoDelay(true).setCompressionSupported(false).setMaxFormAttributeSize(8192));
    List<Future<Void>> registrations = new ArrayList<>();
    consumers.forEach(c -> registrations.add(c.completion()));
    RequestIds ids = services.requestIds().forLoop();
    return Future.all(registrations).compose(v -> server.requestHandler(request -> {
      ids.assign(request);
      router.handle(request);
    }).listen());
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The routes this instance serves (every instance registers the same). */
  public List<Route> routes() {
    return router.getRoutes();
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }
}
