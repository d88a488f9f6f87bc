package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.cache.ClusterFanOut;
import io.enginel.cache.PrincipalCache;
import io.enginel.cache.SingleFlight;
import io.enginel.config.EnginelConfig;
import io.enginel.jobs.FileStore;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Vertx;

/**
 * What the HTTP verticle instances of one process share: the cache API, the principal cache, the single
 * flight of response loads (so that concurrent misses on different event loops still load once), the
 * login throttle and the request id counter.
 */
public record HttpServices(EnginelConfig config, String nodeId, CacheClient cache, PrincipalCache principals,
                           ClusterFanOut cluster, FileStore files, SingleFlight<ResponseCache.Computed> responseFlight, LoginThrottle throttle,
                           RequestIds requestIds, io.micrometer.core.instrument.MeterRegistry registry) {

  public static HttpServices create(Vertx vertx, EnginelConfig config, String nodeId, CacheClient cache,
                                    PrincipalCache principals,
                                    ClusterFanOut cluster, FileStore files,
                                    io.micrometer.core.instrument.MeterRegistry registry) {
    SingleFlight<ResponseCache.Computed> flight = new SingleFlight<>();
    io.micrometer.core.instrument.FunctionCounter.builder("enginel_cache_single_flight_joins", flight, SingleFlight::joins)
        .description("Requests that joined a load of the same key instead of querying again").register(registry);
    return new HttpServices(config, nodeId, cache, principals, cluster, files, flight,
        new LoginThrottle(new RepositoryClient(vertx, config.pg().replyTimeoutMs()), config.auth().loginAttemptsPerMinute(),
            config.auth().loginAttemptsPerMinutePerAddress()), new RequestIds(nodeId), registry);
  }
}
