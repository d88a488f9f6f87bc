package io.enginel.repository;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.enginel.config.EnginelConfig;
import io.enginel.domain.ChangeChannels;
import io.enginel.repository.WorkloadData.Block;
import io.enginel.repository.WorkloadData.People;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static io.enginel.repository.WorkloadData.DESIGNS;
import static io.enginel.repository.WorkloadData.EPOCH;
import static io.enginel.repository.WorkloadData.NODES;
import static io.enginel.repository.WorkloadData.ORGANIZATIONS;
import static io.enginel.repository.WorkloadData.SERIES;
import static io.enginel.repository.WorkloadData.USERS;

/**
 * Loads the data set of {@code shared/bench/WORKLOAD.md} ({@link WorkloadData}) at a scale: 10 organizations,
 * 100 users ({@code userN} / {@code passN}, user1 staff), and per unit of scale 1,000 series, 20,000 designs and
 * 60,000 assembly nodes. Deterministic, idempotent (rows that exist are left as they are), in one transaction with
 * row notifications switched off and one "everything changed" notification carrying a ticket; after the commit it
 * waits until every node listening to this database has confirmed that it invalidated everything (at most
 * {@link #CONFIRMATION_TIMEOUT_MS}), so that when the seed returns no running node serves the old answers; then
 * VACUUM ANALYZE. Progress is reported per table as batches go in.
 */
public final class WorkloadSeeder {
  static final int BATCH = 5_000;
  public static final int MAX_SCALE = 1_000;
  static final long CONFIRMATION_TIMEOUT_MS = 10_000;

  private WorkloadSeeder() {}

  /** What a seed run reports as it goes: steps, and the rows of a table handled (inserted or already there). */
  public interface Progress {
    void step(String what);

    /** {@code done} of {@code total} rows of {@code table}; {@code partDone} at the end of one block's part of it. */
    void rows(String table, long done, long total, boolean partDone);
  }

  /** What a seed run found and inserted. */
  public record Report(int scale, long organizations, long users, long memberships, long series, long designs,
                       long nodes, long millis) {
    @Override
    public String toString() {
      return String.format("seeded scale %d in %.1f s: inserted %d organizations, %d users, %d memberships, %d series, "
          + "%d designs, %d assembly nodes (rows already present are kept)", scale, millis / 1000.0, organizations,
          users, memberships, series, designs, nodes);
    }
  }

  /** One INSERT … SELECT FROM unnest(…) of a table: {@code size} rows, column-wise, and a trailing constant unless null. */
  record Insert(String table, String sql, int size, IntFunction<Object[]> row, Object constant) {}

  public static Future<Report> seed(Vertx vertx, EnginelConfig config, int scale, Progress progress) {
    if (scale < 1 || scale > MAX_SCALE) {
      return Future.failedFuture(new IllegalArgumentException("the scale must be 1 to " + MAX_SCALE + ", not " + scale));
    }
    PgConnectOptions options = PgSetup.connectOptions(config.pg(), "seed");
    options.getProperties().put("statement_timeout", "0"); // a bulk load, not a request
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    long start = System.currentTimeMillis();
    String ticket = UUID.randomUUID().toString();
    WorkloadData data = WorkloadData.generate();
    long[] counts = new long[6];
    return InvalidationConfirmations.listen(vertx, options, ticket).compose(confirmations -> pool.withConnection(conn ->
            existingUsers(conn)
                .compose(existing -> {
                  long missing = IntStream.rangeClosed(1, USERS).filter(u -> !existing.contains("user" + u)).count();
                  if (missing > 0) {
                    progress.step("hashing the passwords of " + missing + " new users (bcrypt cost "
                        + config.auth().bcryptCost() + ")");
                  }
                  return vertx.executeBlocking(() -> passwordHashes(existing, config.auth().bcryptCost()), false);
                })
                .compose(hashes -> conn.begin().compose(tx -> conn.query("SET LOCAL enginel.bulk = 'on'").execute()
                    .compose(v -> insertPeople(conn, data.people, hashes, progress, counts))
                    .compose(v -> insertBlocks(vertx, conn, data, 0, scale, progress, counts))
                    .compose(v -> conn.preparedQuery("SELECT pg_notify($1, $2)")
                        .execute(Tuple.of(ChangeChannels.CHANGES, ChangeChannels.everything(ticket))))
                    .compose(v -> InvalidationConfirmations.listeningNodes(conn))
                    .compose(nodes -> tx.commit().map(nodes))))
                .compose(nodes -> {
                  progress.step("committed; " + (nodes.isEmpty() ? "no running node listens to this database"
                      : "waiting for " + nodes.size() + " running node(s) to drop what they cached") + "; VACUUM ANALYZE");
                  // fresh statistics, or the planner guesses one row where there are thousands; and the visibility
                  // map, without which a count reads every row instead of an index (an index-only scan)
                  return Future.all(confirmations.await(nodes, CONFIRMATION_TIMEOUT_MS),
                      conn.query("VACUUM (ANALYZE) design_series, design_assets, assembly_nodes, organizations, users, "
                          + "memberships").execute())
                      .map(all -> all.<InvalidationConfirmations.Outcome>resultAt(0));
                })
                .onSuccess(outcome -> {
                  if (!outcome.confirmed().isEmpty()) {
                    progress.step("running node(s) " + String.join(", ", outcome.confirmed())
                        + " invalidated their caches: they serve the seeded rows");
                  }
                  if (!outcome.missing().isEmpty()) {
                    progress.step("node(s) " + String.join(", ", outcome.missing()) + " did not confirm within "
                        + CONFIRMATION_TIMEOUT_MS / 1000 + " s; a node invalidates everything when its change listener reconnects");
                  }
                }))
            .eventually(confirmations::close))
        .map(outcome -> new Report(scale, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
            System.currentTimeMillis() - start))
        .eventually(pool::close);
  }

