package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.cache.CachedRead;
import io.enginel.cache.PrincipalCache;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.domain.Tags;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Bearer authentication in three tiers: the process's {@link PrincipalCache} (no I/O), then the session in
 * the {@code sessions} Redis tier, then the session recorded in Postgres (which survives a Redis restart,
 * and refills the tier). The principal (memberships and roles) is read from Postgres when a token is first
 * seen by this process or after its entry was evicted by a change.
 */
final class Authenticator implements Handler<RoutingContext> {
  /** The request's {@link PrincipalCache.Entry}: its principal and its session's token hash. */
  private static final String AUTHENTICATED = "enginel.authenticated";
  private static final ApiError NOT_AUTHENTICATED =
      new ApiError(401, "not_authenticated", "Authentication credentials were not provided or are invalid.");

  private final PrincipalCache principals;
  private final CacheClient cache;
  private final RepositoryClient repository;
  private final long sessionTtlSeconds;

  Authenticator(PrincipalCache principals, CacheClient cache, RepositoryClient repository, long sessionTtlSeconds) {
    this.principals = principals;
    this.cache = cache;
    this.repository = repository;
    this.sessionTtlSeconds = sessionTtlSeconds;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String token = bearer(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    // a token in memory was well formed when it was taken in: only an unknown one is checked
    PrincipalCache.Entry known = token == null ? null : principals.get(token);
    if (known != null) {
      accept(ctx, known);
      return;
    }
    if (token == null || !Tokens.wellFormed(token)) {
      Responses.error(ctx, NOT_AUTHENTICATED);
      return;
    }
    // a body not yet read (an upload) must wait for the lookup; one already read (HTTP/2 ends the request
    // before the routes run, and pausing an ended HTTP/2 request throws) needs no pause
    boolean paused = !ctx.request().isEnded();
    if (paused) {
      ctx.request().pause();
    }
    lookUp(token).onComplete(ar -> {
      if (paused && !ctx.request().isEnded()) {
        ctx.request().resume();
      }
      if (ar.succeeded()) {
        accept(ctx, ar.result());
      } else {
        Responses.error(ctx, ar.cause());
      }
    });
  }

  /** The token of a {@code Bearer} header value (not yet checked for its form), or null when there is none. */
  private static String bearer(String header) {
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).trim();
  }

  /** Session and principal of a token not in memory; kept in memory when found. Fails with a 401 when unknown. */
  private Future<PrincipalCache.Entry> lookUp(String token) {
    return resolve(Tokens.hash(token)).transform(ar -> {
      if (ar.succeeded()) {
        principals.put(token, ar.result());
        return Future.succeededFuture(ar.result());
      }
      ApiError e = ApiError.from(ar.cause());
      return Future.failedFuture(e.status() == 404 ? NOT_AUTHENTICATED : e);
    });
  }

  private static void accept(RoutingContext ctx, PrincipalCache.Entry entry) {
    ctx.put(AUTHENTICATED, entry);
    ctx.next();
  }

  /**
   * Session (the sessions tier, else PostgreSQL, which refills the tier), then principal; a missing, expired or
   * inactive one is a 404 here. A cached session is validated like every cached answer: a logout (or any change
   * of its user) invalidates its tags before it is answered, so a lost key, an evicted stamp or a Redis restored
   * from an older snapshot cannot bring an ended session back.
   */
  Future<PrincipalCache.Entry> resolve(String hash) {
    long started = System.currentTimeMillis(); // an eviction after this moment fences what this lookup finds
    return cache.read(sessionRead(hash)).compose(answer -> {
      JsonObject session = new JsonObject(answer.body());
      if (session.getLong("expires_at", 0L) <= System.currentTimeMillis()) {
        return Future.failedFuture(new ApiError(404, "not_found", "The session has ended."));
      }
      return repository.principal(session.getLong("user_id")).map(p -> new PrincipalCache.Entry(
          Principal.fromJson(p), hash, session.getLong("expires_at"), started));
    });
  }

  /** A session as a cached read of the sessions tier: tagged by itself and its user, kept no longer than it lives. */
  private CachedRead sessionRead(String hash) {
    return new CachedRead(Tier.SESSIONS, cache.keys().session(hash), "session", sessionTtlSeconds, true,
        () -> repository.session(hash).map(s -> new CachedRead.Loaded(s.toBuffer(), List.of(Principal.OWNER_ANYONE),
            List.of(Tags.session(hash), Tags.of(Resources.USERS, s.getLong("user_id"))),
            Math.max(1, (s.getLong("expires_at") - System.currentTimeMillis()) / 1000))));
  }

  static Principal principal(RoutingContext ctx) {
    PrincipalCache.Entry entry = ctx.get(AUTHENTICATED);
    return entry == null ? null : entry.principal();
  }

  /** The token hash of the request's session (what a logout ends). */
  static String tokenHash(RoutingContext ctx) {
    PrincipalCache.Entry entry = ctx.get(AUTHENTICATED);
    return entry == null ? null : entry.tokenHash();
  }
}
