package io.enginel.repository;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.enginel.config.EnginelConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * Loads the data set of {@code shared/bench/WORKLOAD.md}: 10 organizations, 100 users ({@code userN} /
 * {@code passN}, user1 staff), 1,000 series, 20,000 designs and 60,000 assembly nodes under 2,000 of
 * them. Deterministic (random seed 42, fixed ids and dates), idempotent (rows that exist are left as
 * they are), in one transaction with row notifications switched off and one "everything changed"
 * notification at the end, then ANALYZE.
 */
public final class WorkloadSeeder {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadSeeder.class);

  public static final int ORGANIZATIONS = 10;
  public static final int USERS = 100;
  public static final int SERIES = 1_000;
  public static final int DESIGNS = 20_000;
  public static final int BOM_DESIGNS = 2_000;
  public static final int NODES = 60_000;
  static final int MAX_DEPTH = 5;
  static final int BATCH = 5_000;
  /** Dates are spread over the 365 days before this instant, so that every run holds the same rows. */
  static final OffsetDateTime EPOCH = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  static final String[] WORDS = ("bracket housing flange shaft gear bearing bolt washer nut spring valve pump "
      + "impeller rotor stator casing cover plate beam rib gusset hinge latch clamp fixture jig mount adapter "
      + "coupling sleeve bushing spacer manifold nozzle diffuser duct panel frame chassis enclosure lid base "
      + "support bracketry weld casting forging machined sheet aluminum steel titanium composite polymer "
      + "injection molded stamped extruded revised tolerance datum surface finish thread chamfer fillet "
      + "pocket boss slot hole pattern assembly subassembly prototype production release review inspection "
      + "thermal structural fatigue stress load vibration seal gasket oring lubrication cooling airflow").split(" ");
  static final String[] FORMATS = {"step", "iges", "stl", "obj"};
  static final int[] FORMAT_WEIGHTS = {40, 20, 30, 10};
  static final String[] STATUSES = {"COMPLETED", "PROCESSING", "PENDING", "FAILED"};
  static final int[] STATUS_WEIGHTS = {80, 10, 5, 5};

  private WorkloadSeeder() {}

  /** What a seed run found and inserted. */
  public record Report(int organizations, int users, int memberships, int series, int designs, int nodes,
                       long millis) {
    @Override
    public String toString() {
      return String.format("seeded in %.1f s: inserted %d organizations, %d users, %d memberships, %d series, "
          + "%d designs, %d assembly nodes (rows already present are kept)", millis / 1000.0, organizations, users,
          memberships, series, designs, nodes);
    }
  }

  public static Future<Report> seed(Vertx vertx, EnginelConfig config) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgSetup.connectOptions(config.pg(), "seed")).using(vertx).build();
    long start = System.currentTimeMillis();
    DataSet data = DataSet.generate();
    return pool.withConnection(conn -> existingUsers(conn)
            .compose(existing -> vertx.executeBlocking(() -> data.passwordHashes(existing, config.auth().bcryptCost()), false))
            .compose(hashes -> conn.begin().compose(tx -> insertAll(conn, data, hashes)
                .compose(report -> tx.commit().map(report))))
            // fresh statistics, or the planner guesses one row where there are thousands
            .compose(report -> conn.query("ANALYZE").execute().map(report)))
        .map(r -> new Report(r.organizations(), r.users(), r.memberships(), r.series(), r.designs(), r.nodes(),
            System.currentTimeMillis() - start))
        .onSuccess(r -> LOG.info("{}", r))
        .eventually(pool::close);
  }

  private static Future<Set<String>> existingUsers(SqlConnection conn) {
    return conn.query("SELECT username FROM users").execute().map(rows -> {
      Set<String> names = new HashSet<>();
      rows.forEach(r -> names.add(r.getString(0)));
      return names;
    });
  }

  private static Future<Report> insertAll(SqlConnection conn, DataSet d, String[] hashes) {
    int[] counts = new int[6];
    return conn.query("SET LOCAL enginel.bulk = 'on'").execute()
        .compose(v -> batched(conn, "INSERT INTO organizations (id, name, slug, description, storage_quota_bytes, created_at, updated_at) "
            + "SELECT t.*, $6, $6 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS t ON CONFLICT DO NOTHING",
            ORGANIZATIONS, i -> new Object[] {d.orgIds[i], d.orgNames[i], d.orgSlugs[i], "Organization " + d.orgNames[i],
                d.orgQuotas[i]}, EPOCH.minusDays(400)).onSuccess(n -> counts[0] = n))
        .compose(v -> batched(conn, "INSERT INTO users (id, username, email, first_name, last_name, password_hash, is_staff, date_joined, updated_at) "
            + "SELECT u.*, $8, $8 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[]) "
            + "AS u ON CONFLICT DO NOTHING",
            USERS, i -> new Object[] {(long) i + 1, "user" + (i + 1), "user" + (i + 1) + "@enginel.test",
                d.firstNames[i], d.lastNames[i], hashes[i] == null ? "!" : hashes[i], i == 0}, EPOCH.minusDays(400))
            .onSuccess(n -> counts[1] = n))
        .compose(v -> conn.query("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))").execute())
        .compose(v -> batched(conn, "INSERT INTO memberships (organization_id, user_id, role, joined_at) "
            + "SELECT *, $4 FROM unnest($1::uuid[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING",
            d.memberOrg.size(), i -> new Object[] {d.memberOrg.get(i), d.memberUser.get(i), d.memberRole.get(i)},
            EPOCH.minusDays(399)).onSuccess(n -> counts[2] = n))
        .compose(v -> batched(conn, "INSERT INTO design_series (id, organization_id, part_number, name, description, created_by, created_at, updated_at) "
            + "SELECT s.*, s.c FROM (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[]) "
            + "AS t(id, o, pn, n, de, cb, c)) s ON CONFLICT DO NOTHING",
            SERIES, i -> new Object[] {d.seriesIds[i], d.orgIds[d.seriesOrg[i]], String.format("PN-%05d", i + 1),
                d.seriesNames[i], "", d.seriesCreator[i], d.seriesCreated[i]}, null).onSuccess(n -> counts[3] = n))
        .compose(v -> batched(conn, "INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, "
            + "file_size, upload_status, uploaded_by, description, created_at, updated_at) "
            + "SELECT t.*, t.c FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::bigint[], "
            + "$8::text[], $9::bigint[], $10::text[], $11::timestamptz[]) AS t(id, s, o, v, f, ff, fs, us, ub, de, c) "
            + "ON CONFLICT DO NOTHING",
            DESIGNS, i -> new Object[] {d.designIds[i], d.seriesIds[d.designSeries[i]], d.orgIds[d.seriesOrg[d.designSeries[i]]],
                d.designVersion[i], d.designFilename[i], d.designFormat[i], d.designSize[i], d.designStatus[i],
                d.designUploader[i], d.designDescription[i], d.designCreated[i]}, null).onSuccess(n -> counts[4] = n))
        .compose(v -> batched(conn, "INSERT INTO assembly_nodes (id, design_id, organization_id, parent_id, part_number, name, "
            + "quantity, position, created_at, updated_at) "
            + "SELECT t.*, $9, $9 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], "
            + "$8::int[]) AS t ON CONFLICT DO NOTHING",
            NODES, i -> new Object[] {d.nodeIds[i], d.designIds[d.nodeDesign[i]],
                d.orgIds[d.seriesOrg[d.designSeries[d.nodeDesign[i]]]], d.nodeParent[i] < 0 ? null : d.nodeIds[d.nodeParent[i]],
                d.nodePart[i], d.nodeName[i], d.nodeQuantity[i], d.nodePosition[i]}, EPOCH).onSuccess(n -> counts[5] = n))
        .compose(v -> conn.query("NOTIFY enginel_changes, '{\"table\": \"*\"}'").execute())
        .map(v -> new Report(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], 0));
  }

  /** Column-wise arrays of the rows, and a trailing constant parameter unless null, inserted in batches. */
  private static Future<Integer> batched(SqlConnection conn, String sql, int size,
                                         java.util.function.IntFunction<Object[]> row, Object constant) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (int from = 0; from < size; from += BATCH) {
      int start = from;
      int end = Math.min(size, from + BATCH);
      chain = chain.compose(total -> {
        Object[] first = row.apply(start);
        List<Object[]> columns = new ArrayList<>();
        for (Object c : first) {
          columns.add(new Object[end - start]);
        }
        for (int i = start; i < end; i++) {
          Object[] r = i == start ? first : row.apply(i);
          for (int c = 0; c < r.length; c++) {
            columns.get(c)[i - start] = r[c];
          }
        }
        Tuple t = Tuple.tuple();
        for (int c = 0; c < columns.size(); c++) {
          t.addValue(typed(columns.get(c), first[c]));
        }
        if (constant != null) {
          t.addValue(constant);
        }
        return conn.preparedQuery(sql).execute(t).map(rs -> total + rs.rowCount());
      });
    }
    return chain;
  }

  private static Object typed(Object[] column, Object sample) {
    Object probe = sample;
    for (Object o : column) {
      if (o != null) {
        probe = o;
        break;
      }
    }
    if (probe instanceof UUID) {
      return java.util.Arrays.copyOf(column, column.length, UUID[].class);
    } else if (probe instanceof Long) {
      return java.util.Arrays.copyOf(column, column.length, Long[].class);
    } else if (probe instanceof Integer) {
      return java.util.Arrays.copyOf(column, column.length, Integer[].class);
    } else if (probe instanceof Boolean) {
      return java.util.Arrays.copyOf(column, column.length, Boolean[].class);
    } else if (probe instanceof OffsetDateTime) {
      return java.util.Arrays.copyOf(column, column.length, OffsetDateTime[].class);
    }
    return java.util.Arrays.copyOf(column, column.length, String[].class);
  }

  /** The whole data set, drawn from one {@code Random(42)} in a fixed order. */
  static final class DataSet {
    UUID[] orgIds = new UUID[ORGANIZATIONS];
    String[] orgNames = new String[ORGANIZATIONS];
    String[] orgSlugs = new String[ORGANIZATIONS];
    long[] orgQuotas = new long[ORGANIZATIONS];
    String[] firstNames = new String[USERS];
    String[] lastNames = new String[USERS];
    List<UUID> memberOrg = new ArrayList<>();
    List<Long> memberUser = new ArrayList<>();
    List<String> memberRole = new ArrayList<>();
    List<List<Long>> orgMembers = new ArrayList<>();
    UUID[] seriesIds = new UUID[SERIES];
    int[] seriesOrg = new int[SERIES];
    String[] seriesNames = new String[SERIES];
    long[] seriesCreator = new long[SERIES];
    OffsetDateTime[] seriesCreated = new OffsetDateTime[SERIES];
    UUID[] designIds = new UUID[DESIGNS];
    int[] designSeries = new int[DESIGNS];
    int[] designVersion = new int[DESIGNS];
    String[] designFilename = new String[DESIGNS];
    String[] designFormat = new String[DESIGNS];
    long[] designSize = new long[DESIGNS];
    String[] designStatus = new String[DESIGNS];
    long[] designUploader = new long[DESIGNS];
    String[] designDescription = new String[DESIGNS];
    OffsetDateTime[] designCreated = new OffsetDateTime[DESIGNS];
    UUID[] nodeIds = new UUID[NODES];
    int[] nodeDesign = new int[NODES];
    int[] nodeParent = new int[NODES];
    String[] nodePart = new String[NODES];
    String[] nodeName = new String[NODES];
    int[] nodeQuantity = new int[NODES];
    int[] nodePosition = new int[NODES];
    long seedPasswordsFor = USERS;

    static DataSet generate() {
      DataSet d = new DataSet();
      Random rnd = new Random(42);
      String[] orgWords = {"Apex", "Boreal", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Helix", "Ion", "Juniper"};
      for (int i = 0; i < ORGANIZATIONS; i++) {
        d.orgIds[i] = uuid(rnd);
        d.orgNames[i] = orgWords[i] + " Engineering";
        d.orgSlugs[i] = orgWords[i].toLowerCase() + "-engineering";
        d.orgQuotas[i] = (10L + rnd.nextInt(91)) * 1_073_741_824L;
        d.orgMembers.add(new ArrayList<>());
      }
      String[] first = {"Ada", "Grace", "Alan", "Linus", "Margaret", "Edsger", "Barbara", "Ken", "Donald", "Frances"};
      String[] last = {"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Dijkstra", "Liskov", "Thompson", "Knuth", "Allen"};
      for (int u = 0; u < USERS; u++) {
        d.firstNames[u] = first[rnd.nextInt(first.length)];
        d.lastNames[u] = last[rnd.nextInt(last.length)];
        int n = 1 + rnd.nextInt(3);
        Set<Integer> orgs = new HashSet<>();
        while (orgs.size() < n) {
          orgs.add(rnd.nextInt(ORGANIZATIONS));
        }
        for (int o : orgs.stream().sorted().toList()) {
          int roll = rnd.nextInt(100);
          boolean firstInOrg = d.orgMembers.get(o).isEmpty();
          d.memberOrg.add(d.orgIds[o]);
          d.memberUser.add((long) u + 1);
          d.memberRole.add(firstInOrg || roll < 10 ? "ADMIN" : roll < 60 ? "EDITOR" : "VIEWER");
          d.orgMembers.get(o).add((long) u + 1);
        }
      }
      for (int s = 0; s < SERIES; s++) {
        d.seriesIds[s] = uuid(rnd);
        d.seriesOrg[s] = rnd.nextInt(ORGANIZATIONS);
        d.seriesNames[s] = capitalize(word(rnd)) + " " + word(rnd);
        List<Long> members = d.orgMembers.get(d.seriesOrg[s]);
        d.seriesCreator[s] = members.get(rnd.nextInt(members.size()));
        d.seriesCreated[s] = EPOCH.minusDays(366).plusSeconds(rnd.nextInt(3600 * 24));
      }
      int[] perSeries = new int[SERIES];
      java.util.Arrays.fill(perSeries, DESIGNS / SERIES);
      for (int k = 0; k < SERIES * 5; k++) {
        int from = rnd.nextInt(SERIES);
        int to = rnd.nextInt(SERIES);
        if (perSeries[from] > 5 && perSeries[to] < 40) {
          perSeries[from]--;
          perSeries[to]++;
        }
      }
      int di = 0;
      for (int s = 0; s < SERIES; s++) {
        List<Long> members = d.orgMembers.get(d.seriesOrg[s]);
        for (int v = 1; v <= perSeries[s]; v++, di++) {
          d.designIds[di] = uuid(rnd);
          d.designSeries[di] = s;
          d.designVersion[di] = v;
          d.designFormat[di] = FORMATS[weighted(rnd, FORMAT_WEIGHTS)];
          d.designFilename[di] = String.format("PN-%05d_%s_v%d.%s", s + 1, word(rnd), v, d.designFormat[di]);
          d.designSize[di] = 10_000L + (long) (rnd.nextDouble() * 50_000_000L);
          d.designStatus[di] = STATUSES[weighted(rnd, STATUS_WEIGHTS)];
          d.designUploader[di] = members.get(rnd.nextInt(members.size()));
          d.designDescription[di] = description(rnd, 100 + rnd.nextInt(301));
          d.designCreated[di] = EPOCH.minusSeconds(1 + (long) (rnd.nextDouble() * 365 * 24 * 3600));
        }
      }
      int[] bomDesigns = IntStream.range(0, DESIGNS).toArray();
      for (int i = 0; i < BOM_DESIGNS; i++) {
        int j = i + rnd.nextInt(DESIGNS - i);
        int t = bomDesigns[i];
        bomDesigns[i] = bomDesigns[j];
        bomDesigns[j] = t;
      }
      int ni = 0;
      for (int b = 0; b < BOM_DESIGNS; b++) {
        int count = NODES / BOM_DESIGNS;
        int base = ni;
        int[] depth = new int[count];
        int[] children = new int[count];
        for (int k = 0; k < count; k++, ni++) {
          d.nodeIds[ni] = uuid(rnd);
          d.nodeDesign[ni] = bomDesigns[b];
          int parent = -1;
          if (k > 0) {
            do {
              parent = rnd.nextInt(k);
            } while (depth[parent] >= MAX_DEPTH);
            depth[k] = depth[parent] + 1;
          } else {
            depth[k] = 1;
          }
          d.nodeParent[ni] = parent < 0 ? -1 : base + parent;
          d.nodePosition[ni] = parent < 0 ? 0 : children[parent]++;
          d.nodePart[ni] = String.format("P-%05d", 1 + rnd.nextInt(5_000));
          d.nodeName[ni] = capitalize(word(rnd)) + " " + word(rnd);
          d.nodeQuantity[ni] = 1 + rnd.nextInt(10);
        }
      }
      return d;
    }

    /** bcrypt hashes of {@code passN} for users not present yet (hashing is slow; existing rows are kept anyway). */
    String[] passwordHashes(Set<String> existing, int cost) {
      String[] hashes = new String[USERS];
      IntStream.range(0, USERS).parallel().forEach(u -> {
        if (!existing.contains("user" + (u + 1))) {
          hashes[u] = BCrypt.withDefaults().hashToString(cost, ("pass" + (u + 1)).toCharArray());
        }
      });
      return hashes;
    }

    private static UUID uuid(Random rnd) {
      long msb = (rnd.nextLong() & ~0xF000L) | 0x4000L;
      long lsb = (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
      return new UUID(msb, lsb);
    }

    private static int weighted(Random rnd, int[] weights) {
      int roll = rnd.nextInt(100);
      for (int i = 0; i < weights.length; i++) {
        roll -= weights[i];
        if (roll < 0) {
          return i;
        }
      }
      return weights.length - 1;
    }

    private static String word(Random rnd) {
      return WORDS[rnd.nextInt(WORDS.length)];
    }

    private static String capitalize(String w) {
      return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }

    private static String description(Random rnd, int length) {
      StringBuilder sb = new StringBuilder(length + 16);
      while (sb.length() < length) {
        sb.append(sb.length() == 0 ? capitalize(word(rnd)) : word(rnd)).append(' ');
      }
      sb.setLength(length);
      return sb.toString().trim() + ".";
    }
  }
}
