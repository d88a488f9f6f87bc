package io.enginel.repository;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/** Whose eyes a read is made for: the user's organizations and the user. */
record Scope(UUID[] orgs, long user, boolean staff) {

  static Scope fromJson(JsonObject json) {
    if (json == null) {
      return new Scope(new UUID[0], -1, false);
    }
    JsonArray a = json.getJsonArray("orgs", new JsonArray());
    UUID[] orgs = new UUID[a.size()];
    for (int i = 0; i < orgs.length; i++) {
      orgs[i] = UUID.fromString(a.getString(i));
    }
    return new Scope(orgs, json.getLong("user", -1L), json.getBoolean("staff", false));
  }
}
