package io.enginel.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the server knows about one API resource, declared once in {@link Resources}: its names, its
 * JSON fields and how SQL reads and writes them, its filters, search and orderings, who may see and change
 * it, what the server does on its writes, the tags its answers are cached under and what its events
 * invalidate. The HTTP verticle validates input and routes with it, the repository builds its parameterised
 * SQL from it, the invalidation verticle reads its rules. {@link Builder#build()} refuses a declaration with
 * a missing or inconsistent piece, and {@link Resources#check} checks the whole set at start-up.
 *
 * <p>Names: {@link #name()} is the resource's one spelling in paths, configuration, statistics and list tags
 * ({@code assembly-nodes}); {@link #item()} names one row in cache keys, row tags and event refs
 * ({@code node}); the entity's model ({@code AssemblyNode}) and table ({@code assembly_nodes}) are the public
 * event name and the SQL table.
 */
public final class Resource {
  /** The visibility of a resource whose rows belong to one organization each: {@code <column> = ANY(:orgs)}. */
  public static final String IN_SCOPE = " = ANY(:orgs)";
  private static final Pattern JOIN = Pattern.compile("\\bJOIN\\s+[a-z_]+\\s+([a-z_]+)\\s+ON\\b");

  /** The row a new row belongs to: the field naming it, its resource and its organization column. */
  public record Parent(String field, Resource resource, String orgColumn) {
    public String table() {
      return resource.table();
    }
  }

  /** A resource reached only under one row of another ({@code /organizations/{id}/members}). */
  public record Nesting(Resource under, String column, String select) {}

  private final String name;
  private final String item;
  private final Entity entity;
  private final String table;
  private final String from;
  private final String keyColumn;
  private final String idSelect;
  private final FieldType idType;
  private final List<Field> fields;
  private final Map<String, Filter> filters;
  private final List<String> search;
  private final Map<String, String> searchPredicates;
  private final Map<String, String> orderings;
  private final String defaultOrdering;
  private final String visibility;
  private final Pattern joinedAlias;
  private final String ownerSelect;
  private final Parent parent;
  private final Nesting nesting;
  private final Role writeRole;
  private final boolean writable;
  private final String orgColumn;
  private final String creatorColumn;
  private final Set<WriteRule> writeRules;
  private final String cascadeRefs;
  private final Function<JsonObject, List<String>> detailTags;
  private final Function<String, String> listTag;
  private final boolean listsByColumn;
  private final List<String> staffListTags;
  private final Supplier<List<InvalidationRule>> invalidates;
  private final List<String> manualKeyItems;
  private final String lastModified;
  private final MatchOrder matchOrder;

  private Resource(Builder b) {
    this.name = b.name;
    this.item = b.item;
    this.entity = b.entity;
    this.table = b.entity.table();
    this.from = b.from;
    this.keyColumn = b.keyColumn;
    this.idSelect = b.idSelect;
    this.idType = b.idType;
    this.fields = List.copyOf(b.fields);
    this.filters = Collections.unmodifiableMap(new LinkedHashMap<>(b.filters));
    this.search = List.copyOf(b.search);
    this.searchPredicates = Map.copyOf(b.searchPredicates);
    this.orderings = Collections.unmodifiableMap(new LinkedHashMap<>(b.orderings));
    this.defaultOrdering = b.defaultOrdering;
    this.visibility = b.visibility;
    List<String> joined = new ArrayList<>();
    Matcher join = JOIN.matcher(b.from);
    while (join.find()) {
      joined.add(Pattern.quote(join.group(1)));
    }
    this.joinedAlias = joined.isEmpty() ? null : Pattern.compile("\\b(" + String.join("|", joined) + ")\\.");
    this.ownerSelect = b.ownerSelect;
    this.parent = b.parent;
    this.nesting = b.nesting;
    this.writeRole = b.writeRole;
    this.writable = b.writable;
    this.orgColumn = b.orgColumn;
    this.creatorColumn = b.creatorColumn;
    this.writeRules = Collections.unmodifiableSet(b.writeRules.isEmpty() ? EnumSet.noneOf(WriteRule.class)
        : EnumSet.copyOf(b.writeRules));
    this.cascadeRefs = b.cascadeRefs;
    this.detailTags = b.detailTags;
    this.listTag = b.listTag;
    this.listsByColumn = b.listsByColumn;
    this.staffListTags = List.copyOf(b.staffListTags);
    this.invalidates = b.invalidates;
    this.manualKeyItems = b.manualKeyItems == null ? List.of(b.item) : List.copyOf(b.manualKeyItems);
    this.lastModified = b.lastModified;
    this.matchOrder = b.matchOrder;
  }

  public static Builder named(String name) {
    return new Builder(name);
  }

  // ------------------------------------------------------------------ names

  /** Path segment, configuration key, statistics and list-tag name ({@code assembly-nodes}). */
  public String name() {
    return name;
  }

  /** One row's name in cache keys, row tags and event refs ({@code node}). */
  public String item() {
    return item;
  }

  public Entity entity() {
    return entity;
  }

  public String table() {
    return table;
  }

  // ------------------------------------------------------------------ reads

  /** FROM clause of reads ({@code design_assets d JOIN design_series ds ON …}). */
  public String from() {
    return from;
  }

  /** The column of {@link #table()} a path id names ({@code id}; {@code user_id} for members). */
  public String keyColumn() {
    return keyColumn;
  }

  /** SQL expression of the path id in reads ({@code d.id}). */
  public String idSelect() {
    return idSelect;
  }

  /** {@link FieldType#UUID} or {@link FieldType#LONG}. */
  public FieldType idType() {
    return idType;
  }

  /** The JSON representation, in output order. */
  public List<Field> fields() {
    return fields;
  }

  /** Query parameters that narrow a list. */
  public Map<String, Filter> filters() {
    return filters;
  }

  /** Columns the {@code search} parameter matches (case-insensitive substring). */
  public List<String> search() {
    return search;
  }

  /**
   * The SQL condition that matches one {@link #search()} column against the search's {@code ILIKE} pattern, the
   * pattern being its one {@code ?}: {@code <column> ILIKE ?}, unless the resource declared a faster condition of
   * the same meaning for it ({@link Builder#searchBy}), such as a stored lower-cased copy under a trigram index.
   */
  public String searchPredicate(String column) {
    String declared = searchPredicates.get(column);
    return declared != null ? declared : column + " ILIKE ?";
  }

  /**
   * The column a row's organization is read from when the resource's visibility is exactly "its organization is one
   * of the reader's" ({@code d.organization_id = ANY(:orgs)}) and its path ids are unique across organizations; else
   * null. A list of such a resource can be read organization by organization, each part in the order of an index,
   * and merged.
   */
  public String scopeColumn() {
    if (nesting != null || !visibility.endsWith(IN_SCOPE)) {
      return null;
    }
    String column = visibility.substring(0, visibility.length() - IN_SCOPE.length());
    return column.matches("[a-z]+\\.[a-z_]+") ? column : null;
  }

  /**
   * The FROM clause a statement with these conditions needs: {@link #from()}, or only the resource's own table when
   * the conditions mention none of the tables it joins. Those joins add columns to a row and never remove or repeat
   * one (they follow a NOT NULL foreign key), so leaving them out changes no count.
   */
  public String fromFor(String conditions) {
    return joinedAlias == null || joinedAlias.matcher(conditions).find() ? from : table + " " + alias();
  }

  /** True when {@link #from()} joins other tables to the resource's own. */
  public boolean joinsTables() {
    return joinedAlias != null;
  }

  /**
   * How a search of this resource keeps its matches per organization ({@link MatchSet}), or null when it keeps none.
   *
   * @param ordering the ordering the matches are kept in ({@code created_at}: its expression must be a NOT NULL
   *                 timestamp column, kept to the microsecond), ascending or descending, ties by id
   * @param after    the filter that keeps rows at or after an instant of that column ({@code >=})
   * @param before   the filter that keeps rows before an instant of that column ({@code <})
   */
  public record MatchOrder(String ordering, String after, String before) {
    /** Whether a list in this ordering can be read from kept matches: this one order, either way, alone. */
    public boolean orders(List<String> listOrdering) {
      return listOrdering.size() == 1 && listOrdering.get(0).equals(ordering)
          || listOrdering.size() == 1 && listOrdering.get(0).equals("-" + ordering);
    }
  }

  /** See {@link MatchOrder}. */
  public MatchOrder matchOrder() {
    return matchOrder;
  }

  /** {@code ordering} values allowed, mapped to SQL expressions. */
  public Map<String, String> orderings() {
    return orderings;
  }

  /** Ordering when none is asked ({@code -created_at}). */
  public String defaultOrdering() {
    return defaultOrdering;
  }

  /** Predicate over {@code :orgs} (uuid[]), {@code :me} (bigint) and {@code :staff} (boolean). */
  public String visibility() {
    return visibility;
  }

  /** SQL text[] of the owner markers of a row (organization ids, {@code u:<id>}, {@code staff}). */
  public String ownerSelect() {
    return ownerSelect;
  }

  /** The JSON field that holds the path id ({@code id}; {@code user} for members). */
  public String idField() {
    for (Field f : fields) {
      if (idSelect.equals(f.select())) {
        return f.name();
      }
    }
    return "id";
  }

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

  /** The field whose value is stored hashed ({@code password}), if any. */
  public Optional<Field> hashedField() {
    return fields.stream().filter(Field::hashed).findFirst();
  }

  /** The alias of {@link #table()} in {@link #from()} ({@code d} of {@code d.id}). */
  public String alias() {
    return idSelect.substring(0, idSelect.indexOf('.'));
  }

  /** The resource this one is reached under, or null when it has top-level routes. */
  public Nesting nesting() {
    return nesting;
  }

  // ------------------------------------------------------------------ writes

  /** The field whose referenced row decides the organization of a new row, or null. */
  public Parent parent() {
    return parent;
  }

  /** Least role for create, update and delete in the row's organization. */
  public Role writeRole() {
    return writeRole;
  }

  /** False for read-only resources (audit logs). */
  public boolean writable() {
    return writable;
  }

  /** The column holding a row's organization ({@code id} for organizations), or null (users). */
  public String orgColumn() {
    return orgColumn;
  }

  /** The column recording who created a row, filled by the server, or null. */
  public String creatorColumn() {
    return creatorColumn;
  }

  /** What the server does on writes beyond storing the fields. */
  public boolean has(WriteRule rule) {
    return writeRules.contains(rule);
  }

  /**
   * A query over {@code $1} (the deleted row's id) answering {@code (ref, id)} pairs: the rows the database's
   * cascades delete along with this one whose ids the invalidation needs; null when there are none.
   */
  public String cascadeRefs() {
    return cascadeRefs;
  }

  /**
   * SQL timestamp of the last change to a row's representation, for {@code Last-Modified}; null when the resource
   * has none. Declared only where every change to the representation moves it (the row's {@code updated_at}, which
   * the database keeps moving, V8): a representation that shows other rows' data without a time of their own (a
   * series' version count, a review's reviewers, a membership's role and user) has none.
   */
  public String lastModified() {
    return lastModified;
  }

  /** True when a row has an {@code updated_at} column that every update sets. */
  public boolean stampsUpdates() {
    return field("updated_at").isPresent();
  }

  // ------------------------------------------------------------------ cache

  /** The tags a row's detail is filled under: its own, and those of the rows it shows or belongs to. */
  public List<String> detailTags(JsonObject row) {
    return detailTags.apply(row);
  }

  /**
   * The tags of one list page of a scope: one per organization of the scope (a user in no organization sees
   * only themselves: their own tag); for resources listed column by column, one tag per column the list
   * depends on (its filters, ordering, search) per organization, and the tag of every row it shows. An update
   * that changes no column the list depends on then reaches the page only through the rows it shows.
   */
  public List<String> listTags(List<String> orgIds, long userId, boolean staff, Set<String> columns, JsonArray rows) {
    List<String> tags = new ArrayList<>();
    if (orgIds.isEmpty()) {
      tags.add(Tags.of(Resources.USERS, userId));
    }
    for (String org : orgIds) {
      tags.add(listTag.apply(org));
    }
    if (listsByColumn) {
      for (String org : orgIds) {
        for (String column : columns) {
          tags.add(Tags.listColumn(org, this, column));
        }
      }
      for (Object row : rows) {
        tags.add(Tags.of(this, ((JsonObject) row).getValue(idField())));
      }
    }
    if (staff) {
      tags.addAll(staffListTags);
    }
    return tags;
  }

  /** The list tag of one organization ({@code organization:<id>:designs}). */
  public String listTag(String org) {
    return listTag.apply(org);
  }

  /** True when an update reaches this resource's lists only through the columns it changed. */
  public boolean listsByColumn() {
    return listsByColumn;
  }

  /** What an event of {@link #entity()} invalidates (read once the whole set is declared: {@link Resources#invalidationRules}). */
  List<InvalidationRule> invalidates() {
    return List.copyOf(invalidates.get());
  }

  /** Key items ({@code design}) whose keys a manual invalidation of the whole model deletes. */
  public List<String> manualKeyItems() {
    return manualKeyItems;
  }

  /**
   * The columns of {@link #table()} whose values decide which rows a list shows and in which order: those of
   * its filters, of its ordering and, when it searches, of the searched fields. A change to any other column
   * cannot move a row into, out of or within the list; it can only change the rows shown, which are tagged one
   * by one.
   */
  public Set<String> listColumns(ListQuery q) {
    Set<String> columns = new TreeSet<>();
    String alias = alias();
    Consumer<String> add = expr -> columns.addAll(columnsOf(alias, expr));
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

  @Override
  public String toString() {
    return name;
  }

  /** The SQL expressions of the resources are a fixed set: each is read for its columns once. */
  private static final Map<String, List<String>> COLUMNS_OF_EXPRESSION = new ConcurrentHashMap<>();

  /** The columns of the table aliased {@code alias} that {@code expr} mentions ({@code d.upload_status} → upload_status). */
  static List<String> columnsOf(String alias, String expr) {
    return COLUMNS_OF_EXPRESSION.computeIfAbsent(alias + '|' + expr, k -> {
      Matcher m = Pattern.compile("\\b" + Pattern.quote(alias + ".") + "([a-z_]+)").matcher(expr);
      List<String> out = new ArrayList<>();
      while (m.find()) {
        out.add(m.group(1));
      }
      return List.copyOf(out);
    });
  }

  /** A resource declaration; {@link #build()} refuses one with a missing or inconsistent piece. */
  public static final class Builder {
    private final String name;
    private String item;
    private Entity entity;
    private String from;
    private String keyColumn = "id";
    private String idSelect;
    private FieldType idType;
    private final List<Field> fields = new ArrayList<>();
    private final Map<String, Filter> filters = new LinkedHashMap<>();
    private final List<String> search = new ArrayList<>();
    private final Map<String, String> searchPredicates = new LinkedHashMap<>();
    private final Map<String, String> orderings = new LinkedHashMap<>();
    private String defaultOrdering;
    private String visibility;
    private String ownerSelect;
    private Parent parent;
    private Nesting nesting;
    private Role writeRole = Role.EDITOR;
    private boolean writable = true;
    private String orgColumn;
    private String creatorColumn;
    private final Set<WriteRule> writeRules = EnumSet.noneOf(WriteRule.class);
    private String cascadeRefs;
    private Function<JsonObject, List<String>> detailTags;
    private Function<String, String> listTag;
    private boolean listsByColumn;
    private final List<String> staffListTags = new ArrayList<>();
    private Supplier<List<InvalidationRule>> invalidates;
    private List<String> manualKeyItems;
    private String lastModified;
    private MatchOrder matchOrder;

    private Builder(String name) {
      this.name = name;
    }

    /** The row's name in keys, tags and event refs, and the entity whose events its writes raise. */
    public Builder item(String item, Entity entity) {
      this.item = item;
      this.entity = entity;
      return this;
    }

    /** FROM clause of reads, and the path id: its column, read expression and type. */
    public Builder reads(String from, String keyColumn, String idSelect, FieldType idType) {
      this.from = from;
      this.keyColumn = keyColumn;
      this.idSelect = idSelect;
      this.idType = idType;
      return this;
    }

    public Builder fields(Field... fields) {
      this.fields.addAll(List.of(fields));
      return this;
    }

    public Builder filters(Filter... filters) {
      for (Filter f : filters) {
        this.filters.put(f.param(), f);
      }
      return this;
    }

    public Builder search(String... expressions) {
      this.search.addAll(List.of(expressions));
      return this;
    }

    /**
     * A faster condition of the same meaning as {@code <column> ILIKE ?} for one search column (see
     * {@link Resource#searchPredicate}); its one {@code ?} is the pattern.
     */
    public Builder searchBy(String column, String predicate) {
      this.searchPredicates.put(column, predicate);
      return this;
    }

    /**
     * A search's matches are kept per organization in this ordering, its two range filters cut from them
     * ({@link MatchOrder}); the resource's ids must be UUIDs and its visibility its organization.
     */
    public Builder matchOrder(String ordering, String after, String before) {
      this.matchOrder = new MatchOrder(ordering, after, before);
      return this;
    }

    /** {@code ordering} values and their SQL expressions, in pairs; then the default. */
    public Builder orderings(String defaultOrdering, String... pairs) {
      for (int i = 0; i < pairs.length; i += 2) {
        this.orderings.put(pairs[i], pairs[i + 1]);
      }
      this.defaultOrdering = defaultOrdering;
      return this;
    }

    /** Who may see a row: a predicate over {@code :orgs}, {@code :me}, {@code :staff}; and its owner markers. */
    public Builder visibility(String predicate, String ownerSelect) {
      this.visibility = predicate;
      this.ownerSelect = ownerSelect;
      return this;
    }

    /** Writes: the least role, the organization column and the column filled with the creator (or null). */
    public Builder writes(Role role, String orgColumn, String creatorColumn, WriteRule... rules) {
      this.writeRole = role;
      this.orgColumn = orgColumn;
      this.creatorColumn = creatorColumn;
      this.writeRules.addAll(List.of(rules));
      return this;
    }

    public Builder readOnly() {
      this.writable = false;
      return this;
    }

    /** The field naming the row a new row belongs to, and that row's resource and organization column. */
    public Builder parent(String field, Resource resource, String orgColumn) {
      this.parent = new Parent(field, resource, orgColumn);
      return this;
    }

    /** Reached only under one row of {@code under}, whose id is held in {@code column} (read as {@code select}). */
    public Builder nestedIn(Resource under, String column, String select) {
      this.nesting = new Nesting(under, column, select);
      return this;
    }

    /** See {@link Resource#cascadeRefs()}. */
    public Builder cascadeRefs(String sql) {
      this.cascadeRefs = sql;
      return this;
    }

    /** The tags of a detail, beyond the row's own: those of the rows it shows or belongs to. */
    public Builder detailTags(Function<JsonObject, List<String>> alsoTagged) {
      this.detailTags = alsoTagged;
      return this;
    }

    /** The tag of one organization's lists, when it is not {@link Tags#lists}. */
    public Builder listTag(Function<String, String> tag) {
      this.listTag = tag;
      return this;
    }

    /** Lists are tagged per column they depend on and per row they show (see {@link Resource#listTags}). */
    public Builder listsByColumn() {
      this.listsByColumn = true;
      return this;
    }

    /** Extra tags of the lists a staff member sees (rows of no organization). */
    public Builder staffListTags(String... tags) {
      this.staffListTags.addAll(List.of(tags));
      return this;
    }

    /**
     * What an event of the entity invalidates: rules over this and other resources, read once all are declared
     * (so that the declarations may name each other in any order).
     */
    public Builder invalidates(Supplier<List<InvalidationRule>> rules) {
      this.invalidates = rules;
      return this;
    }

    /** Key items a manual invalidation of the whole model deletes (default: the item; none for nested ones). */
    public Builder manualKeyItems(String... items) {
      this.manualKeyItems = List.of(items);
      return this;
    }

    /** See {@link Resource#lastModified()}. */
    public Builder lastModified(String sqlTimestamp) {
      this.lastModified = sqlTimestamp;
      return this;
    }

    public Resource build() {
      List<String> missing = new ArrayList<>();
      if (item == null || entity == null) {
        missing.add("item/entity");
      }
      if (from == null || idSelect == null || idType == null) {
        missing.add("reads");
      }
      if (fields.isEmpty()) {
        missing.add("fields");
      }
      if (defaultOrdering == null || orderings.isEmpty()) {
        missing.add("orderings");
      }
      if (visibility == null || ownerSelect == null) {
        missing.add("visibility");
      }
      if (invalidates == null) {
        missing.add("invalidates");
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException("resource " + name + " lacks " + String.join(", ", missing));
      }
      String ordering = defaultOrdering.startsWith("-") ? defaultOrdering.substring(1) : defaultOrdering;
      check(orderings.containsKey(ordering), "its default ordering '" + defaultOrdering + "' is not an ordering");
      check(name.matches("[a-z]+(-[a-z]+)*"), "its name is not lower-case words joined by '-'");
      check(item.matches("[a-z]+"), "its item is not one lower-case word");
      check(idSelect.startsWith(from.split(" ")[1] + "."), "its id is not read from its table's alias");
      if (matchOrder != null) {
        check(orderings.containsKey(matchOrder.ordering()), "its match order is not an ordering");
        check(filters.containsKey(matchOrder.after()) && filters.containsKey(matchOrder.before())
            && filters.get(matchOrder.after()).sql().equals(orderings.get(matchOrder.ordering()) + " >= ?")
            && filters.get(matchOrder.before()).sql().equals(orderings.get(matchOrder.ordering()) + " < ?")
            && filters.get(matchOrder.after()).type() == FieldType.TIMESTAMP
            && filters.get(matchOrder.before()).type() == FieldType.TIMESTAMP,
            "its match order's range filters are not '>=' and '<' of its ordering's timestamp");
        check(idType == FieldType.UUID && visibility.endsWith(IN_SCOPE), "it keeps matches but is not listed by "
            + "organization with UUID ids");
      }
      check(entity.refs().containsKey(keyColumn) && entity.refs().get(keyColumn).equals(item)
          || nesting != null, "its entity does not name its rows '" + item + "' by " + keyColumn);
      if (writable) {
        check(orgColumn != null || has(WriteRule.ACCOUNTS), "it is writable without an organization column");
        check(parent != null || nesting != null || has(WriteRule.ACCOUNTS) || has(WriteRule.ORGANIZATION_ROOT),
            "it is writable without a parent deciding a new row's organization");
      }
      for (Field f : fields) {
        check(f.select() != null || !f.readable(), "field " + f.name() + " is readable but not selected");
      }
      Function<JsonObject, List<String>> also = detailTags;
      String idFieldName = idFieldOf();
      detailTags = row -> {
        List<String> tags = new ArrayList<>();
        tags.add(Tags.row(item, row.getValue(idFieldName)));
        if (also != null) {
          tags.addAll(also.apply(row));
        }
        return tags;
      };
      if (listTag == null) {
        String listed = name;
        listTag = org -> Tags.lists(org, listed);
      }
      return new Resource(this);
    }

    private boolean has(WriteRule rule) {
      return writeRules.contains(rule);
    }

    private String idFieldOf() {
      for (Field f : fields) {
        if (idSelect.equals(f.select())) {
          return f.name();
        }
      }
      throw new IllegalStateException("resource " + name + " has no field read as its id " + idSelect);
    }

    private void check(boolean ok, String what) {
      if (!ok) {
        throw new IllegalStateException("resource " + name + ": " + what);
      }
    }
  }
}
