package io.enginel.repository;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.domain.Bus;
import io.enginel.domain.DomainEvent;
import io.enginel.domain.Entity;
import io.enginel.domain.Field;
import io.enginel.domain.FieldType;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.domain.Validation;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Every SQL statement of the server runs here, through one shared vertx-pg-client pool. After each
 * committed write it asks the invalidation verticle to carry out the write's invalidations, waits for
 * that, publishes the domain event for other consumers, and only then answers: so a write's answer
 * means its cache invalidation is done.
 */
public final class RepositoryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RepositoryVerticle.class);

  private final EnginelConfig config;
  private final String nodeId;
  private final QueryStats stats;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  private Pool pool;

  public RepositoryVerticle(EnginelConfig config, String nodeId, QueryStats stats) {
    this.config = config;
    this.nodeId = nodeId;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    EnginelConfig.Pg pg = config.pg();
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(pg.maxPoolSize()).setMaxWaitQueueSize(pg.maxWaitQueueSize())
            .setConnectionTimeout(pg.connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setShared(true).setName("enginel-pg"))
        .with(PgSetup.transport(pg))
        .connectingTo(PgSetup.connectOptions(pg, nodeId))
        .using(vertx)
        .build();
    ReadQueries reads = new ReadQueries(pool, stats);
    AccountQueries accounts = new AccountQueries(pool, stats);
    DesignQueries designs = new DesignQueries(pool, stats);
    Writes writes = new Writes(pool, stats);
    CommittedWrites committed = new CommittedWrites(vertx);
    int maxPage = config.http().maxPageSize();

    on(RepositoryApi.LIST, m -> list(reads, m, maxPage));
    on(RepositoryApi.LIST_MATCHES, m -> reads.matches(ListQuery.fromJson(m.getJsonObject("query"), maxPage),
        UUID.fromString(m.getString("organization"))).map(set -> new JsonObject().put("matches", set)));
    on(RepositoryApi.LIST_ROWS, m -> {
      JsonArray given = m.getJsonArray("ids", new JsonArray());
      List<UUID> ids = new ArrayList<>(given.size());
      for (int i = 0; i < given.size(); i++) {
        ids.add(UUID.fromString(given.getString(i)));
      }
      return reads.rowsAmong(ListQuery.fromJson(m.getJsonObject("query"), maxPage),
          Scope.fromJson(m.getJsonObject("scope")), ids);
    });
    on(RepositoryApi.GET, m -> {
      Resource r = Resources.byName(m.getString("resource"));
      return reads.get(r, id(r, m.getValue("id")));
    });
    on(RepositoryApi.BOM, m -> designs.bom(UUID.fromString(m.getString("design"))));
    on(RepositoryApi.STORAGE, m -> designs.storage(UUID.fromString(m.getString("organization"))));
    on(RepositoryApi.ME, m -> {
      long user = m.getLong("user");
      return accounts.me(user).map(me -> new JsonObject().put("row", me)
          .put("owners", new JsonArray().add("u:" + user)));
    });
    on(RepositoryApi.CREATE, m -> {
      Resource r = Resources.byName(m.getString("resource"));
      Actor actor = Actor.fromJson(m.getJsonObject("actor"), m.getString("ip"));
      String hash = passwordHash(r, m);
      var fields = Validation.body(r, m.getJsonObject("fields", new JsonObject()), Validation.Mode.CREATE, actor.staff(),
          hashedGiven(r, hash));
      return committed.announce(writes.create(r, actor, fields, m.getString("parent"), hash));
    });
    on(RepositoryApi.UPDATE, m -> {
      Resource r = Resources.byName(m.getString("resource"));
      Actor actor = Actor.fromJson(m.getJsonObject("actor"), m.getString("ip"));
      Validation.Mode mode = m.getBoolean("replace", false) ? Validation.Mode.PUT : Validation.Mode.PATCH;
      String hash = passwordHash(r, m);
      var fields = Validation.body(r, m.getJsonObject("fields", new JsonObject()), mode, actor.staff(),
          hashedGiven(r, hash));
      return committed.announce(writes.update(r, actor, m.getValue("id").toString(), m.getString("parent"), fields, hash,
          ifMatch(m)));
    });
    on(RepositoryApi.DELETE, m -> {
      Resource r = Resources.byName(m.getString("resource"));
      Actor actor = Actor.fromJson(m.getJsonObject("actor"), m.getString("ip"));
      return committed.announce(writes.delete(r, actor, m.getValue("id").toString(), m.getString("parent"),
          ifMatch(m)));
    });
    on(RepositoryApi.REVIEWERS, m -> {
      Actor actor = Actor.fromJson(m.getJsonObject("actor"), m.getString("ip"));
      return committed.announce(writes.reviewer(actor, UUID.fromString(m.getString("review")), m.getLong("user"),
          "add".equals(m.getString("op"))));
    });
    JobQueries jobs = new JobQueries(pool, stats, writes);
    on(RepositoryApi.FILE_ATTACH, m -> committed.announce(jobs.attachFile(Actor.fromJson(m.getJsonObject("actor"), m.getString("ip")),
        UUID.fromString(m.getString("design")), m.getString("sha256"), m.getLong("size"), m.getString("path"),
        m.getString("file_format"),
        m.getDouble("density", config.jobs().defaultDensity()))));
    on(RepositoryApi.METADATA, m -> jobs.metadata(UUID.fromString(m.getString("design"))));
    on(RepositoryApi.METADATA_SAVE, m -> committed.announce(jobs.saveMetadata(UUID.fromString(m.getString("design")),
        m.getJsonObject("properties"))));
    on(RepositoryApi.JOB_CLAIM, m -> committed.announce(jobs.claim(m.getInteger("stale_after_seconds", config.jobs().staleAfterSeconds()))));
    on(RepositoryApi.JOB_PROGRESS, m -> committed.announce(jobs.progress(UUID.fromString(m.getString("job")), m.getInteger("progress"))));
    on(RepositoryApi.JOB_COMPLETE, m -> committed.announce(jobs.complete(UUID.fromString(m.getString("job")), m.getJsonObject("properties"))));
    on(RepositoryApi.JOB_FAIL, m -> committed.announce(jobs.fail(UUID.fromString(m.getString("job")), m.getString("error", "failed"))));
    on(RepositoryApi.CREDENTIALS, m -> accounts.credentials(m.getString("username")));
    on(RepositoryApi.LOGIN_ATTEMPT, m -> {
      List<String> keys = new ArrayList<>();
      m.getJsonArray("keys").forEach(k -> keys.add((String) k));
      return accounts.loginAttempt(keys);
    });
    on(RepositoryApi.SESSION_CREATE, m -> accounts.createSession(m.getString("token_hash"), m.getLong("user_id"),
        m.getInteger("ttl_seconds"), m.getString("ip")));
    on(RepositoryApi.SESSION_GET, m -> accounts.session(m.getString("token_hash")));
    on(RepositoryApi.SESSION_BY_BUS_ID, m -> accounts.sessionByBusId(m.getString("bus_id")));
    on(RepositoryApi.SESSION_DELETE, m -> {
      String hash = m.getString("token_hash");
      return committed.announce(accounts.deleteSession(hash).map(ended -> new WriteResult(ended,
          new DomainEvent.Builder(Entity.SESSION, "delete", hash)
              .ref("session", hash).ref("user", ended.getValue("user_id")).build()))).map(r -> r.getJsonObject("row"));
    });
    on(RepositoryApi.PRINCIPAL, m -> accounts.principal(m.getLong("user")));
    RowLookup lookup = new RowLookup(pool, stats);
    on(RepositoryApi.ROW, m -> lookup.row(m.getString("entity"), m.getString("id")));
    on(RepositoryApi.STATS, m -> Future.succeededFuture(new JsonObject().put("queries", stats.toJson())));
    on(RepositoryApi.HEALTH, m -> {
      long start = System.nanoTime();
      return pool.query("SELECT 1").execute()
          .map(rows -> new JsonObject().put("ok", true).put("latency_ms", (System.nanoTime() - start) / 1e6));
    });

    List<Future<Void>> registrations = new ArrayList<>();
    consumers.forEach(c -> registrations.add(c.completion()));
    return Future.all(registrations)
        .compose(v -> pool.query("SELECT 1").execute())
        .onSuccess(v -> LOG.debug("repository ready"));
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private Future<JsonObject> list(ReadQueries reads, JsonObject m, int maxPage) {
    ListQuery q = ListQuery.fromJson(m.getJsonObject("query"), maxPage);
    Scope scope = Scope.fromJson(m.getJsonObject("scope"));
    JsonObject parent = m.getJsonObject("parent");
    if (parent == null) {
      return reads.list(q, scope);
    }
    Resource pr = Resources.byName(parent.getString("resource"));
    Future<JsonArray> owners = reads.owners(pr, id(pr, parent.getValue("id")));
    Future<JsonObject> page = reads.list(q, scope);
    return Future.all(owners, page).map(v -> page.result().put("owners", owners.result()))
        .recover(t -> owners.failed() ? Future.failedFuture(owners.cause()) : Future.failedFuture(t));
  }

  /** A hashed field (a password) must reach the repository hashed, as {@code password_hash}; a plain one is refused. */
  private static String passwordHash(Resource r, JsonObject m) {
    String name = r.hashedField().map(Field::name).orElse(null);
    if (name != null && m.getJsonObject("fields", new JsonObject()).containsKey(name)) {
      throw ApiError.badRequest(name, "Passwords must be hashed before they reach the repository.");
    }
    return name == null ? null : m.getString("password_hash");
  }

  /** The hashed field given (as its hash), for validation: a required password given hashed is present. */
  private static Set<String> hashedGiven(Resource r, String hash) {
    return hash == null ? Set.of() : r.hashedField().map(f -> Set.of(f.name())).orElse(Set.of());
  }

  /** The entity tags of a write's {@code If-Match} ({@code if_match}), or null when it has none. */
  private static List<String> ifMatch(JsonObject m) {
    JsonArray tags = m.getJsonArray("if_match");
    if (tags == null) {
      return null;
    }
    List<String> out = new ArrayList<>(tags.size());
    tags.forEach(t -> out.add(String.valueOf(t)));
    return out;
  }

  private static Object id(Resource r, Object raw) {
    if (raw == null) {
      throw new IllegalArgumentException("id is required");
    }
    return r.idType() == FieldType.UUID ? UUID.fromString(raw.toString())
        : (Object) Long.parseLong(raw.toString());
  }

  private void on(String address, Function<JsonObject, Future<JsonObject>> operation) {
    consumers.add(Bus.local(vertx, address, (body, headers) -> operation.apply(body), PgErrors::map));
  }
}
