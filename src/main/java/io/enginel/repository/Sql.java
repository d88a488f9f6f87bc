package io.enginel.repository;

import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** A statement with positional parameters ($1, $2 …), built up piece by piece. Values are never inlined. */
final class Sql {
  private final StringBuilder text = new StringBuilder();
  private final List<Object> params = new ArrayList<>();

  Sql append(String sql) {
    text.append(sql);
    return this;
  }

  /** Appends {@code $n} for a new parameter. */
  Sql param(Object value) {
    text.append(placeholder(value));
    return this;
  }

  /** A new parameter, its {@code $n} returned to be written where it belongs (it may be written more than once). */
  String placeholder(Object value) {
    params.add(value);
    return "$" + params.size();
  }

  /**
   * Appends SQL in which every {@code ?} is a new parameter taken in order from {@code values}, and
   * {@code :orgs} / {@code :me} / {@code :staff} are the scope parameters.
   */
  Sql template(String sql, Scope scope, Object... values) {
    int v = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '?') {
        param(values[v++]);
      } else if (c == ':' && sql.startsWith(":orgs", i)) {
        param(scope.orgs());
        i += 4;
      } else if (c == ':' && sql.startsWith(":me", i) && (i + 3 == sql.length() || !Character.isLetter(sql.charAt(i + 3)))) {
        param(scope.user());
        i += 2;
      } else if (c == ':' && sql.startsWith(":staff", i)) {
        param(scope.staff());
        i += 5;
      } else {
        text.append(c);
      }
    }
    return this;
  }

  /** The text written so far, which is then cleared; the parameters stay (for a statement built in pieces). */
  String takeText() {
    String taken = text.toString();
    text.setLength(0);
    return taken;
  }

  String text() {
    return text.toString();
  }

  Tuple tuple() {
    return Tuple.from(params);
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
