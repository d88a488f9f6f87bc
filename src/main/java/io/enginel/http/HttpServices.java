package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.cache.PrincipalCache;
import io.enginel.cache.SingleFlight;
import io.enginel.config.EnginelConfig;

/**
 * What the HTTP verticle instances of one process share: the cache API, the principal cache, the single
 * flight of response loads (so that concurrent misses on different event loops still load once), the
 * login throttle and the request id counter.
 */
public record HttpServices(EnginelConfig config, String nodeId, CacheClient cache, PrincipalCache principals,
                           SingleFlight<ResponseCache.Computed> responseFlight, LoginThrottle throttle,
                           RequestIds requestIds) {

  public static HttpServices create(EnginelConfig config, String nodeId, CacheClient cache, PrincipalCache principals) {
    return new HttpServices(config, nodeId, cache, principals, new SingleFlight<>(),
        new LoginThrottle(config.auth().loginAttemptsPerMinute(),
            config.auth().loginAttemptsPerMinutePerAddress()), new RequestIds(nodeId));
  }
}
