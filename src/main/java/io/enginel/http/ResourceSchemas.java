package io.enginel.http;

import io.enginel.domain.Field;
import io.enginel.domain.FieldType;
import io.enginel.domain.Filter;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The JSON Schemas (draft 2020-12, as OpenAPI 3.1 uses them) and query parameters of a resource, derived from
 * its declaration in {@link Resources}: the representation a read answers, the bodies of create, PUT and
 * PATCH with the constraints {@link io.enginel.domain.Validation} enforces, and the filters, search, ordering
 * and page parameters {@link ListQuery} accepts. Nothing here is a copy of a resource: a field added to a
 * declaration appears in the document.
 */
final class ResourceSchemas {


  /** The longest {@code search} and string filter values {@link ListQuery} and the validation accept. */
  static final int SEARCH_MAX_LENGTH = 200;
  static final int FILTER_MAX_LENGTH = 255;
  /** A filter that compares one column with its value ({@code d.series_id = ?}), as opposed to a predicate. */
  private static final Pattern EQUALITY = Pattern.compile("[a-z_]+\\.[a-z_]+ = \\?");
  /** The largest {@code page} {@link ListQuery} accepts. */
  static final int MAX_PAGE = Integer.MAX_VALUE / 1000;

  private ResourceSchemas() {}

  /** The component name of a resource's representation: its model ({@code DesignAsset}). */
  static String name(Resource r) {
    return r.entity().model();
  }

  /** The write modes of a body, each with its own schema. */
  enum Body {
    CREATE("Create"), REPLACE("Replace"), PATCH("Patch");

    final String suffix;

    Body(String suffix) {
      this.suffix = suffix;
    }

    boolean sets(Field f) {
      return this == CREATE ? f.creatable() : f.updatable();
    }
  }

  // ------------------------------------------------------------------ representations

  /**
   * What a read answers: every readable field, always present (null where allowed). Closed, so that a field
   * the server adds without declaring it fails the document's tests.
   */
  static JsonObject representation(Resource r) {
    JsonObject properties = new JsonObject();
    for (Field f : r.readableFields()) {
      properties.put(f.name(), readSchema(r, f));
    }
    return object(properties, r.readableFields().stream().map(Field::name).toList())
        .put("additionalProperties", false);
  }

  private static JsonObject readSchema(Resource r, Field f) {
    boolean nullable = f.nullable() || f.readsNull();
    JsonObject s = typed(f.type(), nullable);
    if (f.choices() != null) {
      s.put("enum", choices(f.choices(), nullable));
    }
    if (f.access() == Field.Access.READ) {
      s.put("readOnly", true);
    }
    return s;
  }

  // ------------------------------------------------------------------ bodies

  /**
   * A create, PUT or PATCH body: the fields the mode sets, with their constraints; the other fields of the
   * representation may be sent back as read and are ignored; any other name is refused (400).
   */
  static JsonObject body(Resource r, Body mode) {
    JsonObject properties = new JsonObject();
    List<String> required = new ArrayList<>();
    for (Field f : r.fields()) {
      if (mode.sets(f)) {
        properties.put(f.name(), writeSchema(f));
        if (f.required() && mode != Body.PATCH) {
          required.add(f.name());
        }
      } else if (f.readable()) {
        properties.put(f.name(), new JsonObject().put("readOnly", true).put("description",
            f.creatable() ? "Set on create; ignored here." : "Set by the server; ignored when sent."));
      }
    }
    return object(properties, required).put("additionalProperties", false);
  }

  private static JsonObject writeSchema(Field f) {
    JsonObject s = typed(f.type(), f.nullable());
    List<String> notes = new ArrayList<>();
    if (f.type() == FieldType.STRING && f.maxLength() != Integer.MAX_VALUE) {
      s.put("maxLength", f.maxLength());
    }
    if (f.pattern() != null) {
      // Validation matches the whole value; a JSON Schema pattern matches anywhere unless anchored
      s.put("pattern", "^(?:" + f.pattern().pattern() + ")$");
      notes.add("Must be " + f.patternHint() + ".");
    }
    if (f.choices() != null) {
      s.put("enum", choices(f.choices(), f.nullable()));
    }
    if (f.min() != null) {
      s.put("minimum", f.min());
    }
    if (f.max() != null && f.max() != Long.MAX_VALUE) {
      s.put("maximum", f.max());
    }
    if (f.defaultValue() != null) {
      s.put("default", f.defaultValue());
    }
    if (f.access() == Field.Access.CREATE) {
      notes.add("Set on create, immutable afterwards.");
    }
    if (f.access() == Field.Access.WRITE_ONLY) {
      s.put("writeOnly", true);
      notes.add("Never shown in an answer.");
    }
    if (f.staffOnly()) {
      s.put("x-staff-only", true);
      notes.add("Only staff may set it; anyone else gets 403.");
    }
    if (!notes.isEmpty()) {
      s.put("description", String.join(" ", notes));
    }
    return s;
  }

  // ------------------------------------------------------------------ parameters