  private static Future<Set<String>> existingUsers(SqlConnection conn) {
    return conn.query("SELECT username FROM users").execute().map(rows -> {
      Set<String> names = new HashSet<>();
      rows.forEach(r -> names.add(r.getString(0)));
      return names;
    });
  }

  /** bcrypt hashes of {@code passN} for users not present yet (hashing is slow; existing rows are kept anyway). */
  private static String[] passwordHashes(Set<String> existing, int cost) {
    String[] hashes = new String[USERS];
    IntStream.range(0, USERS).parallel().forEach(u -> {
      if (!existing.contains("user" + (u + 1))) {
        hashes[u] = BCrypt.withDefaults().hashToString(cost, ("pass" + (u + 1)).toCharArray());
      }
    });
    return hashes;
  }

  private static Future<Void> insertPeople(SqlConnection conn, People people, String[] hashes, Progress progress,
                                           long[] counts) {
    List<Insert> inserts = peopleInserts(people, hashes);
    return insert(conn, inserts.get(0), 0, inserts.get(0).size(), progress).onSuccess(n -> counts[0] += n)
        .compose(v -> insert(conn, inserts.get(1), 0, inserts.get(1).size(), progress)).onSuccess(n -> counts[1] += n)
        .compose(v -> conn.query("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))").execute())
        .compose(v -> insert(conn, inserts.get(2), 0, inserts.get(2).size(), progress)).onSuccess(n -> counts[2] += n)
        .mapEmpty();
  }

