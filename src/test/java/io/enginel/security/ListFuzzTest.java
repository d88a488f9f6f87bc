package io.enginel.security;

import io.enginel.security.SecuritySupport.Raw;
import io.enginel.security.SecuritySupport.Tenant;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static io.enginel.security.SecuritySupport.assertError;
import static io.enginel.security.SecuritySupport.assertNoLeak;
import static io.enginel.security.SecuritySupport.dbFingerprint;
import static io.enginel.security.SecuritySupport.responseKeys;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated requests against the list endpoints and the design create: whatever the query string (known and
 * unknown parameter names, repeated parameters, values full of special characters, huge numbers, several
 * encodings, broken percent escapes) or the JSON body, the server never answers 5xx; a refused request (4xx)
 * is a JSON error that adds no response entry to Redis and writes nothing; a 200 carries {@code X-Cache} and
 * holds only the asking user's rows.
 */
class ListFuzzTest {
  static TestServer s;
  static Tenant mine;
  static Tenant theirs;
  static String viewer;
  static String editor;
  static Raw raw;
  static Connection db;

  static final List<String> LISTS = List.of("/api/organizations/", "/api/users/", "/api/series/", "/api/designs/",
      "/api/assembly-nodes/", "/api/analysis-jobs/", "/api/reviews/", "/api/markups/", "/api/audit-logs/",
      "/api/series/{series}/versions/", "/api/reviews/{review}/markups/", "/api/organizations/{org}/members/",
      "/api/designs", "/api/reviews/{review}/markups");

  static final List<String> KNOWN = List.of("page", "page_size", "ordering", "search", "upload_status", "file_format",
      "series", "organization", "uploaded_by", "created_after", "created_before", "design", "parent", "root",
      "part_number", "status", "job_type", "created_by", "reviewer", "review", "author", "slug", "username",
      "is_staff", "is_active", "action", "actor", "resource_type", "resource_id", "role");

  static final List<String> ORDERINGS = List.of("created_at", "updated_at", "filename", "file_size", "version", "name",
      "slug", "part_number", "position", "status", "title", "username", "id", "joined_at", "role", "date_joined",
      "password_hash", "1", "random()", "");

  @BeforeContainer
  static void start() throws SQLException {
    SeededServer.Seeded<Tenant[]> seeded = SeededServer.start(Map.of(), f -> new Tenant[] {
        Tenant.create(f, "Fuzz Mine"), Tenant.create(f, "Fuzz Theirs")});
    s = seeded.server();
    mine = seeded.data()[0];
    theirs = seeded.data()[1];
    viewer = s.login(mine.viewerName());
    editor = s.login(mine.editorName());
    raw = new Raw(s);
    db = s.db.jdbc();
  }

  @AfterContainer
  static void stop() throws SQLException {
    if (raw != null) {
      raw.close();
    }
    if (db != null) {
      db.close();
    }
    if (s != null) {
      s.close();
    }
  }

  // ------------------------------------------------------------------ query strings

  /** One generated parameter: its name and value before encoding, and how both are put on the wire. */
  record Param(String name, String value, Encoding encoding) {
    String wire() {
      return encoding.apply(name) + (value == null ? "" : "=" + encoding.apply(value));
    }
  }

  enum Encoding {
    /** {@code URLEncoder}: form encoding, spaces as {@code +}. */
    FORM,
    /** Every UTF-8 byte as {@code %XX}. */
    ALL_PERCENT,
    /** Form encoding applied twice. */
    DOUBLE,
    /** Form encoding with a broken escape appended ({@code %}, {@code %G1}, {@code %e6%97}). */
    BROKEN_ESCAPE,
    /** Only what cannot stand in a request line is escaped; {@code ' ; * ? [ ] , : /} and the like go as they are. */
    MINIMAL;

    String apply(String s) {
      return switch (this) {
        case FORM -> form(s);
        case ALL_PERCENT -> allPercent(s);
        case DOUBLE -> form(form(s));
        case BROKEN_ESCAPE -> form(s) + List.of("%", "%G1", "%e6%97", "%%", "%0").get(Math.abs(s.hashCode()) % 5);
        case MINIMAL -> minimal(s);
      };
    }

    static String form(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String allPercent(String s) {
      StringBuilder sb = new StringBuilder();
      for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
      return sb.toString();
    }

    static String minimal(String s) {
      StringBuilder sb = new StringBuilder();
      for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
        int c = b & 0xff;
        boolean plain = c > 0x20 && c < 0x7f && "#%&=+\"<>\\^`{|}".indexOf(c) < 0;
        if (plain) {
          sb.append((char) c);
        } else {
          sb.append('%').append(String.format("%02X", c));
        }
      }
      return sb.toString();
    }
  }

