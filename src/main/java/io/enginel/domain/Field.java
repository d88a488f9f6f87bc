package io.enginel.domain;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One field of a resource's JSON representation.
 *
 * @param name         the JSON name
 * @param type         JSON/SQL type
 * @param select       SQL expression that reads it (may join or compute)
 * @param column       the table column written for it, or null when it is read-only
 * @param access       who may set it
 * @param required     must be present on create (and on PUT, when updatable)
 * @param nullable     JSON null accepted on write
 * @param maxLength    longest accepted string, in characters
 * @param min          smallest accepted number
 * @param max          largest accepted number
 * @param choices      accepted values of an enumeration, or null
 * @param pattern      a string must match it entirely, or null
 * @param patternHint  how to explain the pattern in an error message
 * @param defaultValue value inserted when absent on create, or null for the column default
 * @param staffOnly    only staff may set it
 * @param hashed       stored as a hash computed on a worker before the write (a password), never as given
 * @param readsNull    a server-set field that may read as JSON null (no creator recorded, not started yet …)
 */
public record Field(String name, FieldType type, String select, String column, Access access, boolean required,
                    boolean nullable, int maxLength, Long min, Long max, List<String> choices, Pattern pattern,
                    String patternHint, Object defaultValue, boolean staffOnly, boolean hashed, boolean readsNull) {

  /** Who may set a field. */
  public enum Access {
    /** Computed or set by the server. */
    READ,
    /** Given on create, immutable afterwards (a design's series). */
    CREATE,
    /** Given on create and changed by PATCH/PUT. */
    WRITE,
    /** Accepted on write, never shown (a password). */
    WRITE_ONLY
  }

  public boolean creatable() {
    return access == Access.CREATE || access == Access.WRITE || access == Access.WRITE_ONLY;
  }

  public boolean updatable() {
    return access == Access.WRITE || access == Access.WRITE_ONLY;
  }

  public boolean readable() {
    return access != Access.WRITE_ONLY;
  }

  public static Builder of(String name, FieldType type) {
    return new Builder(name, type);
  }

  /** Fluent construction, so a resource's fields read as a table. */
  public static final class Builder {
    private final String name;
    private final FieldType type;
    private String select;
    private String column;
    private Access access = Access.READ;
    private boolean required;
    private boolean nullable;
    private int maxLength = Integer.MAX_VALUE;
    private Long min;
    private Long max;
    private List<String> choices;
    private Pattern pattern;
    private String patternHint;
    private Object defaultValue;
    private boolean staffOnly;
    private boolean hashed;
    private boolean readsNull;

    Builder(String name, FieldType type) {
      this.name = name;
      this.type = type;
    }

    public Builder select(String sql) {
      this.select = sql;
      return this;
    }

    /** Writable column; access becomes WRITE unless set otherwise. */
    public Builder column(String column) {
      this.column = column;
      if (access == Access.READ) {
        access = Access.WRITE;
      }
      return this;
    }

    public Builder createOnly() {
      this.access = Access.CREATE;
      return this;
    }

    public Builder writeOnly() {
      this.access = Access.WRITE_ONLY;
      return this;
    }

    public Builder required() {
      this.required = true;
      return this;
    }

    public Builder nullable() {
      this.nullable = true;
      return this;
    }

    public Builder maxLength(int n) {
      this.maxLength = n;
      return this;
    }

    public Builder range(long min, long max) {
      this.min = min;
      this.max = max;
      return this;
    }

    public Builder choices(List<String> values) {
      this.choices = List.copyOf(values);
      return this;
    }

    public Builder pattern(String regex, String hint) {
      this.pattern = Pattern.compile(regex);
      this.patternHint = hint;
      return this;
    }

    public Builder defaultValue(Object v) {
      this.defaultValue = v;
      return this;
    }

    public Builder staffOnly() {
      this.staffOnly = true;
      return this;
    }

    public Builder hashed() {
      this.hashed = true;
      return this;
    }

    /** A field the server sets that may read as null. */
    public Builder readsNull() {
      this.readsNull = true;
      return this;
    }

    public Field build() {
      return new Field(name, type, select, column, access, required, nullable, maxLength, min, max, choices,
          pattern, patternHint, defaultValue, staffOnly, hashed, readsNull);
    }
  }
}