  /** Blocks {@code k} … {@code scale - 1}, each generated on a worker (it takes a moment) and inserted before the next. */
  private static Future<Void> insertBlocks(Vertx vertx, SqlConnection conn, WorkloadData data, int k, int scale,
                                           Progress progress, long[] counts) {
    if (k >= scale) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> data.block(k), false).compose(block -> {
      List<Insert> inserts = blockInserts(data.people, block);
      Future<Void> chain = Future.succeededFuture();
      for (int t = 0; t < inserts.size(); t++) {
        Insert insert = inserts.get(t);
        int slot = 3 + t;
        chain = chain.compose(v -> insert(conn, insert, (long) k * insert.size(), (long) scale * insert.size(), progress)
            .onSuccess(n -> counts[slot] += n).mapEmpty());
      }
      return chain;
    }).compose(v -> insertBlocks(vertx, conn, data, k + 1, scale, progress, counts));
  }

  /** organizations, users, memberships. */
  static List<Insert> peopleInserts(People p, String[] hashes) {
    return List.of(
        new Insert("organizations", "INSERT INTO organizations (id, name, slug, description, storage_quota_bytes, created_at, updated_at) "
            + "SELECT t.*, $6, $6 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS t ON CONFLICT DO NOTHING",
            ORGANIZATIONS, i -> new Object[] {p.orgIds[i], p.orgNames[i], p.orgSlugs[i], "Organization " + p.orgNames[i],
                p.orgQuotas[i]}, EPOCH.minusDays(400)),
        new Insert("users", "INSERT INTO users (id, username, email, first_name, last_name, password_hash, is_staff, date_joined, updated_at) "
            + "SELECT u.*, $8, $8 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[]) "
            + "AS u ON CONFLICT DO NOTHING",
            USERS, i -> new Object[] {(long) i + 1, "user" + (i + 1), "user" + (i + 1) + "@enginel.test",
                p.firstNames[i], p.lastNames[i], hashes[i] == null ? "!" : hashes[i], i == 0}, EPOCH.minusDays(400)),
        new Insert("memberships", "INSERT INTO memberships (organization_id, user_id, role, joined_at) "
            + "SELECT *, $4 FROM unnest($1::uuid[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING",
            p.memberOrg.size(), i -> new Object[] {p.memberOrg.get(i), p.memberUser.get(i), p.memberRole.get(i)},
            EPOCH.minusDays(399)));
  }

  /** design_series, design_assets, assembly_nodes of one block. */
  static List<Insert> blockInserts(People p, Block d) {
    return List.of(
        new Insert("design_series", "INSERT INTO design_series (id, organization_id, part_number, name, description, created_by, created_at, updated_at) "
            + "SELECT s.*, s.c FROM (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[]) "
            + "AS t(id, o, pn, n, de, cb, c)) s ON CONFLICT DO NOTHING",
            SERIES, i -> new Object[] {d.seriesIds[i], p.orgIds[d.seriesOrg[i]], d.partNumber(i),
                d.seriesNames[i], "", d.seriesCreator[i], d.seriesCreated[i]}, null),
        new Insert("design_assets", "INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, "
            + "file_size, upload_status, uploaded_by, description, created_at, updated_at) "
            + "SELECT t.*, t.c FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::bigint[], "
            + "$8::text[], $9::bigint[], $10::text[], $11::timestamptz[]) AS t(id, s, o, v, f, ff, fs, us, ub, de, c) "
            + "ON CONFLICT DO NOTHING",
            DESIGNS, i -> new Object[] {d.designIds[i], d.seriesIds[d.designSeries[i]], p.orgIds[d.seriesOrg[d.designSeries[i]]],
                d.designVersion[i], d.designFilename[i], d.designFormat[i], d.designSize[i], d.designStatus[i],
                d.designUploader[i], d.designDescription[i], d.designCreated[i]}, null),
        new Insert("assembly_nodes", "INSERT INTO assembly_nodes (id, design_id, organization_id, parent_id, part_number, name, "
            + "quantity, position, created_at, updated_at) "
            + "SELECT t.*, $9, $9 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], "
            + "$8::int[]) AS t ON CONFLICT DO NOTHING",
            NODES, i -> new Object[] {d.nodeIds[i], d.designIds[d.nodeDesign[i]],
                p.orgIds[d.seriesOrg[d.designSeries[d.nodeDesign[i]]]], d.nodeParent[i] < 0 ? null : d.nodeIds[d.nodeParent[i]],
                d.nodePart[i], d.nodeName[i], d.nodeQuantity[i], d.nodePosition[i]}, EPOCH));
  }

  /**
   * The rows of {@code insert} in batches of {@link #BATCH}; progress counts on from {@code doneBefore} (the table's
   * rows of earlier blocks) to {@code total}. Answers the number of rows inserted (not those already there).
   */
  private static Future<Long> insert(SqlConnection conn, Insert insert, long doneBefore, long total, Progress progress) {
    Future<Long> chain = Future.succeededFuture(0L);
    for (int from = 0; from < insert.size(); from += BATCH) {
      int start = from;
      int end = Math.min(insert.size(), from + BATCH);
      chain = chain.compose(inserted -> conn.preparedQuery(insert.sql()).execute(columns(insert, start, end))
          .map(rs -> {
            progress.rows(insert.table(), doneBefore + end, total, end == insert.size());
            return inserted + rs.rowCount();
          }));
    }
    return chain;
  }

  /** Rows {@code start} … {@code end - 1} as one typed array per column, then the constant. */
  private static Tuple columns(Insert insert, int start, int end) {
    Object[] first = insert.row().apply(start);
    List<Object[]> columns = new ArrayList<>();
    for (Object ignored : first) {
      columns.add(new Object[end - start]);
    }
    for (int i = start; i < end; i++) {
      Object[] r = i == start ? first : insert.row().apply(i);
      for (int c = 0; c < r.length; c++) {
        columns.get(c)[i - start] = r[c];
      }
    }
    Tuple t = Tuple.tuple();
    for (Object[] column : columns) {
      t.addValue(typed(column));
    }
    if (insert.constant() != null) {
      t.addValue(insert.constant());
    }
    return t;
  }

  private static Object typed(Object[] column) {
    Object probe = null;
    for (Object o : column) {
      if (o != null) {
        probe = o;
        break;
      }
    }
    if (probe instanceof UUID) {
      return Arrays.copyOf(column, column.length, UUID[].class);
    } else if (probe instanceof Long) {
      return Arrays.copyOf(column, column.length, Long[].class);
    } else if (probe instanceof Integer) {
      return Arrays.copyOf(column, column.length, Integer[].class);
    } else if (probe instanceof Boolean) {
      return Arrays.copyOf(column, column.length, Boolean[].class);
    } else if (probe instanceof OffsetDateTime) {
      return Arrays.copyOf(column, column.length, OffsetDateTime[].class);
    }
    return Arrays.copyOf(column, column.length, String[].class);
  }
}
