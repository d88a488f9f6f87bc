package io.enginel.repository;

import io.enginel.domain.DomainEvent;
import io.vertx.core.json.JsonObject;

/** What a committed write answers: the new representation (null after a delete) and its event (null if nothing changed). */
record WriteResult(JsonObject row, DomainEvent event) {}
