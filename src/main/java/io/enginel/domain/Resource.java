package io.enginel.domain;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the server knows about one API resource: its JSON fields and how SQL reads and writes
 * them, its filters, search and ordering whitelist, who may see it and what its events refer to. The
 * HTTP verticle validates input with it; the repository builds its parameterised SQL from it.
 *
 * @param name            path segment and cache resource name ({@code designs})
 * @param keyKind         cache key segment ({@code design} in {@code enginel:design:<id>:detail})
 * @param entity          the domain event entity of its writes
 * @param table           the table written
 * @param from            FROM clause of reads ({@code design_assets d JOIN design_series s ON …})
 * @param idSelect        SQL expression of the id in reads ({@code d.id})
 * @param idType          {@link FieldType#UUID} or {@link FieldType#LONG}
 * @param fields          the JSON representation, in output order
 * @param filters         query parameters that narrow a list
 * @param search          columns the {@code search} parameter matches (case-insensitive substring)
 * @param orderings       {@code ordering} values allowed, mapped to SQL expressions
 * @param defaultOrdering ordering when none is asked ({@code -created_at})
 * @param visibility      predicate over {@code :orgs} (uuid[]), {@code :me} (bigint) and {@code :staff} (boolean)
 * @param ownerSelect     SQL text[] of owner markers of a row (organization ids, {@code u:<id>}, {@code staff})
 * @param refColumns      event ref name to column of {@link #table}, read from old and new rows
 * @param parent          the field whose referenced row decides the organization of a new row, or null
 * @param writeRole       least role for create, update and delete in the row's organization
 * @param writable        false for read-only resources (audit logs)
 * @param lastModified    SQL timestamp of the last change to a row's representation, for {@code Last-Modified}:
 *                        given only where every change to the representation moves it (the row's
 *                        {@code updated_at}, kept moving by the database, V8); null where some change does not —
 *                        a representation that shows other rows' data without a time of their own (a series'
 *                        version count, a review's reviewers, a membership's role and user) has none
 */
public record Resource(String name, String keyKind, Entity entity, String table, String from, String idSelect,
                       FieldType idType, List<Field> fields, Map<String, Filter> filters, List<String> search,
                       Map<String, String> orderings, String defaultOrdering, String visibility, String ownerSelect,
                       Map<String, String> refColumns, Parent parent, Role writeRole, boolean writable,
                       String lastModified) {

  /**
   * The row a new row belongs to.
   *
   * @param field     the JSON field naming it ({@code series})
   * @param table     its table
   * @param orgColumn its organization column ({@code id} when the parent is the organization)
   */
  public record Parent(String field, String table, String orgColumn) {}

  public Optional<Field> field(String name) {
    for (Field f : fields) {
      if (f.name().equals(name)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  public List<Field> readableFields() {
    return fields.stream().filter(Field::readable).toList();
  }

  /** The alias of {@link #table} in {@link #from} ({@code d} of {@code d.id}). */
  public String alias() {
    return idSelect.substring(0, idSelect.indexOf('.'));
  }

  /**
   * The columns of {@link #table} whose values decide which rows a list shows and in which order: those of
   * its filters, of its ordering and, when it searches, of the searched fields. A change to any other
   * column cannot move a row into, out of or within the list; it can only change the rows shown, which
   * are tagged one by one.
   */
  public java.util.Set<String> listColumns(ListQuery q) {
    java.util.Set<String> columns = new java.util.TreeSet<>();
    String alias = alias();
    java.util.function.Consumer<String> add = expr -> columns.addAll(columnsOf(alias, expr));
    q.filters().keySet().forEach(p -> add.accept(filters.get(p).sql()));
    q.fixed().keySet().forEach(p -> add.accept(filters.get(p).sql()));
    for (String o : q.ordering()) {
      add.accept(orderings.get(o.startsWith("-") ? o.substring(1) : o));
    }
    if (!q.search().isEmpty()) {
      search.forEach(add);
    }
    add.accept(visibility);
    return columns;
  }

  /** The SQL expressions of the resources are a fixed set: each is read for its columns once (on every list request before). */
  private static final Map<String, List<String>> COLUMNS_OF_EXPRESSION = new java.util.concurrent.ConcurrentHashMap<>();

  /** The columns of the table aliased {@code alias} that {@code expr} mentions ({@code d.upload_status} → upload_status). */
  static List<String> columnsOf(String alias, String expr) {
    return COLUMNS_OF_EXPRESSION.computeIfAbsent(alias + '|' + expr, k -> {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(alias + ".")
          + "([a-z_]+)").matcher(expr);
      List<String> out = new java.util.ArrayList<>();
      while (m.find()) {
        out.add(m.group(1));
      }
      return List.copyOf(out);
    });
  }
}
