package io.enginel.invalidation;

import io.enginel.cache.CacheClient;
import io.enginel.cache.CacheStats;
import io.enginel.cache.PrincipalCache;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.enginel.repository.PgSetup;
import io.enginel.repository.RepositoryApi;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns domain events into invalidations: the tags of {@link InvalidationRules}, carried out by the cache
 * verticle, and the in-process principals of the users concerned. Events come from this node's
 * repository (request/reply on {@link InvalidationApi#APPLY}, answered when done), from Postgres
 * notifications of writes made elsewhere, and from other nodes' published events (principals only:
 * their Redis work was done by the node that wrote). Also serves manual invalidation.
 */
public final class InvalidationVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidationVerticle.class);

  /** Key kinds of each model, for manual invalidation of a whole model. */
  private static final Map<Entity, List<String>> MODEL_KINDS = Map.of(
      Entity.ORGANIZATION, List.of("org"), Entity.USER, List.of("user"), Entity.DESIGN_SERIES, List.of("series"),
      Entity.DESIGN_ASSET, List.of("design"), Entity.ASSEMBLY_NODE, List.of("node"), Entity.ANALYSIS_JOB, List.of("job"),
      Entity.REVIEW_SESSION, List.of("review"), Entity.MARKUP, List.of("markup"), Entity.AUDIT_LOG, List.of("audit"),
      Entity.GEOMETRY_METADATA, List.of("design"));

  private final EnginelConfig config;
  private final String nodeId;
  private final CacheClient cache;
  private final PrincipalCache principals;
  private final CacheStats stats;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private ChangeListener listener;

  public InvalidationVerticle(EnginelConfig config, String nodeId, CacheClient cache, PrincipalCache principals,
                              CacheStats stats) {
    this.config = config;
    this.nodeId = nodeId;
    this.cache = cache;
    this.principals = principals;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(InvalidationApi.APPLY, msg -> {
      DomainEvent event;
      try {
        event = DomainEvent.fromJson(msg.body());
      } catch (RuntimeException e) {
        msg.fail(400, new ApiError(400, "bad_message", "Not a domain event: " + e.getMessage()).toJson().encode());
        return;
      }
      apply(event).onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(ar.result());
        } else {
          msg.fail(503, ApiError.from(ar.cause()).toJson().encode());
        }
      });
    }));
    handle(InvalidationApi.MANUAL, this::manual);
    handle(InvalidationApi.STATUS, m -> Future.succeededFuture(listener.status()));
    for (Entity e : List.of(Entity.USER, Entity.MEMBERSHIP, Entity.ORGANIZATION, Entity.SESSION)) {
      consumers.add(vertx.eventBus().<JsonObject>consumer(e.address(), msg -> {
        try {
          evictPrincipals(DomainEvent.fromJson(msg.body()));
        } catch (RuntimeException ex) {
          LOG.debug("ignoring malformed event on {}", e.address());
        }
      }));
    }
    io.vertx.core.eventbus.MessageConsumer<JsonObject> evictions = PrincipalEvictions.listen(vertx, principals);
    if (evictions != null) {
      consumers.add(evictions);
    }
    listener = new ChangeListener(vertx, PgSetup.connectOptions(config.pg(), nodeId), PgSetup.applicationName(nodeId),
        event -> apply(event).onFailure(t -> LOG.warn("invalidation of a notified change failed: {}", t.getMessage())),
        this::invalidateEverything, this::invalidateEverything);
    List<Future<Void>> registrations = new ArrayList<>();
    consumers.forEach(c -> registrations.add(c.completion()));
    return Future.all(registrations).compose(v -> listener.start());
  }

  @Override
  public Future<?> stop() {
    return listener == null ? Future.succeededFuture() : listener.stop();
  }

  /** Carries out one event's invalidations on every tier it touches, then evicts principals. */
  Future<JsonObject> apply(DomainEvent event) {
    Map<Tier, Set<String>> tags = InvalidationRules.tagsFor(event);
    List<Future<JsonObject>> work = new ArrayList<>();
    tags.forEach((tier, set) -> work.add(cache.tier(tier).invalidateTags(set)));
    if (event.entity() == Entity.SESSION) {
      for (String hash : event.refs("session")) {
        work.add(endSessionInRedis(hash, "delete".equals(event.op())));
      }
    }
    if (DomainEvent.SOURCE_REPOSITORY.equals(event.source())) {
      // this node's own write: answered only once every node has forgotten the principals it changes
      work.add(evictPrincipalsEverywhere(event).map(v -> new JsonObject()));
    } else {
      evictPrincipals(event);
    }
    return Future.join(work).transform(ar -> {
      long deleted = 0;
      boolean deferred = false;
      for (Future<JsonObject> f : work) {
        if (f.succeeded()) {
          deleted += f.result().getLong("deleted", 0L);
          deferred |= f.result().getBoolean("deferred", false);
        } else {
          deferred = true;
        }
      }
      stats.invalidation(event.source(), deleted);
      int tagCount = tags.values().stream().mapToInt(Set::size).sum();
      LOG.debug("{} {} {} ({}): {} tag(s), {} key(s) deleted{}", event.entity().model(), event.op(), event.id(),
          event.source(), tagCount, deleted, deferred ? ", deferred" : "");
      return Future.succeededFuture(new JsonObject().put("tags", tagCount).put("deleted", deleted).put("deferred", deferred));
    });
  }

  /**
   * A deleted session ends in Redis as a logout ends it ({@link CacheClient#endSession}); any other change of its
   * row only drops the cached copy.
   */
  private Future<JsonObject> endSessionInRedis(String hash, boolean ended) {
    CacheClient sessions = cache.tier(Tier.SESSIONS);
    Future<Long> done = ended ? sessions.endSession(hash, config.auth().sessionTtlSeconds())
        : sessions.delete(cache.keys().session(hash));
    return done.map(n -> new JsonObject().put("deleted", n));
  }

  /** Forgets the principals an event changes, on every cluster member (this node's own writes). */
  private Future<Void> evictPrincipalsEverywhere(DomainEvent event) {
    PrincipalEvictions.Affected a = PrincipalEvictions.affectedBy(event);
    return a.none() ? Future.succeededFuture() : PrincipalEvictions.everywhere(vertx, principals, a.sessions(), a.users(),
        cache::outwaitUnconfirmedMembers);
  }

  /** Forgets the principals an event changes, on this node (another node's write, or one from outside). */
  private void evictPrincipals(DomainEvent event) {
    PrincipalEvictions.Affected a = PrincipalEvictions.affectedBy(event);
    a.sessions().forEach(principals::evictSession);
    a.users().forEach(principals::evictUser);
  }

  /** What may have been missed is invalidated conservatively: a new incarnation of every response tier. */
  private void invalidateEverything() {
    principals.clear();
    cache.invalidateAll()
        .onSuccess(r -> stats.invalidation(DomainEvent.SOURCE_NOTIFY, 0))
        .onFailure(t -> LOG.warn("conservative invalidation failed: {}", t.getMessage()));
  }

  private Future<Object> manual(JsonObject m) {
    Tier tier = m.containsKey("tier") ? Tier.parse(m.getString("tier")) : Tier.DEFAULT;
    if (m.containsKey("keys")) {
      JsonArray keys = m.getJsonArray("keys");
      if (keys == null || keys.isEmpty()) {
        throw ApiError.badRequest("keys", "'keys' must be a non-empty array of keys.");
      }
      String[] list = keys.stream().map(k -> k instanceof String s ? s : null).toArray(String[]::new);
      return cache.tier(tier).delete(list).map(n -> manualDone(n, new JsonObject().put("keys", list.length)));
    }
    if (m.containsKey("pattern")) {
      return cache.tier(tier).deletePattern(m.getString("pattern"))
          .map(n -> manualDone(n, new JsonObject().put("pattern", m.getString("pattern"))));
    }
    if (m.containsKey("model")) {
      Entity entity = Entity.byModel(m.getString("model"));
      if (entity == null || !MODEL_KINDS.containsKey(entity)) {
        throw ApiError.badRequest("model", "'model' must be one of " + MODEL_KINDS.keySet().stream().map(Entity::model).sorted().toList() + ".");
      }
      if (m.getValue("id") != null) {
        return vertx.eventBus().<JsonObject>request(RepositoryApi.ROW,
                new JsonObject().put("entity", entity.model()).put("id", m.getValue("id").toString()))
            .recover(t -> Future.failedFuture(ApiError.from(t)))
            .compose(row -> {
              DomainEvent.Builder b = new DomainEvent.Builder(entity, "update", m.getValue("id").toString())
                  .source(DomainEvent.SOURCE_MANUAL);
              ChangeRefs.addRow(b, entity, row.body());
              return apply(b.build()).map(r -> (Object) r.put("model", entity.model()).put("id", m.getValue("id").toString()));
            });
      }
      List<Future<Long>> deletes = new ArrayList<>();
      for (String kind : MODEL_KINDS.get(entity)) {
        for (Tier t : List.of(Tier.DEFAULT, Tier.LONGTERM)) {
          deletes.add(cache.tier(t).deletePattern(cache.keys().prefix() + ":" + kind + ":*"));
        }
      }
      return Future.all(deletes).map(v -> {
        long n = deletes.stream().mapToLong(Future::result).sum();
        return manualDone(n, new JsonObject().put("model", entity.model()));
      });
    }
    throw ApiError.badRequest("body", "Give 'keys', 'pattern' or 'model' (with an optional 'id').");
  }

  private Object manualDone(long deleted, JsonObject what) {
    stats.invalidation(DomainEvent.SOURCE_MANUAL, deleted);
    return what.put("deleted", deleted);
  }

  private void handle(String address, Function<JsonObject, Future<Object>> op) {
    consumers.add(vertx.eventBus().<JsonObject>consumer(address, msg -> {
      Future<Object> f;
      try {
        f = op.apply(msg.body() == null ? new JsonObject() : msg.body());
      } catch (ApiError e) {
        f = Future.failedFuture(e);
      } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
        f = Future.failedFuture(ApiError.badRequest("body", "Malformed request: " + e.getMessage()));
      }
      f.onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(ar.result());
        } else {
          ApiError e = ApiError.from(ar.cause());
          msg.fail(e.status(), e.toJson().encode());
        }
      });
    }));
  }
}
