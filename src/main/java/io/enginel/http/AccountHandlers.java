package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.cache.ClusterFanOut;
import io.enginel.cache.PrincipalCache;
import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.enginel.domain.ApiError;
import io.enginel.invalidation.PrincipalEvictions;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * {@code POST /api/auth/login} and {@code POST /api/auth/logout}. A session is recorded in Postgres (so a
 * Redis restart logs nobody out) and in the {@code sessions} tier for 24 hours; logout ends it at once
 * everywhere: Postgres row, Redis key, and the principal in the memory of every node of the cluster, which
 * each confirms before the 204 (the row's change notification follows, for nodes that missed it).
 */
final class AccountHandlers {
  private static final ApiError BAD_CREDENTIALS = new ApiError(401, "invalid_credentials", "Invalid user name or password.");

  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final CacheClient sessions;
  private final PrincipalCache principals;
  private final ClusterFanOut cluster;
  private final Passwords passwords;
  private final LoginThrottle throttle;

  AccountHandlers(EnginelConfig config, RepositoryClient repository, CacheClient cache, PrincipalCache principals,
                  ClusterFanOut cluster, Passwords passwords, LoginThrottle throttle) {
    this.cluster = cluster;
    this.config = config;
    this.repository = repository;
    this.sessions = cache.tier(Tier.SESSIONS);
    this.principals = principals;
    this.passwords = passwords;
    this.throttle = throttle;
  }

  void login(RoutingContext ctx) {
    JsonObject body = Requests.jsonBody(ctx);
    Object u = body.getValue("username");
    Object pw = body.getValue("password");
    if (!(u instanceof String username) || username.isEmpty() || username.length() > 150) {
      throw ApiError.badRequest("username", "'username' must be a non-empty string.");
    }
    if (!(pw instanceof String password) || password.isEmpty() || password.length() > 1024) {
      throw ApiError.badRequest("password", "'password' must be a non-empty string.");
    }
    String ip = Requests.ip(ctx);
    int ttl = config.auth().sessionTtlSeconds();
    throttle.attempt(username, ip).compose(wait -> {
          if (wait > 0) {
            ctx.response().putHeader("Retry-After", Long.toString(wait));
            return Future.failedFuture(new ApiError(429, "throttled", "Too many login attempts; try again in " + wait + " s."));
          }
          return repository.credentials(username);
        })
        .recover(t -> ApiError.from(t).status() == 404 ? Future.succeededFuture(null) : Future.failedFuture(t))
        .compose(cred -> passwords.verify(password, cred == null ? null : cred.getString("password_hash"))
            .compose(ok -> ok && cred.getBoolean("is_active", false) ? Future.succeededFuture(cred.getLong("user_id"))
                : Future.failedFuture(BAD_CREDENTIALS)))
        .compose(userId -> {
          String token = Tokens.newToken();
          String hash = Tokens.hash(token);
          return repository.createSession(hash, userId, ttl, ip).compose(session ->
              sessions.set(sessions.keys().session(hash), session, ttl).otherwise(false).map(token));
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            Responses.error(ctx, ar.cause());
          } else {
            Responses.json(ctx, 200, new JsonObject().put("token", ar.result()).put("expires_in", ttl));
          }
        });
  }

  void logout(RoutingContext ctx) {
    String hash = ctx.get(Authenticator.TOKEN_HASH);
    repository.deleteSession(hash)
        .compose(r -> sessions.endSession(hash, config.auth().sessionTtlSeconds()).otherwise(0L))
        .onComplete(ar -> {
          if (ar.failed()) {
            principals.evictSession(hash);
            Responses.error(ctx, ar.cause());
            return;
          }
          // ended in the memory of every node before the client hears it is ended
          PrincipalEvictions.everywhere(cluster, principals, List.of(hash),
              List.of(), sessions::outwaitUnconfirmedMembers).onComplete(done -> Responses.noContent(ctx));
        });
  }
}