  @Provide
  Arbitrary<String> listPath() {
    return Arbitraries.of(LISTS).map(ListFuzzTest::fill);
  }

  @Provide
  Arbitrary<List<Param>> query() {
    Arbitrary<String> names = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.of(KNOWN)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("", "PAGE", "page[]", "page ", " page", "__proto__", "search\u0000",
            "ordering;", "page_size%", "\u65e5", "a=b", "a&b")));
    Arbitrary<Param> param = Combinators.combine(names, values(), Arbitraries.of(Encoding.class))
        .as(Param::new);
    return param.list().ofMaxSize(6);
  }

  Arbitrary<String> values() {
    List<String> ids = new ArrayList<>();
    for (Tenant t : List.of(mine, theirs)) {
      ids.addAll(t.ids());
      ids.addAll(t.userIds());
    }
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().all().ofMaxLength(30)),
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().withChars("'\";-*?[]\\%_\r\n\t\u0000 &=#/:,.()")
            .ofMaxLength(20)),
        net.jqwik.api.Tuple.of(2, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(),
            BigInteger.TEN.pow(30)).map(BigInteger::toString)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(-3, 120).map(String::valueOf)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(ids)),
        net.jqwik.api.Tuple.of(1, Arbitraries.create(() -> UUID.randomUUID().toString())),
        net.jqwik.api.Tuple.of(2, Arbitraries.of("PENDING", "COMPLETED", "step", "stl", "OPEN", "RUNNING",
            "MASS_PROPERTIES", "ADMIN", "CREATE", "DesignAsset", "true", "false", "1", "0", "yes", "True",
            "2024-01-01T00:00:00Z", "2024-13-45T99:00:00Z", "2024-01-01", "NaN", "Infinity", "-0", "0x10", "1e3",
            "' OR 1=1--", "'; DROP TABLE users;--", "*", "?", "[a-z]", "\r\n", "\u0000", "%00", "..%2F..%2F")),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(ORDERINGS).list().ofMinSize(1).ofMaxSize(3)
            .map(l -> String.join(",", l.stream().map(o -> (o.hashCode() % 2 == 0 ? "-" : "") + o).toList()))),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("x*").ofMinLength(190).ofMaxLength(300)));
  }

  @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED)
  void aGeneratedListQueryIsNever5xxAndARefusalCachesNothing(@ForAll("listPath") String path,
                                                               @ForAll("query") List<Param> params) {
    StringBuilder q = new StringBuilder();
    for (Param p : params) {
      q.append(q.length() == 0 ? '?' : '&').append(p.wire());
    }
    String url = path + q;
    Set<String> before = responseKeys(s);

    HttpResult r = raw.send(HttpMethod.GET, url, viewer, null, Map.of());

    assertThat(r.status()).as("GET %s → %s", url, r).isLessThan(500);
    // the generators must reach both sides: answers and refusals
    Statistics.label("list status").collect(r.status() == 200 ? "200" : "4xx");
    Statistics.label("list status").coverage(c -> {
      c.check("200").percentage(p -> p >= 15);
      c.check("4xx").percentage(p -> p >= 15);
    });
    if (r.status() >= 400) {
      assertError(r, r.status(), null, url);
      Set<String> added = new TreeSet<>(responseKeys(s));
      added.removeAll(before);
      assertThat(added).as("response entries added by the refused GET %s → %s", url, r).isEmpty();
    } else {
      assertThat(r.status()).as("GET %s → %s", url, r).isEqualTo(200);
      assertThat(r.xCache()).as("X-Cache of GET %s", url).isIn("HIT", "MISS");
      assertThat(r.header("ETag")).as("ETag of GET %s", url).isNotBlank();
      assertNoLeak(r, url);
      JsonObject page = r.json();
      assertThat(page.getLong("count")).isNotNull();
      JsonArray results = page.getJsonArray("results");
      Set<String> foreign = path.startsWith("/api/users") ? theirs.userIds() : theirs.ids();
      for (int i = 0; i < results.size(); i++) {
        JsonObject row = results.getJsonObject(i);
        assertThat(String.valueOf(row.getValue("id"))).as("a row of the other organization in %s", url)
            .isNotIn(foreign);
        if (row.containsKey("organization")) {
          assertThat(row.getString("organization")).as("organization of a row of %s", url)
              .isEqualTo(mine.org().toString());
        }
      }
    }
  }

  // ------------------------------------------------------------------ JSON bodies

  @Provide
  Arbitrary<String> designBody() {
    Arbitrary<Object> scalar = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().all().ofMaxLength(20).map(x -> (Object) x)),
        net.jqwik.api.Tuple.of(2, Arbitraries.longs().map(x -> (Object) x)),
        net.jqwik.api.Tuple.of(1, Arbitraries.doubles().map(x -> (Object) x)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(true, false).map(x -> (Object) x)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(null)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(mine.series().toString(), theirs.series().toString(),
            UUID.randomUUID().toString(), "step", "stl", "PENDING", "a.step", "../x", "", "\u0000").map(x -> (Object) x)),
        net.jqwik.api.Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(25), BigInteger.TEN.pow(26))
            .map(x -> (Object) x)));
    Arbitrary<Object> nested = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, scalar),
        net.jqwik.api.Tuple.of(1, scalar.list().ofMaxSize(3).map(l -> (Object) new JsonArray(new ArrayList<>(l)))),
        net.jqwik.api.Tuple.of(1, Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(5), scalar).ofMaxSize(3)
            .map(m -> (Object) new JsonObject(new java.util.LinkedHashMap<>(m)))));
    Arbitrary<String> keys = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.of("series", "filename", "file_format", "file_size", "description",
            "upload_status", "organization", "id", "version", "file_hash", "uploaded_by", "created_at")),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().all().ofMaxLength(8)));
    Arbitrary<String> objects = Arbitraries.maps(keys, nested).ofMaxSize(7)
        .map(m -> {
          JsonObject o = new JsonObject();
          m.forEach(o::put);
          return o.encode();
        });
    Arbitrary<String> valid = Combinators.combine(Arbitraries.of(mine.series().toString(), mine.series().toString(),
            mine.series().toString(), theirs.series().toString()),
        Arbitraries.strings().withChars("abc.-_ '\"*?").ofMinLength(1).ofMaxLength(12),
        Arbitraries.of("step", "iges", "stl", "obj", "STEP"), Arbitraries.longs().between(-1, Long.MAX_VALUE))
        .as((series, name, format, size) -> new JsonObject().put("series", series).put("filename", name)
            .put("file_format", format).put("file_size", size).encode());
    Arbitrary<String> junk = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, Arbitraries.strings().all().ofMaxLength(40)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("{", "}", "[]", "null", "1", "\"s\"", "{\"series\":}", "{\"a\":1}{",
            "{\"series\": \"" + mine.series() + "\", \"series\": 1}", "\uFEFF{}", "{\"x\": 1e999999}",
            "[" .repeat(5000), "{\"a\":" .repeat(2000))));
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, objects), net.jqwik.api.Tuple.of(5, valid),
        net.jqwik.api.Tuple.of(1, junk));
  }

  @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
  void aGeneratedDesignBodyIsNever5xx(@ForAll("designBody") String body) {
    String dbBefore = dbFingerprint(db);
    Set<String> before = responseKeys(s);

    HttpResult r = raw.send(HttpMethod.POST, "/api/designs/", editor, Buffer.buffer(body),
        Map.of("Content-Type", "application/json"));

    assertThat(r.status()).as("POST %s → %s", body, r).isLessThan(500);
    Statistics.label("create status").collect(r.status() == 201 ? "201" : "4xx");
    Statistics.label("create status").coverage(c -> {
      // about 16 % of the bodies are accepted (15-19 % in three runs), yet a CI run drew 14 of 150 and failed a
      // bound of 10 %; 5 % still proves that the generator reaches a created design
      c.check("201").percentage(p -> p >= 5);
      c.check("4xx").percentage(p -> p >= 30);
    });
    if (r.status() == 201) {
      JsonObject row = r.json();
      assertThat(row.getString("organization")).as("a design created from %s", body).isEqualTo(mine.org().toString());
      assertThat(row.getString("series")).isEqualTo(mine.series().toString());
      assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE id = ?::uuid", row.getString("id")))
          .isEqualTo(1);
    } else {
      assertError(r, r.status(), null, body);
      assertThat(dbFingerprint(db)).as("the database after the refused POST %s → %s", body, r).isEqualTo(dbBefore);
      Set<String> after = responseKeys(s);
      assertThat(after).as("the cache after the refused POST %s → %s", body, r).isEqualTo(before);
    }
  }

  static String fill(String template) {
    return template.replace("{org}", mine.org().toString()).replace("{series}", mine.series().toString())
        .replace("{review}", mine.review().toString());
  }
}
