package io.enginel.cache;

import io.enginel.config.EnginelConfig;
import io.enginel.config.Tier;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.TimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One Redis tier: a pooled client (50 connections, a bounded wait queue), and in standalone mode one more connection
 * the lookups of the hit path are pipelined on ({@link LookupPipe}), behind a circuit breaker whose timeout is the
 * command timeout. When Redis is down or slow the breaker opens after a few failures and
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
  final EnginelConfig.RedisMode mode;
  /** The tier's invalidation state as stored (read with every lookup: built once). */
  final String stateKey;
  private final Vertx vertx;
  private final EnginelConfig.Redis config;
  private final Redis redis;
  private final CircuitBreaker breaker;
  /** The connection the lookups are pipelined on (standalone mode; null in the others: see the constructor). */
  private final LookupPipe pipe;
  /** Lookups that went on the pipelined connection, and on a pooled one ({@link CacheStats#lookupConnections}). */
  private final LongAdder pipelined;
  private final LongAdder pooled;
  /** Cluster mode: every key of the tier starts with this hash tag, so a script's keys share one slot. */
  private final String hashTag;
  /** Cluster mode: a plain client per master, for what must run on every master (SCAN). */
  private final Map<String, Redis> masters = new HashMap<>();

  TierClient(Vertx vertx, Tier tier, EnginelConfig.Redis config, String keyPrefix, int poolSize, CacheStats stats) {
    this.vertx = vertx;
    this.config = config;
    this.tier = tier;
    this.mode = config.mode();
    List<String> endpoints = config.endpointsFor(tier);
    this.endpoint = mode == EnginelConfig.RedisMode.STANDALONE ? endpoints.get(0)
        : mode.name().toLowerCase(Locale.ROOT) + ":" + String.join(",", endpoints)
            + (mode == EnginelConfig.RedisMode.SENTINEL ? " master " + config.masterName() : "");
    this.hashTag = mode == EnginelConfig.RedisMode.CLUSTER ? "{" + keyPrefix + "." + tier.id() + "}" : "";
    this.stateKey = key(new CacheKeys(keyPrefix).invalidationState());
    RedisOptions options = new RedisOptions()
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(config.maxPoolWaiting())
        .setMaxWaitingHandlers(4 * LOOKUP_PIPE_DEPTH)
        .setPoolRecycleTimeout(15_000)
        .setPoolName("enginel-redis-" + tier.id())
        .setNetClientOptions(netOptions(config));
    endpoints.forEach(options::addConnectionString);
    switch (mode) {
      case CLUSTER -> options.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER);
      case SENTINEL -> options.setType(RedisClientType.SENTINEL).setRole(RedisRole.MASTER)
          .setMasterName(config.masterName()).setAutoFailover(true);
      default -> options.setType(RedisClientType.STANDALONE);
    }
    this.redis = Redis.createClient(vertx, options);
    this.breaker = CircuitBreaker.create("redis-" + tier.id(), vertx, new CircuitBreakerOptions()
        .setMaxFailures(config.breakerMaxFailures())
        .setTimeout(config.commandTimeoutMs())
        .setResetTimeout(config.breakerResetMs())
        .setNotificationAddress(null)
        .setFailuresRollingWindow(10_000))
        .openHandler(v -> LOG.warn("redis tier {} unreachable: circuit open, serving from Postgres", tier.id()))
        .halfOpenHandler(v -> LOG.info("redis tier {}: probing", tier.id()))
        .closeHandler(v -> LOG.info("redis tier {} reachable again: circuit closed", tier.id()));
    // Standalone only: held open in sentinel mode, the connection would keep reading a demoted master after a
    // failover until it is lost; cluster mode was neither measured nor tested with it.
    this.pipe = mode == EnginelConfig.RedisMode.STANDALONE
        ? new LookupPipe(tier.id(), redis::connect, LOOKUP_PIPE_DEPTH) : null;
    LongAdder[] lookups = stats.lookupConnections(tier.id());
    this.pipelined = lookups[0];
    this.pooled = lookups[1];
  }

  /** The most lookups in flight on the pipelined connection: a quarter of the client's waiting handlers (4,096). */
  static final int LOOKUP_PIPE_DEPTH = 1024;

  private static NetClientOptions netOptions(EnginelConfig.Redis config) {
    return new NetClientOptions().setConnectTimeout(config.connectTimeoutMs()).setTcpNoDelay(true).setTcpKeepAlive(true);
  }

  /**
   * The key Redis stores for one of Enginel's keys: the same in standalone and sentinel mode (the tier is a
   * database); in cluster mode prefixed by the tier's hash tag ({@code {enginel.default}enginel:design:…}), so
   * that an entry, the tier's clock and its tags — the keys of one script — live in one slot, and the three
   * tiers spread over the masters.
   */
  String key(String key) {
    return hashTag.isEmpty() ? key : hashTag + key;
  }

  List<String> keys(Collection<String> keys) {
    List<String> out = new ArrayList<>(keys.size());
    keys.forEach(k -> out.add(key(k)));
    return out;
  }

  /**
   * SCAN for {@code pattern} (one of Enginel's key patterns, already validated) and UNLINK what it finds, in
   * batches of {@code count}; in cluster mode on every master, each key unlinked on its own (keys of different
   * slots cannot share a command). Answers how many keys were deleted.
   */
  Future<Long> unlinkMatching(String pattern, int count) {
    String stored = key(pattern);
    if (mode != EnginelConfig.RedisMode.CLUSTER) {
      return scanAndUnlink(this::send, stored, count, "0", 0);
    }
    return send(Request.cmd(Command.CLUSTER).arg("SLOTS")).compose(slots -> {
      List<Future<Long>> perMaster = new ArrayList<>();
      for (String master : masterEndpoints(slots)) {
        Redis node = masters.computeIfAbsent(master, m -> Redis.createClient(vertx, new RedisOptions()
            .setConnectionString(m).setMaxPoolSize(2).setPoolName("enginel-redis-" + tier.id() + "-scan")
            .setNetClientOptions(netOptions(config))));
        perMaster.add(scanAndUnlink(r -> breaker.<Response>execute(() -> node.send(r)), stored, count, "0", 0));
      }
      return Future.all(perMaster).map(all -> {
        long n = 0;
        for (int i = 0; i < all.size(); i++) {
          n += all.<Long>resultAt(i);
        }
        return n;
      });
    });
  }

  private Future<Long> scanAndUnlink(Function<Request, Future<Response>> node, String pattern,
                                     int count, String cursor, long deleted) {
    return node.apply(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(count))
        .compose(r -> {
          String next = r.get(0).toString();
          List<String> found = new ArrayList<>();
          r.get(1).forEach(k -> found.add(k.toString()));
          Future<Long> unlinked = found.isEmpty() ? Future.succeededFuture(0L) : unlinkEach(node, found);
          return unlinked.compose(n -> "0".equals(next) ? Future.succeededFuture(deleted + n)
              : scanAndUnlink(node, pattern, count, next, deleted + n));
        });
  }

  private Future<Long> unlinkEach(Function<Request, Future<Response>> node, List<String> stored) {
    if (mode != EnginelConfig.RedisMode.CLUSTER) {
      Request r = Request.cmd(Command.UNLINK);
      stored.forEach(r::arg);
      return node.apply(r).map(Response::toLong);
    }
    List<Future<Response>> each = new ArrayList<>(stored.size());
    stored.forEach(k -> each.add(node.apply(Request.cmd(Command.UNLINK).arg(k))));
    return Future.all(each).map(all -> {
      long n = 0;
      for (int i = 0; i < all.size(); i++) {
        n += all.<Response>resultAt(i).toLong();
      }
      return n;
    });
  }

  /** {@code redis://[user@]host:port} of every master in a CLUSTER SLOTS reply, with the seed nodes' credentials. */
  private List<String> masterEndpoints(Response slots) {
    String first = config.nodes().get(0);
    String scheme = first.substring(0, first.indexOf("://") + 3);
    int at = first.indexOf('@');
    String userInfo = at < 0 ? "" : first.substring(scheme.length(), at + 1);
    Set<String> out = new LinkedHashSet<>();
    for (Response range : slots) {
      Response master = range.get(2);
      out.add(scheme + userInfo + master.get(0).toString() + ":" + master.get(1).toLong());
    }
    return new ArrayList<>(out);
  }

  /** Whether this tier's Redis takes script flags (7.0 and later): invalidations then run even when it is full. */
  private volatile boolean scriptFlags;

  /**
   * Asks the tier's server for its version (routed by the tier's state key in cluster mode); from Redis 7.0 on,
   * the scripts that only record invalidations are flagged to run even when Redis is out of memory under
   * {@code noeviction}. Answers the version.
   */
  Future<String> learnVersion() {
    return send(Request.cmd(Command.INFO).arg("server")).map(r -> {
      String info = r == null ? "" : r.toString();
      int at = info.indexOf("redis_version:");
      String version = at < 0 ? "" : info.substring(at + 14, info.indexOf('\n', at)).trim();
      int major = version.isEmpty() ? 0 : Integer.parseInt(version.substring(0, version.indexOf('.') < 0 ? version.length()
          : version.indexOf('.')));
      scriptFlags = major >= 7;
      return version;
    });
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
    return send(request).recover(t -> t instanceof TimeoutException && available()
        ? send(request) : Future.failedFuture(t));
  }

  /** Several commands on one connection in one round trip, in order, through the breaker. */
  Future<List<Response>> batch(List<Request> requests) {
    return breaker.<List<Response>>execute(() -> redis.batch(requests));
  }

  /**
   * The lookup of the hit path, a batch of short reads that may be repeated: on the tier's pipelined lookup connection
   * when it is open and not full ({@link LookupPipe}), else on a pooled one, through the breaker; after a timeout it
   * is tried once more, unless the circuit opened.
   */
  Future<List<Response>> lookupBatch(List<Request> requests) {
    return pipelinedBatch(requests).recover(t -> t instanceof TimeoutException && available()
        ? pipelinedBatch(requests) : Future.failedFuture(t));
  }

  private Future<List<Response>> pipelinedBatch(List<Request> requests) {
    RedisConnection c = pipe == null ? null : pipe.take();
    if (c == null) {
      pooled.increment();
      return batch(requests);
    }
    pipelined.increment();
    return breaker.<List<Response>>execute(() -> c.batch(requests)).andThen(ar -> pipe.done(c, ar.cause()));
  }

  /** Runs a script by its SHA-1, loading it when Redis does not know it (after a restart). */
  Future<Response> eval(Scripts.Script script, List<String> keys, List<Object> args) {
    return eval(script.text(), script.sha(), keys, args);
  }

  /**
   * A script that only records invalidations (and deletes): flagged to run even when Redis is full under
   * {@code noeviction}, where the server takes flags — an invalidation must never be refused for want of memory.
   */
  Future<Response> evalEvenWhenFull(Scripts.Script script, List<String> keys, List<Object> args) {
    return scriptFlags ? eval(script.flaggedText(), script.flaggedSha(), keys, args) : eval(script, keys, args);
  }

  private Future<Response> eval(String text, String sha, List<String> keys, List<Object> args) {
    return send(scriptRequest(Command.EVALSHA, sha, keys, args)).recover(t -> {
      if (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT")) {
        return send(scriptRequest(Command.EVAL, text, keys, args));
      }
      return Future.failedFuture(t);
    });
  }

  private static Request scriptRequest(Command command, String scriptOrSha, List<String> keys, List<Object> args) {
    Request r = Request.cmd(command).arg(scriptOrSha).arg(keys.size());
    keys.forEach(r::arg);
    for (Object a : args) {
      if (a instanceof Buffer b) {
        r.arg(b);
      } else {
        r.arg(String.valueOf(a));
      }
    }
    return r;
  }

  /** Whether the pipelined lookup connection is open (never in sentinel and cluster mode). */
  boolean lookupPipeOpen() {
    return pipe != null && pipe.isOpen();
  }

  /** Lookups in flight on the pipelined lookup connection. */
  int lookupPipeInFlight() {
    return pipe == null ? 0 : pipe.inFlight();
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
    List<Future<Void>> closes = new ArrayList<>();
    if (pipe != null) {
      closes.add(pipe.close());
    }
    masters.values().forEach(m -> closes.add(m.close()));
    closes.add(redis.close());
    return Future.join(closes).mapEmpty();
  }

  private static Future<Response> errorReplyAsValue(Throwable t) {
    return t instanceof Response r && r.type() == ResponseType.ERROR ? Future.succeededFuture(r) : Future.failedFuture(t);
  }

  private static Future<Response> errorValueAsFailure(Response r) {
    return r != null && r.type() == ResponseType.ERROR ? Future.failedFuture(new RedisReplyException(r.toString()))
        : Future.succeededFuture(r);
  }

  /** An error reply of Redis: the command was wrong, Redis itself is fine. */
  static final class RedisReplyException extends RuntimeException {
    RedisReplyException(String message) {
      super(message, null, false, false);
    }
  }
}
