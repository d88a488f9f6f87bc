package io.enginel.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads the configuration: the defaults of {@code conf/enginel.json} (packaged in the jar), then an
 * optional file named by {@code ENGINEL_CONFIG}, then environment variables.
 *
 * <p>Environment rule: every leaf of the defaults has exactly one variable, {@code ENGINEL_} followed by
 * its path in upper snake case ({@code http.port} is {@code ENGINEL_HTTP_PORT}, {@code redis.defaultUri}
 * is {@code ENGINEL_REDIS_DEFAULT_URI}, {@code cache.resources.assembly-nodes.ttlSeconds} is
 * {@code ENGINEL_CACHE_RESOURCES_ASSEMBLY_NODES_TTL_SECONDS}). The value is parsed as the type of the
 * default. An {@code ENGINEL_*} variable that names no key, or a value of the wrong type, stops start-up.
 */
public final class ConfigLoader {

  static final String PREFIX = "ENGINEL_";
  /** Variables that are not configuration leaves but are read by the launcher itself. */
  private static final List<String> RESERVED = List.of("ENGINEL_CONFIG");

  private ConfigLoader() {}

  /** Defaults, file and process environment. */
  public static EnginelConfig load() {
    return EnginelConfig.from(loadJson(System.getenv()));
  }

  /** Defaults overlaid with the given environment (tests pass their own). */
  public static JsonObject loadJson(Map<String, String> env) {
    JsonObject json = defaults();
    String file = env.get("ENGINEL_CONFIG");
    if (file != null && !file.isBlank()) {
      merge(json, readFile(Path.of(file)), "");
    }
    applyEnvironment(json, env);
    return json;
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream("enginel.json")) {
      if (in == null) {
        throw new ConfigException("enginel.json (the defaults, from conf/) is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException("cannot read the default configuration: " + e.getMessage());
    }
  }

  private static JsonObject readFile(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new ConfigException("ENGINEL_CONFIG: cannot read " + path + ": " + e.getMessage());
    } catch (io.vertx.core.json.DecodeException e) {
      throw new ConfigException("ENGINEL_CONFIG: " + path + " is not a JSON object: " + e.getMessage());
    }
  }

  /** Merges {@code override} into {@code base}; keys absent from the defaults are refused. */
  static void merge(JsonObject base, JsonObject override, String path) {
    for (Map.Entry<String, Object> e : override) {
      String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      if (!base.containsKey(e.getKey())) {
        throw new ConfigException(key + ": unknown configuration key");
      }
      Object current = base.getValue(e.getKey());
      if (current instanceof JsonObject cur && e.getValue() instanceof JsonObject over) {
        merge(cur, over, key);
      } else {
        base.put(e.getKey(), e.getValue());
      }
    }
  }

  static void applyEnvironment(JsonObject json, Map<String, String> env) {
    Map<String, String[]> leaves = new TreeMap<>();
    collectLeaves(json, new ArrayList<>(), leaves);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(PREFIX) || RESERVED.contains(name)) {
        continue;
      }
      String[] path = leaves.get(name);
      if (path == null) {
        throw new ConfigException(name + ": no configuration key has this name (see conf/enginel.json)");
      }
      JsonObject parent = json;
      for (int i = 0; i < path.length - 1; i++) {
        parent = parent.getJsonObject(path[i]);
      }
      String leaf = path[path.length - 1];
      parent.put(leaf, parse(name, parent.getValue(leaf), e.getValue()));
    }
  }

  private static void collectLeaves(JsonObject json, List<String> path, Map<String, String[]> out) {
    for (Map.Entry<String, Object> e : json) {
      List<String> child = new ArrayList<>(path);
      child.add(e.getKey());
      if (e.getValue() instanceof JsonObject obj) {
        collectLeaves(obj, child, out);
      } else {
        out.put(envName(child), child.toArray(String[]::new));
      }
    }
  }

  /** {@code [redis, defaultUri]} becomes {@code ENGINEL_REDIS_DEFAULT_URI}. */
  public static String envName(List<String> path) {
    StringBuilder sb = new StringBuilder(PREFIX);
    for (int i = 0; i < path.size(); i++) {
      if (i > 0) {
        sb.append('_');
      }
      String part = path.get(i);
      for (int j = 0; j < part.length(); j++) {
        char c = part.charAt(j);
        if (Character.isUpperCase(c) && j > 0) {
          sb.append('_');
        }
        sb.append(c == '-' ? '_' : Character.toUpperCase(c));
      }
    }
    return sb.toString().toUpperCase(Locale.ROOT);
  }

  private static Object parse(String name, Object current, String raw) {
    String value = raw.trim();
    try {
      if (current instanceof Boolean) {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException();
        }
        return Boolean.parseBoolean(value);
      } else if (current instanceof Integer || current instanceof Long) {
        long v = Long.parseLong(value);
        return current instanceof Integer ? Math.toIntExact(v) : v;
      } else if (current instanceof Number) {
        return Double.parseDouble(value);
      } else if (current instanceof JsonArray) {
        return new JsonArray(value);
      } else {
        return raw;
      }
    } catch (RuntimeException e) {
      String type = current == null ? "string" : current.getClass().getSimpleName().toLowerCase(Locale.ROOT);
      throw new ConfigException(name + ": '" + raw + "' is not a valid " + type);
    }
  }
}
