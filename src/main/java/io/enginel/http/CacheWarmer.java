package io.enginel.http;

import io.enginel.cache.CacheClient;
import io.enginel.config.EnginelConfig;
import io.enginel.domain.ApiError;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Principal;
import io.enginel.domain.Resources;
import io.enginel.domain.Role;
import io.enginel.repository.RepositoryClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seed's {@code warm_cache_for_organization}: pre-caches an organization's detail, its storage usage
 * and the details of its 20 most recent designs, through the same reads (keys, tags, owners, tickets) as
 * the API, so that any member's next request for them is a HIT. Visibility is still checked on every
 * request. The reads run one after another, so warming never floods the database.
 */
final class CacheWarmer {
  static final int RECENT_DESIGNS = 20;

  private final EnginelConfig config;
  private final RepositoryClient repository;
  private final ResourceHandlers reads;
  private final CacheClient cache;

  CacheWarmer(EnginelConfig config, RepositoryClient repository, ResourceHandlers reads, CacheClient cache) {
    this.config = config;
    this.repository = repository;
    this.reads = reads;
    this.cache = cache;
  }

  Future<JsonObject> warmOrganization(String org) {
    Principal member = Principal.of(0, "cache-warmer", false, Map.of(org, Role.VIEWER));
    ListQuery recent = ListQuery.parse(Resources.DESIGNS, Map.of(ListQuery.ORDERING, "-created_at",
        ListQuery.PAGE_SIZE, Integer.toString(RECENT_DESIGNS)), Map.of("organization", org), null,
        config.http().defaultPageSize(), config.http().maxPageSize());
    JsonObject report = new JsonObject().put("organization", org);
    return repository.get(Resources.ORGANIZATIONS, org)
        .compose(found -> cache.warm(reads.detailRead(Resources.ORGANIZATIONS, org)))
        .compose(detail -> {
          report.put("detail", detail);
          return cache.warm(reads.storageRead(org));
        })
        .compose(storage -> {
          report.put("storage", storage);
          return repository.list(recent, member, null, null);
        })
        .compose(page -> {
          JsonArray rows = page.getJsonArray("rows");
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(((JsonObject) r).getString("id")));
          return warmDesigns(ids, 0, new JsonObject());
        })
        .map(designs -> report.put("designs", designs))
        .recover(t -> Future.failedFuture(ApiError.from(t)));
  }

  private Future<JsonObject> warmDesigns(List<String> ids, int i, JsonObject results) {
    if (i >= ids.size()) {
      return Future.succeededFuture(results);
    }
    return cache.warm(reads.detailRead(Resources.DESIGNS, ids.get(i)))
        .compose(outcome -> warmDesigns(ids, i + 1, results.put(ids.get(i), outcome)));
  }
}
