package io.enginel.repository;

import io.enginel.domain.Field;
import io.enginel.domain.FieldType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

/** Turns result rows into the JSON representation of a resource, field by field. */
final class RowMapper {
  private RowMapper() {}

  /** Reads {@code fields} from columns {@code 0..fields.size()-1} of the row. */
  static JsonObject toJson(List<Field> fields, Row row) {
    JsonObject json = new JsonObject();
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      json.put(f.name(), value(f.type(), row, i));
    }
    return json;
  }

  static Object value(FieldType type, Row row, int i) {
    if (row.getValue(i) == null) {
      return null;
    }
    return switch (type) {
      case UUID -> row.getUUID(i).toString();
      case LONG -> row.getLong(i);
      case INT -> row.getInteger(i);
      case DOUBLE -> row.getDouble(i);
      case STRING -> row.getString(i);
      case BOOL -> row.getBoolean(i);
      case TIMESTAMP -> timestamp(row.getOffsetDateTime(i));
      case JSON_OBJECT -> {
        Object v = row.getValue(i);
        yield v instanceof JsonObject || v instanceof JsonArray ? v : new JsonObject(v.toString());
      }
      case LONG_ARRAY -> {
        JsonArray a = new JsonArray();
        for (Long l : row.getArrayOfLongs(i)) {
          a.add(l);
        }
        yield a;
      }
    };
  }

  /** ISO-8601 in UTC with a {@code Z}, as Django REST framework writes it. */
  static String timestamp(OffsetDateTime t) {
    return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t.toInstant());
  }

  /** A Java value for a SQL parameter from a validated JSON value. */
  static Object param(FieldType type, Object value) {
    if (value == null) {
      return null;
    }
    return switch (type) {
      case UUID -> value instanceof UUID u ? u : UUID.fromString(value.toString());
      case LONG -> ((Number) value).longValue();
      case INT -> ((Number) value).intValue();
      case DOUBLE -> ((Number) value).doubleValue();
      case BOOL -> (Boolean) value;
      case JSON_OBJECT -> value instanceof JsonObject o ? o : new JsonObject(value.toString());
      case TIMESTAMP -> value instanceof OffsetDateTime t ? t : OffsetDateTime.parse(value.toString());
      default -> value.toString();
    };
  }

  /** The value as it appears in JSON (for audit logs and comparisons). */
  static Object jsonValue(Object value) {
    if (value instanceof UUID || value instanceof OffsetDateTime) {
      return value instanceof OffsetDateTime t ? timestamp(t) : value.toString();
    }
    return value;
  }
}
