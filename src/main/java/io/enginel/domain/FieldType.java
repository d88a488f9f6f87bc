package io.enginel.domain;

/** The JSON and SQL type of a resource field. */
public enum FieldType {
  UUID, LONG, INT, DOUBLE, STRING, BOOL, JSON_OBJECT, TIMESTAMP, LONG_ARRAY
}
