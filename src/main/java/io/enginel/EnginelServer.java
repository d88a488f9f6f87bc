package io.enginel;

import java.util.Set;
import io.enginel.domain.Tags;
import io.enginel.domain.Resources;
import io.enginel.config.ConfigException;
import io.enginel.cache.CacheApi;
import io.enginel.cache.CacheClient;
import io.enginel.cache.CacheShared;
import io.enginel.cache.CacheStats;
import io.enginel.cache.CacheVerticle;
import io.enginel.cache.ClusterFanOut;
import io.enginel.cache.PrincipalCache;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.http.HttpServices;
import io.enginel.http.HttpVerticle;
import io.enginel.invalidation.InvalidationVerticle;
import io.enginel.jobs.FileStore;
import io.enginel.jobs.JobWorkerVerticle;
import io.enginel.repository.PgSetup;
import io.enginel.repository.QueryStats;
import io.enginel.repository.RepositoryVerticle;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * One Enginel node: migrations, then the verticles in dependency order (repository → cache →
 * invalidation → job workers → http), each deployment a step of one chain, so that any failure fails the
 * start; then the configured organizations are warmed, one at a time. {@link #stop()} undeploys in
 * reverse order.
 */
public final class EnginelServer {
  private static final Logger LOG = LoggerFactory.getLogger(EnginelServer.class);

  private final Vertx vertx;
  private final EnginelConfig config;
  private final String nodeId;
  private final QueryStats queryStats;
  private final CacheStats cacheStats;
  private final ClusterFanOut cluster;
  private final CacheShared cacheShared;
  private final CacheClient cache;
  private final PrincipalCache principals;
  private final FileStore files;
  private final MeterRegistry registry;
  /** Cached answers configured in {@code cache.resources} that are parts of a row, not resources. */
  static final Set<String> CACHED_PARTS = Set.of(Tags.BOM, Tags.METADATA);

  private final List<String> deployments = new ArrayList<>();
  private final List<HttpVerticle> httpInstances = Collections.synchronizedList(new ArrayList<>());

  private EnginelServer(Vertx vertx, EnginelConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.nodeId = newNodeId();
    this.queryStats = new QueryStats(registry);
    this.cacheStats = new CacheStats(registry);
    this.cluster = new ClusterFanOut(vertx, Clustering.manager(vertx), config.cluster().secret());
    this.cacheShared = new CacheShared(vertx, config, cacheStats, cluster);
    this.cache = new CacheClient(vertx, config, cacheShared);
    this.principals = new PrincipalCache(config.auth().principalCacheSeconds(), cacheShared.memoryLease()::valid);
    cacheShared.memoryLease().onEpochChange(principals::clear);
    this.files = new FileStore(java.nio.file.Path.of(config.storage().dir()));
    this.registry = registry;
  }

  public static Future<EnginelServer> start(Vertx vertx, EnginelConfig config, MeterRegistry registry) {
    try {
      Resources.check(config.cache().resources().keySet(), CACHED_PARTS);
    } catch (IllegalStateException e) {
      return Future.failedFuture(new ConfigException(e.getMessage()));
    }
    EnginelServer server = new EnginelServer(vertx, config, registry);
    return server.deploy().map(server);
  }

  private Future<Void> deploy() {
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    int loops = config.vertx().effectiveEventLoops();
    HttpServices services = HttpServices.create(vertx, config, nodeId, cache, principals, files, registry);
    return vertx.executeBlocking(() -> {
          java.nio.file.Files.createDirectories(files.newTempFile().getParent());
          return PgSetup.migrate(config.pg());
        })
        .compose(m -> step("repository", vertx.deployVerticle(() -> new RepositoryVerticle(config, nodeId, queryStats),
            new DeploymentOptions().setInstances(cores))))
        .compose(v -> {
          CacheClient.registerCodecs(vertx);
          return step("cache", vertx.deployVerticle(() -> new CacheVerticle(config, cacheShared, nodeId, loops),
              new DeploymentOptions().setInstances(loops)));
        })
        .compose(v -> step("invalidation", vertx.deployVerticle(
            new InvalidationVerticle(PgSetup.listenerOptions(config.pg(), nodeId), PgSetup.applicationName(nodeId), nodeId, cache, principals, cacheStats,
                cluster))))
        // known to the other Enginel nodes as one of them (a signed, empty eviction), before it serves anything
        .compose(v -> cluster.announce(CacheApi.NEAR_EVICT, new JsonObject().put("tier", Tier.DEFAULT.id())
            .put("tags", new io.vertx.core.json.JsonArray())))
        .compose(v -> config.jobs().workers() == 0 ? Future.<Void>succeededFuture()
            : step("jobs", vertx.deployVerticle(() -> new JobWorkerVerticle(config, files),
            new DeploymentOptions().setThreadingModel(io.vertx.core.ThreadingModel.WORKER)
                .setInstances(config.jobs().workers()))))
        .compose(v -> step("http", vertx.deployVerticle(() -> {
          HttpVerticle h = new HttpVerticle(services);
          httpInstances.add(h);
          return h;
        }, new DeploymentOptions().setInstances(config.http().effectiveInstances()))))
        .onSuccess(v -> {
          LOG.info("Enginel node {} serving on port {} (cache {})", nodeId, port(), config.cache().enabled() ? "on" : "off");
          warm(config.cache().warmOrganizations(), 0);
        });
  }

  /** Start-up warming: one organization at a time, {@code cache.warmDelayMs} apart, failures only logged. */
  private void warm(List<String> orgs, int i) {
    if (i >= orgs.size()) {
      return;
    }
    vertx.setTimer(Math.max(1, config.cache().warmDelayMs()), t -> vertx.eventBus()
        .<JsonObject>request(CacheApi.APPLY_WARM, new JsonObject().put("organization", orgs.get(i)),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(120_000))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            LOG.info("warmed organization {}: {}", orgs.get(i), ar.result().body().encode());
          } else {
            LOG.warn("warming organization {} failed: {}", orgs.get(i), ar.cause().getMessage());
          }
          warm(orgs, i + 1);
        }));
  }

  private Future<Void> step(String name, Future<String> deployment) {
    return deployment
        .onSuccess(deployments::add)
        .recover(t -> Future.failedFuture(new IllegalStateException("the " + name + " verticle did not start: "
            + t.getMessage(), t)))
        .mapEmpty();
  }

  /** Undeploys http → invalidation → cache → repository. */
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    List<String> reversed = new ArrayList<>(deployments);
    Collections.reverse(reversed);
    for (String id : reversed) {
      chain = chain.compose(v -> vertx.undeploy(id).otherwiseEmpty());
    }
    return chain.onComplete(v -> {
      deployments.clear();
      CacheClient.unregisterCodecs(vertx);
    });
  }

  public int port() {
    return httpInstances.isEmpty() ? -1 : httpInstances.get(0).port();
  }

  /** The routes of the HTTP API, as registered (the same on every HTTP verticle instance). */
  public List<Route> routes() {
    return httpInstances.isEmpty() ? List.of() : httpInstances.get(0).routes();
  }

  public String nodeId() {
    return nodeId;
  }

  public EnginelConfig config() {
    return config;
  }

  public CacheClient cache() {
    return cache;
  }

  public CacheStats cacheStats() {
    return cacheStats;
  }

  public PrincipalCache principals() {
    return principals;
  }

  private static String newNodeId() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
