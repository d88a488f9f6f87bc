package io.enginel.domain;

import io.vertx.core.json.JsonObject;

/**
 * The PostgreSQL notification channels of change invalidation, declared once. {@link #CHANGES} carries the row
 * changes the triggers of migration V2 raise, and a bulk load's "everything may have changed"
 * ({@code {"table": "*"}}, with row notifications switched off by {@code SET enginel.bulk = 'on'}). A bulk load
 * that adds a ticket to it is answered on {@link #CONFIRMATIONS} by every listening node, once that node has
 * invalidated everything it caches: {@code {"ticket", "node"}}, the node named by its application name.
 */
public final class ChangeChannels {
  public static final String CHANGES = "enginel_changes";
  public static final String CONFIRMATIONS = "enginel_invalidated";

  private ChangeChannels() {}

  /** The payload of "everything may have changed", answered on {@link #CONFIRMATIONS} with this ticket. */
  public static String everything(String ticket) {
    return new JsonObject().put("table", "*").put("ticket", ticket).encode();
  }

  /** A node's answer to {@link #everything}: it has invalidated everything it caches. */
  public static String confirmation(String ticket, String node) {
    return new JsonObject().put("ticket", ticket).put("node", node).encode();
  }
}
