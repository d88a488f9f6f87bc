package io.enginel.http;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.enginel.domain.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.charset.StandardCharsets;

/**
 * Password hashing with bcrypt (at.favre.lib:bcrypt), always on a worker thread: a hash takes tens of
 * milliseconds by design and must never block an event loop. bcrypt reads at most 72 bytes, so longer
 * passwords are refused rather than silently cut.
 */
final class Passwords {
  static final int MIN_LENGTH = 8;
  static final int MAX_BYTES = 72;
  /** A real hash to verify against when the user does not exist, so that both cases take as long. */
  private final String decoy;
  private final Vertx vertx;
  private final int cost;

  Passwords(Vertx vertx, int cost) {
    this.vertx = vertx;
    this.cost = cost;
    this.decoy = BCrypt.withDefaults().hashToString(cost, "decoy-password".toCharArray());
  }

  /** Checks a new password and hashes it. */
  Future<String> hash(String password) {
    if (password.length() < MIN_LENGTH) {
      return Future.failedFuture(ApiError.badRequest("password", "'password' must be at least " + MIN_LENGTH + " characters."));
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Future.failedFuture(ApiError.badRequest("password", "'password' must be at most " + MAX_BYTES + " bytes."));
    }
    return vertx.executeBlocking(() -> BCrypt.withDefaults().hashToString(cost, password.toCharArray()), false);
  }

  /** Verifies a password against a hash (or against the decoy when {@code hash} is null). */
  Future<Boolean> verify(String password, String hash) {
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Future.succeededFuture(false);
    }
    String against = hash == null ? decoy : hash;
    return vertx.executeBlocking(() -> BCrypt.verifyer().verify(password.toCharArray(), against).verified && hash != null, false);
  }
}
