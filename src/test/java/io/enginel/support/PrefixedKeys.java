package io.enginel.support;

import io.enginel.config.EnginelConfig;
import io.enginel.config.EnginelConfig.RedisMode;
import io.enginel.config.Tier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.net.ConnectException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The keys a test node's key prefix owns in the Redis it used, in each tier's database (standalone, sentinel) or
 * under each tier's hash tag on every master (cluster): counted, or deleted with {@code SCAN MATCH} and
 * {@code UNLINK} a page at a time. Never a {@code FLUSHDB}: other runs use the same Redis at the same moment, each
 * under its own prefix. Blocking: call from a test thread, never from an event loop.
 */
public final class PrefixedKeys {
  private static final long TIMEOUT_S = 10;
  private static final int PAGE = 1000;

  private PrefixedKeys() {}

  /** Deletes every key under the prefix of {@code config}; answers how many there were. */
  public static long delete(Vertx vertx, EnginelConfig config) {
    return sweep(vertx, config, true).values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@link #delete(Vertx, EnginelConfig)} with a Vert.x of its own, for a test that runs no node in its JVM. */
  public static long delete(EnginelConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      return delete(vertx, config);
    } finally {
      await(vertx.close());
    }
  }

  /**
   * How many keys each tier holds under the prefix of {@code config} (a tier whose database an earlier tier
   * shares counts none: they are that tier's). Fails when a Redis does not answer.
   */
  public static Map<Tier, Long> count(EnginelConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      return sweep(vertx, config, false);
    } finally {
      await(vertx.close());
    }
  }

  private static Map<Tier, Long> sweep(Vertx vertx, EnginelConfig config, boolean unlink) {
    EnginelConfig.Redis redis = config.redis();
    String prefix = config.cache().keyPrefix();
    Map<Tier, Long> found = new EnumMap<>(Tier.class);
    for (Tier tier : Tier.values()) {
      long n = 0;
      if (redis.mode() == RedisMode.CLUSTER) {
        // every key of the tier carries its hash tag, so all of them live on the one master of that slot
        for (String node : redis.nodes()) {
          n += sweep(vertx, options(redis).setConnectionString(node), "{" + prefix + "." + tier.id() + "}*", unlink, true);
        }
      } else if (!sharesDatabaseWithEarlierTier(redis, tier)) {
        n = sweep(vertx, options(redis, tier), prefix + ":*", unlink, false);
      }
      found.put(tier, n);
    }
    return found;
  }

  /** Standalone and sentinel: a tier whose database an earlier tier also uses was swept with it. */
  private static boolean sharesDatabaseWithEarlierTier(EnginelConfig.Redis redis, Tier tier) {
    for (Tier earlier : Tier.values()) {
      if (earlier == tier) {
        return false;
      }
      if (redis.endpointsFor(earlier).equals(redis.endpointsFor(tier))) {
        return true;
      }
    }
    return false;
  }

  private static RedisOptions options(EnginelConfig.Redis redis) {
    return new RedisOptions().setNetClientOptions(new NetClientOptions().setConnectTimeout(redis.connectTimeoutMs()));
  }

  private static RedisOptions options(EnginelConfig.Redis redis, Tier tier) {
    RedisOptions options = options(redis);
    redis.endpointsFor(tier).forEach(options::addConnectionString);
    if (redis.mode() == RedisMode.SENTINEL) {
      options.setType(RedisClientType.SENTINEL).setRole(RedisRole.MASTER).setMasterName(redis.masterName());
    }
    return options;
  }

  /** One database (or one cluster node, whose replicas are skipped): its keys matching {@code pattern}. */
  private static long sweep(Vertx vertx, RedisOptions options, String pattern, boolean unlink, boolean mastersOnly) {
    Redis client = Redis.createClient(vertx, options);
    try {
      RedisConnection conn = await(client.connect());
      try {
        if (mastersOnly && !"master".equals(await(conn.send(Request.cmd(Command.ROLE))).get(0).toString())) {
          return 0;
        }
        long n = 0;
        String cursor = "0";
        do {
          Response page = await(conn.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern)
              .arg("COUNT").arg(PAGE)));
          cursor = page.get(0).toString();
          Response keys = page.get(1);
          if (keys.size() > 0) {
            n += keys.size();
            if (unlink) {
              Request batch = Request.cmd(Command.UNLINK);
              keys.forEach(k -> batch.arg(k.toBuffer()));
              await(conn.send(batch));
            }
          }
        } while (!"0".equals(cursor));
        return n;
      } finally {
        conn.close();
      }
    } catch (RuntimeException e) {
      if (!unlink) {
        throw e;
      }
      if (!refused(e)) { // a Redis the test already stopped holds nothing to delete; any other failure is said
        System.err.printf("the keys under %s in %s were not deleted: %s%n", pattern, options.getEndpoints(), e.getMessage());
      }
      return 0;
    } finally {
      client.close();
    }
  }

  private static boolean refused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
