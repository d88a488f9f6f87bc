package io.enginel.invalidation;

import io.enginel.cache.CacheClient;
import io.enginel.cache.CacheStats;
import io.enginel.cache.ClusterFanOut;
import io.enginel.cache.PrincipalCache;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.Bus;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.enginel.domain.Resources;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns domain events into invalidations: the tags of {@link InvalidationRules}, carried out by the cache
 * verticle, and the in-memory principals of the users concerned, on every Enginel node of the cluster. Events
 * come from this node's repository (request/reply on {@link InvalidationApi#APPLY}, answered when done) and
 * from Postgres notifications of writes made elsewhere. Also carries out manual invalidation for this node's
 * front door ({@link InvalidationApi#APPLY_MANUAL}). Every address here answers this node only.
 */
public final class InvalidationVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidationVerticle.class);

  private final PgConnectOptions listenTo;
  /** The application name of this node's writing connections, which its notifications carry back. */
  private final String ownOrigin;
  private final String nodeId;
  private final CacheClient cache;
  private final PrincipalCache principals;
  private final CacheStats stats;
  private final ClusterFanOut cluster;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private ChangeListener listener;

  public InvalidationVerticle(PgConnectOptions listenTo, String ownOrigin, String nodeId, CacheClient cache,
                              PrincipalCache principals,
                              CacheStats stats, ClusterFanOut cluster) {
    this.listenTo = listenTo;
    this.ownOrigin = ownOrigin;
    this.cluster = cluster;
    this.nodeId = nodeId;
    this.cache = cache;
    this.principals = principals;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    consumers.add(Bus.local(vertx, InvalidationApi.APPLY, m -> apply(DomainEvent.fromJson(m))));
    consumers.add(Bus.local(vertx, InvalidationApi.APPLY_MANUAL, this::manual));
    consumers.add(Bus.local(vertx, InvalidationApi.STATUS, m -> Future.succeededFuture(listener.status())));
    MessageConsumer<Object> evictions = PrincipalEvictions.listen(cluster, principals);
    if (evictions != null) {
      consumers.add(evictions);
    }
    listener = new ChangeListener(vertx, listenTo, ownOrigin,
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
    tags.forEach((tier, set) -> work.add(cache.invalidateTags(tier, set)));
    if (DomainEvent.SOURCE_REPOSITORY.equals(event.source())) {
      // this node's own write: answered only once every node has forgotten the principals it changes
      work.add(evictPrincipalsEverywhere(event).map(v -> new JsonObject()));
    } else {
      evictPrincipalsHere(event);
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

  /** Forgets the principals an event changes, on every cluster member (this node's own writes). */
  private Future<Void> evictPrincipalsEverywhere(DomainEvent event) {
    PrincipalEvictions.Affected a = PrincipalEvictions.affectedBy(event);
    return a.none() ? Future.succeededFuture() : PrincipalEvictions.everywhere(cluster, principals, a.sessions(),
        a.users(), cache::outwaitUnconfirmedMembers);
  }

  /** Forgets the principals an event changes, on this node (a write from outside, seen through its notification). */
  private void evictPrincipalsHere(DomainEvent event) {
    PrincipalEvictions.Affected a = PrincipalEvictions.affectedBy(event);
    a.sessions().forEach(principals::evictSession);
    a.users().forEach(principals::evictUser);
  }

  /** What may have been missed is invalidated conservatively: a new incarnation of every response tier. */
  private Future<JsonObject> invalidateEverything() {
    principals.clear();
    return cache.invalidateAll()
        .onSuccess(r -> stats.invalidation(DomainEvent.SOURCE_NOTIFY, 0))
        .onFailure(t -> LOG.warn("conservative invalidation failed: {}", t.getMessage()));
  }

  private Future<JsonObject> manual(JsonObject m) {
    Tier tier = m.containsKey("tier") ? Tier.parse(m.getString("tier")) : Tier.DEFAULT;
    if (m.containsKey("keys")) {
      JsonArray keys = m.getJsonArray("keys");
      if (keys == null || keys.isEmpty()) {
        throw ApiError.badRequest("keys", "'keys' must be a non-empty array of keys.");
      }
      List<String> list = keys.stream().map(k -> k instanceof String s ? s : null).toList();
      return cache.deleteKeys(tier, list).map(n -> manualDone(n, new JsonObject().put("keys", list.size())));
    }
    if (m.containsKey("pattern")) {
      return cache.deletePattern(tier, m.getString("pattern"))
          .map(n -> manualDone(n, new JsonObject().put("pattern", m.getString("pattern"))));
    }
    if (m.containsKey("model")) {
      Entity entity = Entity.byModel(m.getString("model"));
      Map<Entity, List<String>> models = Resources.manualKeyItems();
      if (entity == null || !models.containsKey(entity)) {
        throw ApiError.badRequest("model", "'model' must be one of " + models.keySet().stream().map(Entity::model).sorted().toList() + ".");
      }
      if (m.getValue("id") != null) {
        JsonObject row = m.getJsonObject("row");
        if (row == null) {
          throw ApiError.badRequest("row", "A model with an id needs its row, read by the front door.");
        }
        DomainEvent.Builder b = new DomainEvent.Builder(entity, "update", m.getValue("id").toString())
            .source(DomainEvent.SOURCE_MANUAL);
        entity.addRefs(b, row);
        return apply(b.build()).map(r -> r.put("model", entity.model()).put("id", m.getValue("id").toString()));
      }
      List<Future<Long>> deletes = new ArrayList<>();
      for (String kind : models.get(entity)) {
        for (Tier t : List.of(Tier.DEFAULT, Tier.LONGTERM)) {
          deletes.add(cache.deletePattern(t, cache.keys().prefix() + ":" + kind + ":*"));
        }
      }
      return Future.all(deletes).map(v -> {
        long n = deletes.stream().mapToLong(Future::result).sum();
        return manualDone(n, new JsonObject().put("model", entity.model()));
      });
    }
    throw ApiError.badRequest("body", "Give 'keys', 'pattern' or 'model' (with an optional 'id').");
  }

  private JsonObject manualDone(long deleted, JsonObject what) {
    stats.invalidation(DomainEvent.SOURCE_MANUAL, deleted);
    return what.put("deleted", deleted);
  }

}