  /** The path parameter naming one row of {@code r}. */
  static JsonObject idParameter(String name, Resource r, String description) {
    return pathParameter(name, r.idType(), description);
  }

  static JsonObject pathParameter(String name, FieldType idType, String description) {
    JsonObject schema = idType == FieldType.UUID ? typed(FieldType.UUID, false)
        : typed(FieldType.LONG, false).put("minimum", 1);
    return new JsonObject().put("name", name).put("in", "path").put("required", true)
        .put("description", description).put("schema", schema);
  }

  /**
   * The query parameters of a list of {@code r}: its filters (less those the path fixes), {@code search},
   * {@code ordering} and the page. Unknown parameters are ignored by the server.
   */
  static List<JsonObject> listParameters(Resource r, Set<String> fixed, String defaultOrdering, int defaultPageSize,
                                         int maxPageSize) {
    List<JsonObject> out = new ArrayList<>();
    for (Filter f : r.filters().values()) {
      if (!fixed.contains(f.param())) {
        out.add(query(f.param(), filterSchema(f), EQUALITY.matcher(f.sql()).matches()
            ? "Only rows whose " + f.param() + " is this value." : "Narrows the list by " + f.param() + "."));
      }
    }
    if (!r.search().isEmpty()) {
      out.add(query(ListQuery.SEARCH, new JsonObject().put("type", "string").put("maxLength", SEARCH_MAX_LENGTH),
          "Case-insensitive substring of any of: " + r.search().stream().map(ResourceSchemas::column)
              .collect(Collectors.joining(", ")) + "."));
    }
    String names = "(" + String.join("|", r.orderings().keySet()) + ")";
    out.add(query(ListQuery.ORDERING, new JsonObject().put("type", "string")
            .put("pattern", "^-?" + names + "(,-?" + names + ")*$")
            .put("default", defaultOrdering == null ? r.defaultOrdering() : defaultOrdering),
        "Comma-separated fields to order by, '-' for descending; allowed: "
            + String.join(", ", r.orderings().keySet()) + "."));
    out.add(query(ListQuery.PAGE, new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", MAX_PAGE)
        .put("default", 1), "Page number, from 1."));
    out.add(query(ListQuery.PAGE_SIZE, new JsonObject().put("type", "integer").put("minimum", 1)
        .put("maximum", maxPageSize).put("default", defaultPageSize), "Rows per page."));
    return out;
  }

  private static JsonObject filterSchema(Filter f) {
    JsonObject s = typed(f.type(), false);
    if (f.choices() != null) {
      s.put("enum", new JsonArray(new ArrayList<>(f.choices())));
    } else if (f.type() == FieldType.STRING) {
      s.put("maxLength", FILTER_MAX_LENGTH);
    }
    return s;
  }

  private static JsonObject query(String name, JsonObject schema, String description) {
    return new JsonObject().put("name", name).put("in", "query").put("required", false)
        .put("description", description).put("schema", schema);
  }

  // ------------------------------------------------------------------ types

  /**
   * The JSON Schema of a field type; {@code nullable} adds {@code "null"} to its types — as an alternative for the
   * integer formats, whose format check some validators (vertx-openapi 5.0) apply to a null as well.
   */
  static JsonObject typed(FieldType type, boolean nullable) {
    JsonObject s = switch (type) {
      case UUID -> new JsonObject().put("type", "string").put("format", "uuid");
      case LONG -> new JsonObject().put("type", "integer").put("format", "int64");
      case INT -> new JsonObject().put("type", "integer").put("format", "int32");
      case DOUBLE -> new JsonObject().put("type", "number");
      case STRING -> new JsonObject().put("type", "string");
      case BOOL -> new JsonObject().put("type", "boolean");
      case JSON_OBJECT -> new JsonObject().put("type", "object");
      case TIMESTAMP -> new JsonObject().put("type", "string").put("format", "date-time");
      case LONG_ARRAY -> new JsonObject().put("type", "array")
          .put("items", new JsonObject().put("type", "integer").put("format", "int64"));
    };
    if (nullable && s.containsKey("format") && s.getString("type").equals("integer")) {
      return new JsonObject().put("anyOf", new JsonArray().add(s).add(new JsonObject().put("type", "null")));
    }
    if (nullable) {
      s.put("type", new JsonArray().add(s.getString("type")).add("null"));
    }
    return s;
  }

  private static JsonArray choices(List<String> values, boolean nullable) {
    JsonArray a = new JsonArray(new ArrayList<>(values));
    if (nullable) {
      a.addNull();
    }
    return a;
  }

  static JsonObject object(JsonObject properties, List<String> required) {
    JsonObject s = new JsonObject().put("type", "object").put("properties", properties);
    if (!required.isEmpty()) {
      s.put("required", new JsonArray(new ArrayList<>(required)));
    }
    return s;
  }

  /** {@code d.filename} → {@code filename}: the searched column as a reader knows it. */
  private static String column(String sql) {
    int dot = sql.lastIndexOf('.');
    return dot < 0 ? sql : sql.substring(dot + 1);
  }
}
