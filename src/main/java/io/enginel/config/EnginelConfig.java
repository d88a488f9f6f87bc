package io.enginel.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The whole configuration, typed and validated once at start-up. Every invalid value stops start-up
 * with a {@link ConfigException} naming its key.
 */
public record EnginelConfig(
    Runtime vertx, Cluster cluster, Http http, Pg pg, Redis redis, Cache cache, Auth auth, Storage storage, Jobs jobs, Embedded embedded,
    JsonObject source) {

  /**
   * Event-loop threads (0: one per core), worker threads, whether Vert.x reports its own pool, event-bus and JVM metrics
   * (Enginel's own metrics are always on), and whether it also reports every HTTP request (off by default: measured at
   * about a tenth of a cached hit's allocation, docs/performance.md).
   */
  public record Runtime(int eventLoops, int workerPoolSize, boolean metrics, boolean httpServerMetrics) {
    public int effectiveEventLoops() {
      return eventLoops > 0 ? eventLoops : Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * The clustered event bus (Hazelcast): this member's address and port, the cluster's name, the members to join
   * (TCP/IP, no multicast), {@code host:port} each, the secret the Enginel nodes sign their messages to each
   * other with, and TLS on the event bus.
   */
  public record Cluster(boolean enabled, String name, String host, int port, List<String> members, String secret,
                        ClusterTls tls) {
    /** The shortest accepted {@link #secret}: 32 characters (HMAC-SHA256 keys of at least 256 bits when random). */
    public static final int MIN_SECRET_LENGTH = 32;

    @Override
    public String toString() { // never prints the secret or the store passwords
      return "Cluster[enabled=" + enabled + ", name=" + name + ", host=" + host + ", port=" + port + ", members="
          + members + ", tls=" + tls.enabled() + "]";
    }
  }

  /**
   * TLS on the clustered event bus, with client certificates: a member without a key pair the trust store
   * trusts can neither send to a node nor receive from one. PKCS#12 files.
   */
  public record ClusterTls(boolean enabled, String keyStore, String keyStorePassword, String trustStore,
                           String trustStorePassword) {
    @Override
    public String toString() {
      return "ClusterTls[enabled=" + enabled + ", keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
    }
  }

  public record Http(String host, int port, int instances, long bodyLimitBytes, int maxPageSize, int defaultPageSize) {
    /** One HTTP verticle instance per core unless configured. */
    public int effectiveInstances() {
      return instances > 0 ? instances : Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());
    }
  }

  public record Pg(String uri, int maxPoolSize, int maxWaitQueueSize, int connectTimeoutMs, int queryTimeoutMs) {
    public boolean configured() {
      return uri != null && !uri.isBlank();
    }

    /**
     * How long a caller waits for the repository's answer before answering 503: a connection from the pool,
     * one statement, and a margin. Bounds every request even when Postgres hangs without closing anything
     * (its own statement_timeout never fires then).
     */
    public long replyTimeoutMs() {
      return connectTimeoutMs + queryTimeoutMs + 2_000L;
    }
  }

  /**
   * How Enginel reaches Redis. {@code standalone}: one server (or one per tier), the tiers as databases.
   * {@code cluster}: a Redis Cluster reached through {@code nodes} (seed nodes), database 0 only, each tier's
   * keys under a hash tag of its own. {@code sentinel}: the master named {@code masterName}, found through
   * the sentinels in {@code nodes}, the tiers as databases.
   */
  public enum RedisMode {
    STANDALONE, CLUSTER, SENTINEL;

    static RedisMode parse(String v) {
      try {
        return valueOf(v.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("redis.mode: '" + v + "' is not standalone, cluster or sentinel");
      }
    }
  }

  public record Redis(RedisMode mode, String uri, List<String> nodes, String masterName,
                      Map<Tier, String> tierUris, Map<Tier, Integer> tierDbs, int maxPoolSize,
                      int maxPoolWaiting, int connectTimeoutMs, int commandTimeoutMs, int breakerMaxFailures,
                      long breakerResetMs) {
    /** True when any Redis address is configured; otherwise the server starts its own. */
    public boolean configured() {
      return (uri != null && !uri.isBlank()) || !nodes.isEmpty()
          || tierUris.values().stream().anyMatch(u -> u != null && !u.isBlank());
    }

    /**
     * The connection strings of a tier: standalone, its URI; cluster, the seed nodes (database 0); sentinel,
     * each sentinel with the tier's database (which the master connection selects).
     */
    public List<String> endpointsFor(Tier tier) {
      return switch (mode) {
        case STANDALONE -> List.of(uriFor(tier));
        case CLUSTER -> nodes;
        case SENTINEL -> nodes.stream().map(n -> n + "/" + tierDbs.get(tier)).toList();
      };
    }

    /** The tier's own URI if set, else {@code uri} with the tier's database number. */
    public String uriFor(Tier tier) {
      String own = tierUris.get(tier);
      if (own != null && !own.isBlank()) {
        return own;
      }
      String base = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
      URI parsed = URI.create(base);
      if (parsed.getPath() != null && !parsed.getPath().isEmpty()) {
        base = base.substring(0, base.length() - parsed.getPath().length());
      }
      return base + "/" + tierDbs.get(tier);
    }
  }

  public record ResourceCache(int ttlSeconds, boolean list, boolean retrieve) {}

  public record Cache(boolean enabled, String keyPrefix, int compressThresholdBytes, int compressionLevel,
                      int maxValueBytes, long maxFillAgeMs, int pendingInvalidationsLimit, long computeLeaseMs,
                      List<String> warmOrganizations, long warmDelayMs,
                      Map<Tier, Integer> tierTtlSeconds, Map<String, ResourceCache> resources, Near near,
                      long tagMemoBytes, ReadPath readPath, Consistency consistency,
                      boolean storeRebuiltOnFirstAsk, long inflateMemoBytes) {
    public ResourceCache resource(String name) {
      ResourceCache rc = resources.get(name);
      if (rc == null) {
        throw new IllegalArgumentException("no cache configuration for resource " + name);
      }
      return rc;
    }
  }

  /**
   * The near cache: copies of hot response entries in each process's memory, bounded by bytes and age, dropped
   * on every cluster member before a write is answered. All processes sharing the Redis must be members of one
   * Vert.x cluster (or switch it off).
   */
  public record Near(boolean enabled, long maxBytes, int maxAgeSeconds) {}

  /**
   * How a read reaches the cache verticle: {@code direct}, a call into the instance of the caller's event loop
   * behind {@code CacheClient}, or {@code bus}, a node-local event-bus request with a zero-copy codec. Measured
   * against each other in docs/performance.md; {@code direct} is the default for the reason given there.
   */
  public enum ReadPath {
    DIRECT, BUS;

    static ReadPath parse(String v) {
      try {
        return valueOf(v.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("cache.readPath: '" + v + "' is not direct or bus");
      }
    }
  }

  /**
   * The consistency observer: the share of cached answers derived again from PostgreSQL after they were served
   * (0 switches it off, 1 checks every one), at most {@code maxPerSecond} a second and on average
   * {@code databaseMsPerSecond} of the database's time a second, and how long it waits for invalidations in flight
   * before it calls a difference a violation.
   */
  public record Consistency(double sampleRate, int maxPerSecond, long databaseMsPerSecond, long graceMs) {}

  public record Auth(int sessionTtlSeconds, int bcryptCost, int principalCacheSeconds, int loginAttemptsPerMinute,
                     int loginAttemptsPerMinutePerAddress) {}

  /** Uploaded design files: content-addressed under {@code dir}; larger uploads answer 413. */
  public record Storage(String dir, long maxUploadBytes) {}

  /** The analysis job workers: how many run at once, how often they look for work, when a job is orphaned. */
  public record Jobs(int workers, long pollMs, int staleAfterSeconds, double defaultDensity) {}

  public record Embedded(String dataDir, int pgPort, int redisPort) {}

  public static EnginelConfig from(JsonObject json) {
    Reader r = new Reader(json);
    return new EnginelConfig(runtime(r), cluster(r), http(r), pg(r), redis(r), cache(r, json), auth(r), storage(r),
        jobs(r), new Embedded(r.string("embedded.dataDir"), r.port("embedded.pgPort", false),
        r.port("embedded.redisPort", false)), json);
  }

  private static Runtime runtime(Reader r) {
    return new Runtime(r.intMin("vertx.eventLoops", 0), r.intMin("vertx.workerPoolSize", 1), r.bool("vertx.metrics"),
        r.bool("vertx.httpServerMetrics"));
  }

  private static Cluster cluster(Reader r) {
    List<String> members = new ArrayList<>();
    for (String m : r.string("cluster.members").split(",")) {
      String member = m.trim();
      if (member.isEmpty()) {
        continue;
      }
      if (!member.matches("[A-Za-z0-9_.-]+(:\\d{1,5})?")) {
        throw new ConfigException("cluster.members: '" + member + "' is not host or host:port");
      }
      members.add(member);
    }
    ClusterTls tls = new ClusterTls(r.bool("cluster.tls.enabled"), r.string("cluster.tls.keyStore"),
        r.string("cluster.tls.keyStorePassword"), r.string("cluster.tls.trustStore"),
        r.string("cluster.tls.trustStorePassword"));
    Cluster cluster = new Cluster(r.bool("cluster.enabled"), r.string("cluster.name"), r.string("cluster.host"),
        r.port("cluster.port", false), List.copyOf(members), r.string("cluster.secret"), tls);
    if (!cluster.enabled()) {
      return cluster;
    }
    if (cluster.name().isBlank() || cluster.host().isBlank()) {
      throw new ConfigException("cluster: a clustered node needs cluster.name and cluster.host");
    }
    if (cluster.secret().length() < Cluster.MIN_SECRET_LENGTH) {
      throw new ConfigException("cluster.secret: a clustered node needs a secret shared by the Enginel nodes, at least "
          + Cluster.MIN_SECRET_LENGTH + " characters (for example: openssl rand -base64 48); it signs the messages "
          + "nodes send each other");
    }
    if (tls.enabled() && (tls.keyStore().isBlank() || tls.trustStore().isBlank())) {
      throw new ConfigException("cluster.tls: TLS on the event bus needs cluster.tls.keyStore and cluster.tls.trustStore "
          + "(PKCS#12 files)");
    }
    return cluster;
  }

  private static Http http(Reader r) {
    Http http = new Http(
        r.string("http.host"), r.port("http.port", true), r.intMin("http.instances", 0),
        r.longMin("http.bodyLimitBytes", 1024), r.intMin("http.maxPageSize", 1), r.intMin("http.defaultPageSize", 1));
    if (http.defaultPageSize() > http.maxPageSize()) {
      throw new ConfigException("http.defaultPageSize: must not exceed http.maxPageSize (" + http.maxPageSize() + ")");
    }
    return http;
  }

  private static Pg pg(Reader r) {
    return new Pg(r.uri("pg.uri", "postgresql", "postgres"), r.intMin("pg.maxPoolSize", 1),
        r.intMin("pg.maxWaitQueueSize", 0), r.intMin("pg.connectTimeoutMs", 1), r.intMin("pg.queryTimeoutMs", 1));
  }

  private static Redis redis(Reader r) {
    Map<Tier, String> tierUris = new EnumMap<>(Tier.class);
    Map<Tier, Integer> tierDbs = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      tierUris.put(t, r.uri("redis." + t.id() + "Uri", "redis", "rediss"));
      int db = r.intMin("redis." + t.id() + "Db", 0);
      if (db > 15) {
        throw new ConfigException("redis." + t.id() + "Db: " + db + " is not a database number (0..15)");
      }
      tierDbs.put(t, db);
    }
    List<String> nodes = new ArrayList<>();
    for (String n : r.string("redis.nodes").split(",")) {
      String node = n.trim();
      if (!node.isEmpty()) {
        nodes.add(redisNode(node));
      }
    }
    RedisMode mode = RedisMode.parse(r.string("redis.mode"));
    if (mode != RedisMode.STANDALONE && nodes.isEmpty()) {
      throw new ConfigException("redis.nodes: redis.mode " + mode.name().toLowerCase(Locale.ROOT)
          + " needs the addresses of its " + (mode == RedisMode.CLUSTER ? "cluster nodes" : "sentinels"));
    }
    if (mode == RedisMode.SENTINEL && r.string("redis.masterName").isBlank()) {
      throw new ConfigException("redis.masterName: redis.mode sentinel needs the name of the master");
    }
    return new Redis(mode, r.uri("redis.uri", "redis", "rediss"), List.copyOf(nodes),
        r.string("redis.masterName"), tierUris, tierDbs,
        r.intMin("redis.maxPoolSize", 1), r.intMin("redis.maxPoolWaiting", 1), r.intMin("redis.connectTimeoutMs", 1),
        r.intMin("redis.commandTimeoutMs", 1), r.intMin("redis.breakerMaxFailures", 1),
        r.longMin("redis.breakerResetMs", 10));
  }

  /** One entry of {@code redis.nodes}, as {@code redis[s]://[user:pass@]host:port}. */
  private static String redisNode(String node) {
    URI u;
    try {
      u = URI.create(node.contains("://") ? node : "redis://" + node);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("redis.nodes: '" + node + "' is not host:port or redis://host:port");
    }
    if (u.getHost() == null || u.getPort() < 1 || !("redis".equals(u.getScheme()) || "rediss".equals(u.getScheme()))
        || (u.getPath() != null && !u.getPath().isEmpty() && !"/".equals(u.getPath()))) {
      throw new ConfigException("redis.nodes: '" + node + "' is not host:port or redis://host:port (no database)");
    }
    return u.getScheme() + "://" + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@") + u.getHost()
        + ":" + u.getPort();
  }

  private static Cache cache(Reader r, JsonObject json) {
    Map<Tier, Integer> ttls = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      ttls.put(t, r.intMin("cache.ttlSeconds." + t.id(), 1));
    }
    Map<String, ResourceCache> resources = new LinkedHashMap<>();
    JsonObject res = json.getJsonObject("cache").getJsonObject("resources");
    for (String name : res.fieldNames()) {
      String p = "cache.resources." + name;
      resources.put(name, new ResourceCache(r.intMin(p + ".ttlSeconds", 1), r.bool(p + ".list"), r.bool(p + ".retrieve")));
    }
    String prefix = r.string("cache.keyPrefix");
    if (!prefix.matches("[A-Za-z0-9_.-]{1,40}")) {
      throw new ConfigException("cache.keyPrefix: '" + prefix + "' must be 1 to 40 letters, digits, '_', '.' or '-'");
    }
    int level = r.intMin("cache.compressionLevel", 1);
    if (level > 9) {
      throw new ConfigException("cache.compressionLevel: " + level + " is not a zlib level (1..9)");
    }
    return new Cache(r.bool("cache.enabled"), prefix, r.intMin("cache.compressThresholdBytes", 0), level,
        r.intMin("cache.maxValueBytes", 1024), r.longMin("cache.maxFillAgeMs", 1),
        r.intMin("cache.pendingInvalidationsLimit", 1), r.longMin("cache.computeLeaseMs", 100),
        warmOrganizations(r), r.longMin("cache.warmDelayMs", 0), ttls, resources,
        new Near(r.bool("cache.near.enabled"), r.longMin("cache.near.maxBytes", 1024),
            r.intMin("cache.near.maxAgeSeconds", 1)),
        r.longMin("cache.tagMemoBytes", 0), ReadPath.parse(r.string("cache.readPath")), consistency(r),
        r.bool("cache.storeRebuiltOnFirstAsk"), r.longMin("cache.inflateMemoBytes", 0));
  }

  private static Consistency consistency(Reader r) {
    Object rate = r.raw("cache.consistency.sampleRate");
    if (!(rate instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 1) {
      throw new ConfigException("cache.consistency.sampleRate: expected a number from 0 to 1, found " + rate);
    }
    return new Consistency(n.doubleValue(), r.intMin("cache.consistency.maxPerSecond", 1),
        r.longBetween("cache.consistency.databaseMsPerSecond", 1, 4000), r.longMin("cache.consistency.graceMs", 0));
  }

  private static List<String> warmOrganizations(Reader r) {
    List<String> warm = new ArrayList<>();
    if (!(r.raw("cache.warmOrganizations") instanceof JsonArray warmArray)) {
      throw new ConfigException("cache.warmOrganizations: expected an array of organization ids");
    }
    for (Object o : warmArray) {
      try {
        warm.add(UUID.fromString(String.valueOf(o)).toString());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("cache.warmOrganizations: '" + o + "' is not an organization id (UUID)");
      }
    }
    return List.copyOf(warm);
  }

  private static Auth auth(Reader r) {
    int cost = r.intMin("auth.bcryptCost", 4);
    if (cost > 31) {
      throw new ConfigException("auth.bcryptCost: " + cost + " is over bcrypt's maximum of 31");
    }
    return new Auth(r.intMin("auth.sessionTtlSeconds", 1), cost, r.intMin("auth.principalCacheSeconds", 0),
        r.intMin("auth.loginAttemptsPerMinute", 1), r.intMin("auth.loginAttemptsPerMinutePerAddress", 1));
  }

  private static Storage storage(Reader r) {
    Storage storage = new Storage(r.string("storage.dir"), r.longMin("storage.maxUploadBytes", 1));
    if (storage.dir().isBlank()) {
      throw new ConfigException("storage.dir: must name a folder");
    }
    return storage;
  }

  private static Jobs jobs(Reader r) {
    Object density = r.raw("jobs.defaultDensity");
    if (!(density instanceof Number d) || d.doubleValue() <= 0) {
      throw new ConfigException("jobs.defaultDensity: expected a positive number, found " + density);
    }
    return new Jobs(r.intMin("jobs.workers", 0), r.longMin("jobs.pollMs", 10), r.intMin("jobs.staleAfterSeconds", 5),
        ((Number) density).doubleValue());
  }

  /** A copy with one key replaced, validated again (used to plug in embedded services and by tests). */
  public EnginelConfig with(String dottedKey, Object value) {
    JsonObject copy = source.copy();
    String[] parts = dottedKey.split("\\.");
    JsonObject parent = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      parent = parent.getJsonObject(parts[i]);
      if (parent == null) {
        throw new ConfigException(dottedKey + ": unknown configuration key");
      }
    }
    if (!parent.containsKey(parts[parts.length - 1])) {
      throw new ConfigException(dottedKey + ": unknown configuration key");
    }
    parent.put(parts[parts.length - 1], value);
    return from(copy);
  }

  /** Reads dotted keys with type checks; every failure names the key. */
  private record Reader(JsonObject json) {
    Object raw(String key) {
      String[] parts = key.split("\\.");
      Object node = json;
      for (String part : parts) {
        if (!(node instanceof JsonObject obj) || !obj.containsKey(part)) {
          throw new ConfigException(key + ": missing");
        }
        node = obj.getValue(part);
      }
      return node;
    }

    String string(String key) {
      Object v = raw(key);
      if (v == null) {
        return "";
      }
      if (!(v instanceof String s)) {
        throw new ConfigException(key + ": expected a string, found " + v);
      }
      return s;
    }

    boolean bool(String key) {
      Object v = raw(key);
      if (!(v instanceof Boolean b)) {
        throw new ConfigException(key + ": expected true or false, found " + v);
      }
      return b;
    }

    long longMin(String key, long min) {
      Object v = raw(key);
      if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new ConfigException(key + ": expected a whole number, found " + v);
      }
      if (n.longValue() < min) {
        throw new ConfigException(key + ": " + n + " is below the minimum of " + min);
      }
      return n.longValue();
    }

    long longBetween(String key, long min, long max) {
      long v = longMin(key, min);
      if (v > max) {
        throw new ConfigException(key + ": " + v + " is above the maximum of " + max);
      }
      return v;
    }

    int intMin(String key, int min) {
      long v = longMin(key, min);
      if (v > Integer.MAX_VALUE) {
        throw new ConfigException(key + ": " + v + " is too large");
      }
      return (int) v;
    }

    int port(String key, boolean zeroAllowed) {
      int p = intMin(key, zeroAllowed ? 0 : 1);
      if (p > 65535) {
        throw new ConfigException(key + ": " + p + " is not a TCP port");
      }
      return p;
    }

    String uri(String key, String... schemes) {
      String v = string(key);
      if (v.isBlank()) {
        return "";
      }
      try {
        URI u = URI.create(v);
        for (String s : schemes) {
          if (s.equals(u.getScheme()) && u.getHost() != null) {
            return v;
          }
        }
      } catch (IllegalArgumentException e) {
        // reported below
      }
      throw new ConfigException(key + ": '" + v + "' is not a " + String.join(" or ", schemes) + "://host:port URI");
    }
  }
}
