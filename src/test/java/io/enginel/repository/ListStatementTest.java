package io.enginel.repository;

import io.enginel.config.EnginelConfig;
import io.enginel.domain.ListQuery;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.domain.Validation;
import io.enginel.support.TestDatabase;
import io.enginel.support.TestServer;
import io.enginel.support.TestServices;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The list statement ({@link ReadQueries#statement}: the count as a sub-select, rows read organization by organization
 * and merged, searches on lower-cased copies) answers exactly what the plain statement answers: one scan of
 * {@code <visibility> AND <filters> AND (<column> ILIKE pattern OR …)}, ordered, with {@code count(*) OVER ()}. Both
 * run on the WORKLOAD.md data set for random readers, filters, searches, orderings and pages, and every row, every
 * column, their order and the count must be the same.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListStatementTest {
  private static final int QUERIES_PER_RESOURCE = 60;
  private static final List<String> SEARCHES = List.of("pump", "GEAR", "Bracket", "pn-0004", "PN-00042", "cube",
      "zzqx", "a", "e_", "100%", "stl", "ri", "hou sing");

  private TestDatabase db;
  private Vertx vertx;
  private Pool pool;
  private final List<UUID> orgs = new ArrayList<>();
  private final Map<Long, UUID[]> readers = new HashMap<>();

  @BeforeAll
  void seedTheWorkload() {
    db = TestDatabase.create();
    EnginelConfig config = TestServer.baseConfig(db.uri(), TestServices.redisUri());
    PgSetup.migrate(config.pg());
    vertx = Vertx.vertx();
    WorkloadSeeder.seed(vertx, config, 1, new WorkloadSeeder.Progress() {
      @Override
      public void step(String what) {}

      @Override
      public void rows(String table, long done, long total, boolean partDone) {}
    }).await();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgSetup.connectOptions(config.pg(), "test")).using(vertx).build();
    pool.query("SELECT id FROM organizations ORDER BY id").execute().await().forEach(r -> orgs.add(r.getUUID(0)));
    for (Row r : pool.query("SELECT u.id, array_agg(m.organization_id) FROM users u "
        + "LEFT JOIN memberships m ON m.user_id = u.id GROUP BY u.id").execute().await()) {
      UUID[] of = r.getArrayOfUUIDs(1);
      readers.put(r.getLong(0), of.length == 1 && of[0] == null ? new UUID[0] : of);
    }
  }

  @AfterAll
  void close() {
    if (vertx != null) {
      vertx.close().await();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void everyListAnswersWhatThePlainStatementAnswers() {
    Random random = new Random(17);
    int compared = 0;
    int nonEmpty = 0;
    for (Resource r : List.of(Resources.DESIGNS, Resources.SERIES, Resources.ASSEMBLY_NODES, Resources.ORGANIZATIONS,
        Resources.USERS)) {
      for (int i = 0; i < QUERIES_PER_RESOURCE; i++) {
        ListQuery q = randomQuery(r, random);
        Scope scope = randomScope(random);
        Answer expected = run(plainStatement(q, scope));
        Answer actual = run(ReadQueries.statement(q, scope));
        assertThat(actual).as("%s for %s", q, List.of(scope.orgs())).isEqualTo(expected);
        compared++;
        nonEmpty += expected.rows().isEmpty() ? 0 : 1;
      }
    }
    assertThat(compared).isEqualTo(5 * QUERIES_PER_RESOURCE);
    assertThat(nonEmpty).as("queries that found rows").isGreaterThan(compared / 3);
  }

  @Test
  void aSearchMeansACaseInsensitiveSubstringOfFilenameDescriptionOrPartNumber() {
    UUID[] all = orgs.toArray(UUID[]::new);
    Scope everyOrganization = new Scope(all, 1, false);
    String partNumber = pool.query("SELECT part_number FROM design_series ORDER BY part_number LIMIT 1 OFFSET 41")
        .execute().await().iterator().next().getString(0);
    long byPartNumber = pool.preparedQuery("SELECT count(*) FROM design_assets d JOIN design_series ds "
        + "ON ds.id = d.series_id WHERE ds.part_number = $1").execute(Tuple.of(partNumber)).await()
        .iterator().next().getLong(0);
    ListQuery q = query(Resources.DESIGNS, Map.of("search", partNumber.toLowerCase(), "page_size", "100"));

    Answer answer = run(ReadQueries.statement(q, everyOrganization));

    assertThat(byPartNumber).isPositive();
    assertThat(answer.count()).isGreaterThanOrEqualTo(byPartNumber);
    assertThat(answer).isEqualTo(run(plainStatement(q, everyOrganization)));
  }

  // ------------------------------------------------------------------ queries

  private ListQuery randomQuery(Resource r, Random random) {
    Map<String, String> params = new HashMap<>();
    List<String> orderings = new ArrayList<>(r.orderings().keySet());
    String first = orderings.get(random.nextInt(orderings.size()));
    String ordering = (random.nextBoolean() ? "-" : "") + first;
    if (random.nextInt(3) == 0) {
      String second = orderings.get(random.nextInt(orderings.size()));
      if (!second.equals(first)) {
        ordering += "," + (random.nextBoolean() ? "-" : "") + second;
      }
    }
    params.put("ordering", ordering);
    if (!r.search().isEmpty() && random.nextBoolean()) {
      params.put("search", SEARCHES.get(random.nextInt(SEARCHES.size())));
    }
    if (r == Resources.DESIGNS && random.nextBoolean()) {
      params.put("upload_status", List.of("COMPLETED", "FAILED", "PENDING").get(random.nextInt(3)));
    }
    if (r == Resources.DESIGNS && random.nextInt(3) == 0) {
      params.put("created_before", "2025-0" + (1 + random.nextInt(9)) + "-15T10:00:00Z");
    }
    int pageSize = List.of(1, 7, 20, 100).get(random.nextInt(4));
    params.put("page_size", String.valueOf(pageSize));
    params.put("page", String.valueOf(random.nextInt(10) == 0 ? 1 + random.nextInt(400) : 1 + random.nextInt(3)));
    return query(r, params);
  }

  private static ListQuery query(Resource r, Map<String, String> params) {
    return ListQuery.parse(r, params, Map.of(), null, 20, 100);
  }

  /**
   * A user's own organizations, sometimes none, sometimes every one, sometimes one of them twice (the plain
   * statement's {@code = ANY} counts an organization once however often the array names it).
   */
  private Scope randomScope(Random random) {
    int pick = random.nextInt(10);
    if (pick == 2) {
      UUID twice = orgs.get(random.nextInt(orgs.size()));
      return new Scope(new UUID[] {twice, orgs.get(0), twice}, 1 + random.nextInt(100), false);
    }
    if (pick == 0) {
      return new Scope(new UUID[0], 1 + random.nextInt(100), false);
    }
    if (pick == 1) {
      return new Scope(orgs.toArray(UUID[]::new), 1, true);
    }
    long user = 1 + random.nextInt(100);
    return new Scope(readers.get(user), user, false);
  }

  /** The statement as it was written before: one scan, ILIKE on every searched column, the count as a window. */
  private static Sql plainStatement(ListQuery q, Scope scope) {
    Resource r = q.resource();
    Sql sql = new Sql().append("SELECT ");
    ReadQueries.appendSelect(sql, r.readableFields());
    sql.append(", count(*) OVER () FROM ").append(r.from()).append(" WHERE ").template(r.visibility(), scope);
    for (Map<String, String> filters : List.of(q.fixed(), q.filters())) {
      for (Map.Entry<String, String> e : filters.entrySet()) {
        sql.append(" AND ").template(r.filters().get(e.getKey()).sql(), scope,
            Validation.filterValue(r.filters().get(e.getKey()), e.getValue()));
      }
    }
    if (!q.search().isEmpty()) {
      String pattern = "%" + ReadQueries.likeEscape(q.search()) + "%";
      sql.append(" AND (");
      for (int i = 0; i < r.search().size(); i++) {
        sql.append(i == 0 ? "" : " OR ").append(r.search().get(i)).append(" ILIKE ").param(pattern);
      }
      sql.append(")");
    }
    sql.append(" ORDER BY ");
    for (String o : q.ordering()) {
      boolean desc = o.startsWith("-");
      sql.append(r.orderings().get(desc ? o.substring(1) : o)).append(desc ? " DESC, " : " ASC, ");
    }
    sql.append(r.idSelect()).append(" ASC LIMIT ").param(q.pageSize())
        .append(" OFFSET ").param((long) (q.page() - 1) * q.pageSize());
    return sql;
  }

  /** The rows (every column but the count, as text) and the count; an empty page has no count to read. */
  record Answer(List<List<String>> rows, long count) {}

  private Answer run(Sql sql) {
    RowSet<Row> rows = pool.preparedQuery(sql.text()).execute(sql.tuple()).await();
    List<List<String>> out = new ArrayList<>();
    long count = -1;
    for (Row row : rows) {
      List<String> values = new ArrayList<>();
      for (int i = 0; i < row.size() - 1; i++) {
        Object value = row.getValue(i);
        values.add(value instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(value));
      }
      out.add(values);
      count = row.getLong(row.size() - 1);
    }
    return new Answer(out, count);
  }
}
