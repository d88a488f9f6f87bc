package io.enginel.http;

import io.enginel.cache.CacheApi;
import io.enginel.domain.ApiError;
import io.enginel.domain.Bus;
import io.enginel.domain.BusSignatures;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.invalidation.InvalidationApi;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/**
 * The part of the public event-bus interface that acts for a user: manual invalidation
 * ({@link InvalidationApi#MANUAL}) and warming ({@link CacheApi#WARM}). Like the HTTP endpoints that do the same,
 * each needs a staff user. The caller proves the user asks for exactly this operation with a request signed with
 * the key of the user's session ({@link BusSignatures}: header {@code Authorization: EnginelSig ...}); a bearer token
 * is never taken over the bus, where any member registered at the same address could read it. No valid signature
 * is a 401, a user who is not staff a 403 — as over HTTP — and only then does the node-local operation run.
 */
final class BusFrontDoor {
  static final String AUTHORIZATION = "Authorization";
  private static final ApiError NOT_SIGNED = new ApiError(401, "not_authenticated", "Act for a user over the event bus "
      + "with a request signed with their session's key: Authorization: EnginelSig session=..., ts=..., sig=... "
      + "(docs/event-bus.md); a bearer token is never taken over the bus.");

  private final Vertx vertx;
  private final Authenticator auth;
  private final RepositoryClient repository;
  private final CacheWarmer warmer;
  private final ManualInvalidation manual;

  BusFrontDoor(Vertx vertx, Authenticator auth, RepositoryClient repository, CacheWarmer warmer,
               ManualInvalidation manual) {
    this.vertx = vertx;
    this.manual = manual;
    this.auth = auth;
    this.repository = repository;
    this.warmer = warmer;
  }

  /** The consumers, reachable from every member of the cluster. */
  List<MessageConsumer<Object>> bind() {
    return List.of(
        Bus.cluster(vertx, InvalidationApi.MANUAL, (body, headers) -> asStaff(InvalidationApi.MANUAL, body, headers,
            p -> manual.apply(body))),
        Bus.cluster(vertx, CacheApi.WARM, (body, headers) -> asStaff(CacheApi.WARM, body, headers,
            p -> warmer.warmOrganization(organization(body)))));
  }

  private Future<JsonObject> asStaff(String address, JsonObject body, MultiMap headers,
                                     Function<Principal, Future<JsonObject>> operation) {
    return signer(address, body, headers.get(AUTHORIZATION)).compose(p -> p.staff() ? operation.apply(p)
        : Future.failedFuture(ApiError.forbidden("Only staff may invalidate or warm the cache.")));
  }

  /** The principal of the session that signed this request to this address with this body, or a 401. */
  private Future<Principal> signer(String address, JsonObject body, String authorization) {
    BusSignatures.Signed signed = BusSignatures.parse(authorization);
    if (signed == null) {
      return Future.failedFuture(NOT_SIGNED);
    }
    return repository.sessionByBusId(signed.busId())
        .recover(t -> Future.failedFuture(ApiError.from(t).status() == 404 ? NOT_SIGNED : t))
        .compose(session -> {
          String tokenHash = session.getString("token_hash");
          if (!BusSignatures.verifies(signed, tokenHash, address, body, System.currentTimeMillis())) {
            return Future.failedFuture(NOT_SIGNED);
          }
          return auth.resolve(tokenHash).map(entry -> entry.principal())
              .recover(t -> Future.failedFuture(ApiError.from(t).status() == 404 ? NOT_SIGNED : t));
        });
  }

  static String organization(JsonObject body) {
    return Requests.id(body.getString("organization"), "organization", Resources.ORGANIZATIONS.idType());
  }
}
