package io.enginel.repository;

import io.vertx.core.json.JsonObject;

/** Who makes a write, and from where (recorded in the audit log). */
record Actor(long id, String username, boolean staff, String ip) {
  static Actor fromJson(JsonObject json, String ip) {
    if (json == null || json.getLong("user_id") == null) {
      throw new IllegalArgumentException("a write needs an actor");
    }
    return new Actor(json.getLong("user_id"), json.getString("username"), json.getBoolean("staff", false), ip);
  }
}
