package io.enginel.http;

import io.enginel.cache.PrincipalCache;
import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /api/auth/login} and {@code POST /api/auth/logout}. A session is recorded in PostgreSQL (so a
 * Redis restart logs nobody out) and cached in the {@code sessions} tier on first use; logout ends it at once
 * everywhere: its row, its cached copy and its principal in the memory of every node of the cluster, each
 * confirming before the 204.
 */
final class AccountHandlers {
  private static final ApiError BAD_CREDENTIALS = new ApiError(401, "invalid_credentials", "Invalid user name or password.");

  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final PrincipalCache principals;
  private final Passwords passwords;
  private final LoginThrottle throttle;

  AccountHandlers(EnginelConfig config, RepositoryClient repository, PrincipalCache principals, Passwords passwords,
                  LoginThrottle throttle) {
    this.config = config;
    this.repository = repository;
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
          return repository.createSession(hash, userId, ttl, ip).map(token);
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            Responses.error(ctx, ar.cause());
          } else {
            Responses.json(ctx, 200, new JsonObject().put("token", ar.result()).put("expires_in", ttl));
          }
        });
  }

  /**
   * Ends the session: its row goes, and the write is answered once its invalidation is done — its cached copy
   * refused by every later lookup, its principal forgotten by every node of the cluster, each confirming.
   */
  void logout(RoutingContext ctx) {
    String hash = Authenticator.tokenHash(ctx);
    repository.deleteSession(hash).onComplete(ar -> {
      if (ar.failed()) {
        principals.evictSession(hash);
        Responses.error(ctx, ar.cause());
      } else {
        Responses.noContent(ctx);
      }
    });
  }
}
