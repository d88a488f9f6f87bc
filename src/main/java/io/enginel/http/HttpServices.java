package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.cache.PrincipalCache;
import io.enginel.config.EnginelConfig;
import io.enginel.jobs.FileStore;
import io.enginel.repository.RepositoryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/**
 * What the HTTP verticle instances of one process share: the cache API, the principal cache, the login throttle
 * and the request id counter.
 */
public record HttpServices(EnginelConfig config, String nodeId, CacheClient cache, PrincipalCache principals,
                           FileStore files, LoginThrottle throttle, RequestIds requestIds,
                           MeterRegistry registry) {

  public static HttpServices create(Vertx vertx, EnginelConfig config, String nodeId, CacheClient cache,
                                    PrincipalCache principals, FileStore files,
                                    MeterRegistry registry) {
    return new HttpServices(config, nodeId, cache, principals, files,
        new LoginThrottle(new RepositoryClient(vertx, config.pg().replyTimeoutMs()), config.auth().loginAttemptsPerMinute(),
            config.auth().loginAttemptsPerMinutePerAddress()), new RequestIds(nodeId), registry);
  }
}
