package io.enginel.repository;

import io.enginel.domain.DomainEvent;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What a committed write answers: the new representation (null after a delete) and its domain events
 * (none when nothing changed; more than one when one write changes several entities, as an upload
 * changes its design and queues a job).
 */
record WriteResult(JsonObject row, List<DomainEvent> events) {
  WriteResult(JsonObject row, DomainEvent event) {
    this(row, event == null ? List.of() : List.of(event));
  }
}
