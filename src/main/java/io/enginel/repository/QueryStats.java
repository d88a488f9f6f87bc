package io.enginel.repository;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts database statements by operation ({@code list:designs}, {@code get:designs}, {@code update:designs},
 * …) in this process: exported as {@code enginel_db_queries_total{operation=…}} and readable on the event
 * bus (tests use it to show that 64 concurrent misses made one query).
 */
public final class QueryStats {
  private final MeterRegistry registry;
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public QueryStats(MeterRegistry registry) {
    this.registry = registry;
  }

  void count(String operation) {
    counts.computeIfAbsent(operation, k -> new LongAdder()).increment();
    counters.computeIfAbsent(operation, k -> Counter.builder("enginel_db_queries")
        .description("Database operations by kind").tag("operation", k).register(registry)).increment();
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject();
    counts.forEach((k, v) -> json.put(k, v.sum()));
    return json;
  }
}
