package io.enginel.cache;

import io.enginel.domain.Bus;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The messages Enginel nodes send each other, and only each other: each member listens at its own address
 * ({@code <prefix><node id>}); a node that must make sure no member still holds, in memory, what a write just
 * changed asks every other member there and waits for the answers before the write is answered.
 *
 * <p>Every such message is signed with the cluster's secret ({@code cluster.secret}, HMAC-SHA256 over the target
 * address, the sender, the time and the payload), and so is every answer. A member drops a message whose
 * signature does not verify or that is older than {@link #MAX_AGE_MS}: it neither acts nor answers. A sender
 * counts a member as having confirmed only on an answer signed for its message. So a process that joined the
 * cluster without the secret can neither make a node evict nor fence anything, nor pass for a node that did.
 *
 * <p>Each message carries a random id; a member drops one whose id it has seen in the last {@link #MAX_AGE_MS}, so
 * a signed message captured on the wire cannot be replayed to it.
 *
 * <p>A member without a consumer at the address (a service that is not Enginel) holds nothing to drop — unless it
 * has proven itself an Enginel node before (a signed message or a signed answer of it was seen): then a missing
 * consumer means its registration was lost or removed from the cluster's map, and it is outwaited like any member
 * that does not confirm within {@link #TIMEOUT_MS} — blocked, partitioned, or not holding the secret:
 * {@code whenUnconfirmed} makes sure it no longer uses what it keeps ({@link MemoryLease}).
 */
public final class ClusterFanOut {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterFanOut.class);
  public static final long TIMEOUT_MS = 2_000;
  /** A signed message older than this (or this far in the future) is dropped: a replay is worth nothing after it. */
  static final long MAX_AGE_MS = 30_000;
  private static final long MEMBERSHIP_POLL_MS = 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final ClusterManager members;
  private final byte[] secret;
  /** Ids of the messages seen in the last {@link #MAX_AGE_MS}: a replay is dropped. */
  private final Cache<String, Boolean> seen =
      Caffeine.newBuilder()
          .expireAfterWrite(Duration.ofMillis(2 * MAX_AGE_MS)).maximumSize(1_000_000).build();
  /** Node ids that signed a message or an answer: Enginel nodes, whatever the cluster's maps say later. */
  private final Set<String> proven = ConcurrentHashMap.newKeySet();

  /**
   * @param members the cluster's membership; null for a process that is not clustered (then nothing is sent)
   * @param secret  {@code cluster.secret}, shared by the Enginel nodes
   */
  public ClusterFanOut(Vertx vertx, ClusterManager members, String secret) {
    this.vertx = vertx;
    this.members = members;
    this.secret = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether this process is a member of a cluster. */
  public boolean clustered() {
    return members != null;
  }

  /** This member's node id, or null when the process is not clustered. */
  public String nodeId() {
    return members == null ? null : members.getNodeId();
  }

  /**
   * Listens at {@code addressPrefix + <this node's id>} for signed messages of the other Enginel nodes: each one
   * whose signature verifies is handed to {@code handler}, then confirmed with a signed answer; anything else is
   * dropped unanswered. Null when this process is not clustered.
   */
  public MessageConsumer<Object> listen(String addressPrefix, Consumer<JsonObject> handler) {
    if (members == null) {
      return null;
    }
    String address = addressPrefix + members.getNodeId();
    return Bus.cluster(vertx, address, (body, headers) -> {
      JsonObject payload = opened(address, body);
      if (payload == null) {
        LOG.warn("dropped a message to {} that is not signed with this cluster's secret, too old, or replayed", address);
        return null;
      }
      proven.add(body.getString("from"));
      handler.accept(payload);
      return Future.succeededFuture(new JsonObject().put("node", members.getNodeId())
          .put("ack", sign("ack", body.getString("sig"), members.getNodeId())));
    });
  }

  /**
   * Sends {@code payload} to every other member; completes when each has confirmed, has left the cluster (a
   * member killed without a goodbye stops being waited for as soon as the cluster manager drops it), keeps no
   * consumer at the address, or has not confirmed within {@link #TIMEOUT_MS}; when a member still in the cluster
   * did not confirm, {@code whenUnconfirmed} runs before this completes. Never fails.
   */
  public Future<Void> askOthers(String addressPrefix, JsonObject payload, String what,
                                Supplier<Future<Void>> whenUnconfirmed) {
    if (members == null) {
      return Future.succeededFuture();
    }
    List<Future<Boolean>> answers = new ArrayList<>();
    for (String node : members.getNodes()) {
      if (!node.equals(members.getNodeId())) {
        answers.add(ask(addressPrefix + node, node, payload, what));
      }
    }
    return Future.join(answers).map(all -> answers.stream().allMatch(Future::result)).otherwise(false)
        .compose(allConfirmed -> allConfirmed ? Future.succeededFuture() : whenUnconfirmed.get());
  }

  /** True when the member confirmed (or holds nothing, or left); false when it must be outwaited. */
  private Future<Boolean> ask(String address, String node, JsonObject payload, String what) {
    JsonObject envelope = sealed(address, members.getNodeId(), payload);
    Promise<Boolean> answered = Promise.promise();
    vertx.eventBus().<Object>request(address, envelope, new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
        .onComplete(ar -> {
          boolean confirmed = ar.succeeded() ? confirms(ar.result().body(), envelope.getString("sig"), node)
              : !members.getNodes().contains(node) || (noHandler(ar.cause()) && !proven.contains(node));
          if (ar.succeeded() && confirmed) {
            proven.add(node);
          }
          if (!confirmed) {
            LOG.warn("cluster member {} did not confirm {}: {}", node, what,
                ar.failed() ? ar.cause().getMessage() : "an answer not signed with this cluster's secret");
          }
          answered.tryComplete(confirmed);
        });
    long poll = vertx.setPeriodic(MEMBERSHIP_POLL_MS, id -> {
      if (!members.getNodes().contains(node)) {
        answered.tryComplete(true);
      }
    });
    return answered.future().onComplete(v -> vertx.cancelTimer(poll));
  }

  /**
   * {@code {"payload": <json text>, "from", "ts", "id", "sig"}}: the signature covers the target address, the
   * sender, the time, the message's random id and the payload.
   */
  JsonObject sealed(String address, String from, JsonObject payload) {
    String text = payload.encode();
    long ts = System.currentTimeMillis();
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    String idText = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    return new JsonObject().put("payload", text).put("from", from).put("ts", ts).put("id", idText)
        .put("sig", sign(address, from, Long.toString(ts), idText, text));
  }

  /** The payload of a message whose signature verifies, which is recent and not seen before; null otherwise. */
  JsonObject opened(String address, JsonObject envelope) {
    if (!(envelope.getValue("payload") instanceof String text) || !(envelope.getValue("sig") instanceof String sig)
        || !(envelope.getValue("ts") instanceof Number ts) || !(envelope.getValue("from") instanceof String from)
        || !(envelope.getValue("id") instanceof String id)) {
      return null;
    }
    if (Math.abs(System.currentTimeMillis() - ts.longValue()) > MAX_AGE_MS
        || !equal(sig, sign(address, from, Long.toString(ts.longValue()), id, text))
        || seen.asMap().putIfAbsent(id, Boolean.TRUE) != null) {
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private boolean confirms(Object reply, String sig, String node) {
    return reply instanceof JsonObject r && node.equals(r.getString("node"))
        && r.getValue("ack") instanceof String ack && equal(ack, sign("ack", sig, node));
  }

  private String sign(String... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.length == 0 ? new byte[1] : secret, "HmacSHA256"));
      for (String part : parts) {
        mac.update(part.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) '\n');
      }
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Makes this node known to every member as an Enginel node, and learns which members are (a signed empty
   * message to each, signed answers back). Sent once the node listens, before it serves; never fails.
   */
  public Future<Void> announce(String addressPrefix, JsonObject harmless) {
    return askOthers(addressPrefix, harmless, "this node's announcement", Future::succeededFuture);
  }

  /**
   * {@code {"enabled": false}} outside a cluster; else the members, this node's id and how many members proved
   * themselves Enginel nodes.
   */
  public JsonObject status() {
    if (members == null) {
      return new JsonObject().put("enabled", false);
    }
    return new JsonObject().put("enabled", true).put("members", members.getNodes().size())
        .put("node", members.getNodeId()).put("enginel_nodes_proven", proven.size());
  }

  /** The member keeps nothing of the kind (no consumer at its address): nothing to wait for. */
  private static boolean noHandler(Throwable t) {
    return t instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
