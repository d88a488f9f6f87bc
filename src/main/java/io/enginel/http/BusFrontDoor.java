package io.enginel.http;

import io.enginel.cache.CacheApi;
import io.enginel.domain.ApiError;
import io.enginel.domain.Bus;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.invalidation.InvalidationApi;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/**
 * The part of the public event-bus interface that acts for a user: manual invalidation
 * ({@link InvalidationApi#MANUAL}) and warming ({@link CacheApi#WARM}). Like the HTTP endpoints that do the
 * same, each needs a staff user: the caller sends the user's bearer token in the message header
 * {@code Authorization}, which is checked as an HTTP request's is — 401 without a valid token, 403 when its user
 * is not staff — before the node-local operation runs.
 */
final class BusFrontDoor {
  static final String AUTHORIZATION = "Authorization";
  private static final long MANUAL_TIMEOUT_MS = 60_000;

  private final Vertx vertx;
  private final Authenticator auth;
  private final CacheWarmer warmer;

  BusFrontDoor(Vertx vertx, Authenticator auth, CacheWarmer warmer) {
    this.vertx = vertx;
    this.auth = auth;
    this.warmer = warmer;
  }

  /** The consumers, reachable from every member of the cluster. */
  List<MessageConsumer<Object>> bind() {
    return List.of(
        Bus.cluster(vertx, InvalidationApi.MANUAL, (body, headers) -> asStaff(headers, p -> vertx.eventBus()
            .<JsonObject>request(InvalidationApi.APPLY_MANUAL, body,
                new DeliveryOptions().setLocalOnly(true).setSendTimeout(MANUAL_TIMEOUT_MS))
            .map(m -> m.body()))),
        Bus.cluster(vertx, CacheApi.WARM, (body, headers) -> asStaff(headers,
            p -> warmer.warmOrganization(organization(body)))));
  }

  private Future<JsonObject> asStaff(MultiMap headers, Function<Principal, Future<JsonObject>> operation) {
    return auth.authenticate(headers.get(AUTHORIZATION)).compose(p -> p.staff() ? operation.apply(p)
        : Future.failedFuture(ApiError.forbidden("Only staff may invalidate or warm the cache.")));
  }

  static String organization(JsonObject body) {
    return Requests.id(body.getString("organization"), "organization", Resources.ORGANIZATIONS.idType());
  }
}
