package io.enginel.domain;

import java.util.List;

/**
 * A query parameter that narrows a list.
 *
 * @param param   the query parameter name
 * @param type    how its value is parsed (a bad value is a 400 naming the parameter)
 * @param sql     a predicate with one {@code ?} for the value
 * @param choices accepted values of an enumeration, or null
 */
public record Filter(String param, FieldType type, String sql, List<String> choices) {

  public static Filter eq(String param, FieldType type, String column) {
    return new Filter(param, type, column + " = ?", null);
  }

  public static Filter choice(String param, String column, List<String> choices) {
    return new Filter(param, FieldType.STRING, column + " = ?", List.copyOf(choices));
  }

  public static Filter predicate(String param, FieldType type, String sql) {
    return new Filter(param, type, sql, null);
  }
}
