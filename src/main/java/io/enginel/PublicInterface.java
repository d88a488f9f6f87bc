package io.enginel;

import io.enginel.cache.CacheApi;
import io.enginel.domain.Entity;
import io.enginel.invalidation.InvalidationApi;

import java.util.List;

/**
 * What another member of Enginel's Vert.x cluster may use, in one place. Everything else on Enginel's event bus
 * answers its own node only: a node-local consumer, which no other member can reach whatever it sends.
 *
 * <ul>
 *   <li>{@link #REQUESTS}: request/reply addresses any member may call;</li>
 *   <li>{@link #EVENTS}: the domain events Enginel publishes, for any member to listen to;</li>
 *   <li>{@link #NODE_TO_NODE}: per-node addresses of the Enginel nodes themselves, whose messages must be signed
 *       with {@code cluster.secret} — anything else sent there is dropped unanswered.</li>
 * </ul>
 */
public final class PublicInterface {

  /** One public address: who may call it and what it can reach. */
  public record Address(String address, String caller, String reaches) {}

  public static final List<Address> REQUESTS = List.of(
      new Address(CacheApi.GET, "any member", "keys under <prefix>:app: only"),
      new Address(CacheApi.SET, "any member", "keys under <prefix>:app: only"),
      new Address(CacheApi.DELETE, "any member", "keys under <prefix>:app: only"),
      new Address(CacheApi.DELETE_PATTERN, "any member", "keys under <prefix>:app: only, a whole segment named"),
      new Address(CacheApi.TTL, "any member", "keys under <prefix>:app: only"),
      new Address(CacheApi.GET_OR_COMPUTE, "any member", "keys under <prefix>:app: only; its loader must be an address "
          + "outside enginel.*"),
      new Address(InvalidationApi.MANUAL, "a member acting for a staff user (header Authorization: Bearer <token>)",
          "Enginel's cached answers, by key, pattern or model, as POST /api/cache/invalidate"),
      new Address(CacheApi.WARM, "a member acting for a staff user (header Authorization: Bearer <token>)",
          "an organization's detail, storage and recent designs, as POST /api/cache/warm/organizations/{id}"));

  /** {@code enginel.events.<Model>}, published after each committed write and its invalidation. */
  public static final String EVENTS = Entity.EVENTS_PREFIX + "<Model>";

  public static final List<Address> NODE_TO_NODE = List.of(
      new Address(CacheApi.NEAR_EVICT + "<node id>", "Enginel nodes (signed with cluster.secret)",
          "that node's near cache"),
      new Address(InvalidationApi.PRINCIPALS + "<node id>", "Enginel nodes (signed with cluster.secret)",
          "that node's in-memory principals"));

  private PublicInterface() {}

  /** Whether another member may send a request to {@code address}. */
  public static boolean isPublicRequest(String address) {
    return REQUESTS.stream().anyMatch(a -> a.address().equals(address));
  }
}
