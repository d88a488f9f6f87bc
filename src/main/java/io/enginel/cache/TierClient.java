package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * One Redis tier: a pooled client (50 connections, a bounded wait queue), behind a circuit breaker whose
 * timeout is the command timeout. When Redis is down or slow the breaker opens after a few failures and
 * every later call fails at once, so callers fall through to Postgres without paying a timeout each;
 * after the reset time one call probes Redis and a success closes the breaker again.
 *
 * <p>Error replies of Redis (a wrong type, a bad script) are the caller's failure, not the server's,
 * and do not count against the breaker.
 */
final class TierClient {
  private static final Logger LOG = LoggerFactory.getLogger(TierClient.class);

  final Tier tier;
  final String endpoint;
  private final Redis redis;
  private final CircuitBreaker breaker;

  TierClient(Vertx vertx, Tier tier, EnginelConfig.Redis config, int poolSize) {
    this.tier = tier;
    this.endpoint = config.uriFor(tier);
    this.redis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(endpoint)
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(config.maxPoolWaiting())
        .setMaxWaitingHandlers(4096)
        .setPoolRecycleTimeout(15_000)
        .setPoolName("enginel-redis-" + tier.id())
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(config.connectTimeoutMs()).setTcpNoDelay(true)
            .setTcpKeepAlive(true)));
    this.breaker = CircuitBreaker.create("redis-" + tier.id(), vertx, new CircuitBreakerOptions()
        .setMaxFailures(config.breakerMaxFailures())
        .setTimeout(config.commandTimeoutMs())
        .setResetTimeout(config.breakerResetMs())
        .setNotificationAddress(null)
        .setFailuresRollingWindow(10_000))
        .openHandler(v -> LOG.warn("redis tier {} unreachable: circuit open, serving from Postgres", tier.id()))
        .halfOpenHandler(v -> LOG.info("redis tier {}: probing", tier.id()))
        .closeHandler(v -> LOG.info("redis tier {} reachable again: circuit closed", tier.id()));
  }

  /** One command through the breaker. */
  Future<Response> send(Request request) {
    return breaker.<Response>execute(() -> redis.send(request).recover(TierClient::errorReplyAsValue))
        .compose(TierClient::errorValueAsFailure);
  }

  /**
   * A read that may be repeated: after a timeout it is tried once more, unless the timeout opened the
   * circuit (then the caller falls through at once).
   */
  Future<Response> read(Request request) {
    return send(request).recover(t -> t instanceof io.vertx.circuitbreaker.TimeoutException && available()
        ? send(request) : Future.failedFuture(t));
  }

  /** Several commands on one connection in one round trip, through the breaker. */
  Future<List<Response>> batch(List<Request> requests) {
    return breaker.<List<Response>>execute(() -> redis.batch(requests));
  }

  /** Runs a script by its SHA-1, loading it when Redis does not know it (after a restart). */
  Future<Response> eval(String script, String sha, List<String> keys, List<Object> args) {
    return send(scriptRequest(Command.EVALSHA, sha, keys, args)).recover(t -> {
      if (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT")) {
        return send(scriptRequest(Command.EVAL, script, keys, args));
      }
      return Future.failedFuture(t);
    });
  }

  private static Request scriptRequest(Command command, String scriptOrSha, List<String> keys, List<Object> args) {
    Request r = Request.cmd(command).arg(scriptOrSha).arg(keys.size());
    keys.forEach(r::arg);
    for (Object a : args) {
      if (a instanceof io.vertx.core.buffer.Buffer b) {
        r.arg(b);
      } else {
        r.arg(String.valueOf(a));
      }
    }
    return r;
  }

  /** False while the breaker is open: callers skip the cache instead of waiting. */
  boolean available() {
    return breaker.state() != CircuitBreakerState.OPEN;
  }

  CircuitBreakerState state() {
    return breaker.state();
  }

  Future<Void> close() {
    breaker.close();
    return redis.close();
  }

  private static Future<Response> errorReplyAsValue(Throwable t) {
    return t instanceof ErrorType e ? Future.succeededFuture(e) : Future.failedFuture(t);
  }

  private static Future<Response> errorValueAsFailure(Response r) {
    return r instanceof ErrorType e ? Future.failedFuture(new RedisReplyException(e.getMessage())) : Future.succeededFuture(r);
  }

  /** An error reply of Redis: the command was wrong, Redis itself is fine. */
  static final class RedisReplyException extends RuntimeException {
    RedisReplyException(String message) {
      super(message, null, false, false);
    }
  }
}
