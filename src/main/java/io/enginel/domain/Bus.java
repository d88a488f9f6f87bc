package io.enginel.domain;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * How every verticle binds an event-bus address to the piece that answers it, with one rule for everything:
 * the body must be a JSON object (none counts as {@code {}}); what the operation throws as an {@link ApiError}
 * or as a failed future is answered as a reply failure whose code is the HTTP status and whose message is the
 * error JSON; a body of the wrong shape (a missing field, a field of the wrong type) is a 400
 * {@code bad_message} naming the address.
 *
 * <p>{@link #local} binds a node-local consumer: no other cluster member can reach it, whatever it sends.
 * Every internal address is bound that way. {@link #cluster} is for the public interface and for the signed
 * node-to-node messages only (see {@code io.enginel.PublicInterface}).
 */
public final class Bus {
  private Bus() {}

  /** An operation that also reads the message's headers (a token, a signature). */
  @FunctionalInterface
  public interface Operation {
    Future<?> run(JsonObject body, MultiMap headers);
  }

  /** Binds a node-local consumer. */
  public static MessageConsumer<Object> local(Vertx vertx, String address, Function<JsonObject, Future<?>> op) {
    return local(vertx, address, (body, headers) -> op.apply(body), ApiError::from);
  }

  /** Binds a node-local consumer whose failures are mapped by {@code failures} (the repository maps SQL states). */
  public static MessageConsumer<Object> local(Vertx vertx, String address, Operation op,
                                              Function<Throwable, ApiError> failures) {
    return vertx.eventBus().localConsumer(address, msg -> answer(address, msg, op, failures));
  }

  /** Binds a consumer every cluster member can reach: the public interface, and signed node-to-node messages. */
  public static MessageConsumer<Object> cluster(Vertx vertx, String address, Operation op) {
    return cluster(vertx, address, op, ApiError::from);
  }

  /** As {@link #cluster(Vertx, String, Operation)}, failures mapped by {@code failures}. */
  public static MessageConsumer<Object> cluster(Vertx vertx, String address, Operation op,
                                                Function<Throwable, ApiError> failures) {
    return vertx.eventBus().consumer(address, msg -> answer(address, msg, op, failures));
  }

  private static void answer(String address, Message<Object> msg, Operation op, Function<Throwable, ApiError> failures) {
    Future<?> result;
    try {
      Object body = msg.body();
      if (body != null && !(body instanceof JsonObject)) {
        throw new IllegalArgumentException("the body must be a JSON object");
      }
      result = op.run(body == null ? new JsonObject() : (JsonObject) body, msg.headers());
    } catch (ApiError e) {
      result = Future.failedFuture(e);
    } catch (ClassCastException | IllegalArgumentException | NullPointerException | DecodeException e) {
      result = Future.failedFuture(malformed(address, e));
    }
    if (result == null) {
      return; // the operation answers nothing (a message it ignores)
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        fail(msg, failures.apply(ar.cause()));
      }
    });
  }

  /** A reply failure carrying an {@link ApiError}: its status as the code, its JSON as the message. */
  public static void fail(Message<?> msg, ApiError e) {
    msg.fail(e.status(), e.toJson().encode());
  }

  static ApiError malformed(String address, RuntimeException e) {
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new ApiError(400, "bad_message", "Malformed " + address + " message: " + Validation.safe(why) + ".");
  }
}
