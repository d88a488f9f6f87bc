package io.enginel.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Checks client input against a {@link Resource}: request bodies of create / update and the values of
 * list filters. Every failure is an {@link ApiError} 400 naming the field or parameter. The repository
 * runs the same checks again on what reaches it over the event bus.
 */
public final class Validation {

  private Validation() {}

  /** The write mode of a body. */
  public enum Mode { CREATE, PATCH, PUT }

  /**
   * Validates a body and returns the accepted fields, converted to their Java types (UUID, Long,
   * Integer, String, Boolean, JsonObject). Read-only fields of the representation are ignored, as a
   * client may send back what it read; names the resource does not have are refused.
   */
  public static Map<String, Object> body(Resource resource, JsonObject body, Mode mode, boolean staff) {
    return body(resource, body, mode, staff, Set.of());
  }

  /**
   * As {@link #body(Resource, JsonObject, Mode, boolean)}, with {@code suppliedElsewhere} naming required
   * fields that travel outside the body (a password, hashed before it reaches the repository).
   */
  public static Map<String, Object> body(Resource resource, JsonObject body, Mode mode, boolean staff,
                                         Set<String> suppliedElsewhere) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : body.fieldNames()) {
      Field field = resource.field(name).orElseThrow(() -> ApiError.badRequest(name, "Unknown field '" + safe(name) + "'."));
      boolean settable = mode == Mode.CREATE ? field.creatable() : field.updatable();
      if (!settable) {
        continue; // read-only, or immutable after creation: ignored, as a client may send back what it read
      }
      if (field.staffOnly() && !staff) {
        throw new ApiError(403, "forbidden", "Only staff may set '" + name + "'.", new JsonObject().put("field", name));
      }
      out.put(name, value(field, body.getValue(name)));
    }
    if (mode != Mode.PATCH) {
      for (Field f : resource.fields()) {
        boolean applies = mode == Mode.CREATE ? f.creatable() : f.updatable();
        if (f.required() && applies && !out.containsKey(f.name()) && !suppliedElsewhere.contains(f.name())) {
          throw ApiError.badRequest(f.name(), "This field is required: '" + f.name() + "'.");
        }
      }
    }
    return out;
  }

  /** One field's value, converted; a wrong type or a broken constraint is a 400 naming the field. */
  public static Object value(Field field, Object raw) {
    String name = field.name();
    if (raw == null) {
      if (field.nullable()) {
        return null;
      }
      throw ApiError.badRequest(name, "'" + name + "' may not be null.");
    }
    switch (field.type()) {
      case STRING -> {
        if (!(raw instanceof String s)) {
          throw typeError(name, "a string");
        }
        checkText(name, s);
        if (s.codePointCount(0, s.length()) > field.maxLength()) {
          throw ApiError.badRequest(name, "'" + name + "' is longer than " + field.maxLength() + " characters.");
        }
        if (field.choices() != null && !field.choices().contains(s)) {
          throw ApiError.badRequest(name, "'" + name + "' must be one of " + field.choices() + ".");
        }
        if (field.pattern() != null && !field.pattern().matcher(s).matches()) {
          throw ApiError.badRequest(name, "'" + name + "' must be " + field.patternHint() + ".");
        }
        return s;
      }
      case UUID -> {
        if (!(raw instanceof String s)) {
          throw typeError(name, "a UUID string");
        }
        return uuid(name, s, false);
      }
      case LONG, INT -> {
        if (!(raw instanceof Integer || raw instanceof Long)) {
          throw typeError(name, "an integer");
        }
        long v = ((Number) raw).longValue();
        if (field.type() == FieldType.INT && (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)) {
          throw ApiError.badRequest(name, "'" + name + "' is out of range.");
        }
        if ((field.min() != null && v < field.min()) || (field.max() != null && v > field.max())) {
          throw ApiError.badRequest(name, "'" + name + "' must be between " + field.min() + " and " + field.max() + ".");
        }
        return field.type() == FieldType.INT ? (Object) (int) v : (Object) v;
      }
      case DOUBLE -> {
        if (!(raw instanceof Number n)) {
          throw typeError(name, "a number");
        }
        return n.doubleValue();
      }
      case BOOL -> {
        if (!(raw instanceof Boolean b)) {
          throw typeError(name, "true or false");
        }
        return b;
      }
      case JSON_OBJECT -> {
        if (!(raw instanceof JsonObject o)) {
          throw typeError(name, "a JSON object");
        }
        checkJson(name, o);
        return o;
      }
      default -> throw ApiError.badRequest(name, "'" + name + "' cannot be written.");
    }
  }

  /** Parses a filter value from a query string; a bad one is a 400 naming the parameter. */
  public static Object filterValue(Filter filter, String raw) {
    String p = filter.param();
    checkParameterText(p, raw);
    try {
      return switch (filter.type()) {
        case UUID -> uuid(p, raw, true);
        case LONG -> Long.parseLong(raw);
        case INT -> Integer.parseInt(raw);
        case BOOL -> switch (raw) {
          case "true", "1", "True" -> Boolean.TRUE;
          case "false", "0", "False" -> Boolean.FALSE;
          default -> throw new IllegalArgumentException();
        };
        case TIMESTAMP -> OffsetDateTime.parse(raw);
        case STRING -> {
          if (filter.choices() != null && !filter.choices().contains(raw)) {
            throw ApiError.badParameter(p, "'" + p + "' must be one of " + filter.choices() + ".");
          }
          if (raw.length() > 255) {
            throw ApiError.badParameter(p, "'" + p + "' is longer than 255 characters.");
          }
          yield raw;
        }
        default -> throw new IllegalArgumentException();
      };
    } catch (ApiError e) {
      throw e;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw ApiError.badParameter(p, "'" + p + "' has an invalid value.");
    } catch (IllegalArgumentException e) {
      throw ApiError.badParameter(p, "'" + p + "' has an invalid value.");
    }
  }

  /** Whether {@code s} is a UUID written as {@link UUID#toString()} writes it: 36 characters, lower-case hex digits. */
  public static boolean isCanonicalUuid(String s) {
    if (s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  public static UUID uuid(String name, String s, boolean parameter) {
    if (s.length() != 36) {
      throw parameter ? ApiError.badParameter(name, "'" + name + "' is not a valid UUID.")
          : ApiError.badRequest(name, "'" + name + "' is not a valid UUID.");
    }
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      throw parameter ? ApiError.badParameter(name, "'" + name + "' is not a valid UUID.")
          : ApiError.badRequest(name, "'" + name + "' is not a valid UUID.");
    }
  }

  /** Postgres text cannot hold NUL; unpaired surrogates cannot be encoded. Both are refused. */
  static void checkText(String name, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw ApiError.badRequest(name, "'" + name + "' contains a NUL character.");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw ApiError.badRequest(name, "'" + name + "' contains an invalid character.");
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw ApiError.badRequest(name, "'" + name + "' contains an invalid character.");
      }
    }
  }

  public static void checkParameterText(String name, String s) {
    try {
      checkText(name, s);
    } catch (ApiError e) {
      throw ApiError.badParameter(name, "'" + name + "' contains an invalid character.");
    }
  }

  private static void checkJson(String name, Object value) {
    if (value instanceof String s) {
      checkText(name, s);
    } else if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        checkText(name, e.getKey());
        checkJson(name, e.getValue());
      }
    } else if (value instanceof JsonArray a) {
      for (Object v : a) {
        checkJson(name, v);
      }
    }
  }

  private static ApiError typeError(String name, String expected) {
    return ApiError.badRequest(name, "'" + name + "' must be " + expected + ".");
  }

  /** A field name echoed in an error, cut short and stripped of control characters. */
  static String safe(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
