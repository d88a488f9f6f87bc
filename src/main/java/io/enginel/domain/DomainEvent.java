package io.enginel.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One committed change. Its JSON shape is public (published on {@link Entity#address()}):
 * <pre>
 * {"entity": "DesignAsset", "op": "update", "id": "…",
 *  "refs": {"organization": ["…"], "series": ["…"], "design": ["…"]},
 *  "source": "repository" | "notify" | "manual", "at": epoch millis}
 * </pre>
 * {@code refs} names every id the invalidation table needs, old and new values alike (a node moved
 * to another parent names both parents). An update also says which columns of the row it {@code changed}
 * (absent: unknown, which is treated as "anything may have changed"), so that list pages that do not
 * depend on those columns keep their entries.
 */
public record DomainEvent(Entity entity, String op, String id, Map<String, List<String>> refs, List<String> changed,
                          String source, long at) {

  public static final String SOURCE_REPOSITORY = "repository";
  public static final String SOURCE_NOTIFY = "notify";
  public static final String SOURCE_MANUAL = "manual";

  public List<String> refs(String name) {
    return refs.getOrDefault(name, List.of());
  }

  public JsonObject toJson() {
    JsonObject r = new JsonObject();
    refs.forEach((k, v) -> r.put(k, new JsonArray(new ArrayList<>(v))));
    JsonObject json = new JsonObject().put("entity", entity.model()).put("op", op).put("id", id).put("refs", r);
    if (!changed.isEmpty()) {
      json.put("changed", new JsonArray(new ArrayList<>(changed)));
    }
    return json.put("source", source).put("at", at);
  }

  public static DomainEvent fromJson(JsonObject json) {
    Entity entity = Entity.byModel(json.getString("entity"));
    if (entity == null) {
      throw new IllegalArgumentException("unknown entity: " + json.getString("entity"));
    }
    Map<String, List<String>> refs = new LinkedHashMap<>();
    JsonObject r = json.getJsonObject("refs", new JsonObject());
    for (String k : r.fieldNames()) {
      List<String> values = new ArrayList<>();
      for (Object o : r.getJsonArray(k)) {
        if (o != null) {
          values.add(o.toString());
        }
      }
      refs.put(k, values);
    }
    List<String> changed = new ArrayList<>();
    for (Object o : json.getJsonArray("changed", new JsonArray())) {
      changed.add(String.valueOf(o));
    }
    return new DomainEvent(entity, json.getString("op", "update"), json.getString("id"), refs, List.copyOf(changed),
        json.getString("source", SOURCE_MANUAL), json.getLong("at", System.currentTimeMillis()));
  }

  /** Collects refs without duplicates, keeping the order they were added in. */
  public static final class Builder {
    private final Entity entity;
    private final String op;
    private final String id;
    private final Map<String, Set<String>> refs = new LinkedHashMap<>();
    private final Set<String> changed = new LinkedHashSet<>();
    private String source = SOURCE_REPOSITORY;

    public Builder(Entity entity, String op, String id) {
      this.entity = entity;
      this.op = op;
      this.id = id;
    }

    public Builder ref(String name, Object value) {
      if (value != null) {
        refs.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(value.toString());
      }
      return this;
    }

    public Builder refs(String name, Iterable<?> values) {
      for (Object v : values) {
        ref(name, v);
      }
      return this;
    }

    /** Columns of the row that an update changed. */
    public Builder changed(Iterable<String> columns) {
      for (String c : columns) {
        changed.add(c);
      }
      return this;
    }

    public Builder source(String source) {
      this.source = source;
      return this;
    }

    public DomainEvent build() {
      Map<String, List<String>> out = new LinkedHashMap<>();
      refs.forEach((k, v) -> out.put(k, List.copyOf(v)));
      return new DomainEvent(entity, op, id, out, List.copyOf(changed), source, System.currentTimeMillis());
    }
  }
}
