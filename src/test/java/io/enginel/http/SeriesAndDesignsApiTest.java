package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.enginel.http.ApiTestSupport.assertError;
import static io.enginel.http.ApiTestSupport.assertInvalidField;
import static io.enginel.http.ApiTestSupport.createDesign;
import static io.enginel.http.ApiTestSupport.createSeries;
import static io.enginel.http.ApiTestSupport.ids;
import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/** Design series (part numbers), their versions, and design assets, through the HTTP API. */
class SeriesAndDesignsApiTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static List<Integer> versions(HttpResult r) {
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    List<Integer> out = new ArrayList<>();
    r.results().forEach(o -> out.add(((JsonObject) o).getInteger("version")));
    return out;
  }

  // ------------------------------------------------------------------ series

  @Test
  void createSeriesAnswers201WithLocation() {
    Team t = team(s, "Series Create");
    HttpResult r = s.post("/api/series", t.editor(), new JsonObject().put("organization", t.org().toString())
        .put("part_number", "PN-00042").put("name", "Bracket"));

    assertThat(r.status()).isEqualTo(201);
    JsonObject series = r.json();
    assertThat(r.header("Location")).isEqualTo("/api/series/" + series.getString("id") + "/");
    assertThat(series.getString("organization")).isEqualTo(t.org().toString());
    assertThat(series.getString("part_number")).isEqualTo("PN-00042");
    assertThat(series.getString("name")).isEqualTo("Bracket");
    assertThat(series.getString("description")).isEmpty();
    assertThat(series.getLong("created_by")).isEqualTo(t.editorId());
    assertThat(series.getInteger("version_count")).isZero();
    assertThat(series.getValue("latest_version")).isNull();
    assertThat(s.get(r.header("Location"), t.viewer()).json()).isEqualTo(series);
  }

  @Test
  void aPartNumberOutsideThePatternIs400() {
    Team t = team(s, "Series Pattern");
    assertInvalidField(s.post("/api/series", t.editor(), new JsonObject().put("organization", t.org().toString())
        .put("part_number", "-bad part")), "part_number");
  }

  @Test
  void aDuplicatePartNumberInTheOrganizationIs409() {
    Team t = team(s, "Series Duplicate");
    createSeries(s, t.editor(), t.org(), "PN-DUP");
    JsonObject body = assertError(s.post("/api/series", t.editor(), new JsonObject()
        .put("organization", t.org().toString()).put("part_number", "PN-DUP")), 409, "conflict");
    assertThat(body.getJsonObject("details").getString("field")).isEqualTo("part_number");
  }

  @Test
  void seriesListShowsTheOrganizationsSeriesByPartNumber() {
    Team t = team(s, "Series List");
    String b = createSeries(s, t.editor(), t.org(), "PN-B").getString("id");
    String a = createSeries(s, t.editor(), t.org(), "PN-A").getString("id");

    HttpResult r = s.get("/api/series/", t.viewer());

    assertThat(r.json().getLong("count")).isEqualTo(2);
    assertThat(ids(r)).containsExactly(a, b);
    assertThat(ids(s.get("/api/series?ordering=-part_number", t.viewer()))).containsExactly(b, a);
  }

  @Test
  void patchAndPutChangeASeries() {
    Team t = team(s, "Series Update");
    String id = createSeries(s, t.editor(), t.org(), "PN-UPD").getString("id");

    HttpResult patch = s.patch("/api/series/" + id + "/", t.editor(), new JsonObject().put("description", "new text"));
    assertThat(patch.status()).isEqualTo(200);
    assertThat(patch.json().getString("description")).isEqualTo("new text");
    assertThat(patch.json().getString("part_number")).isEqualTo("PN-UPD");

    HttpResult put = s.put("/api/series/" + id, t.editor(), new JsonObject().put("part_number", "PN-UPD-2")
        .put("name", "Renamed").put("description", ""));
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json().getString("part_number")).isEqualTo("PN-UPD-2");
    assertThat(s.get("/api/series/" + id, t.viewer()).json().getString("name")).isEqualTo("Renamed");
  }

  @Test
  void putOfASeriesWithoutItsPartNumberIs400() {
    Team t = team(s, "Series Put Missing");
    String id = createSeries(s, t.editor(), t.org(), "PN-PUT").getString("id");
    assertInvalidField(s.put("/api/series/" + id, t.editor(), new JsonObject().put("name", "x")), "part_number");
  }

  @Test
  void deletingASeriesDeletesItsDesigns() {
    Team t = team(s, "Series Delete");
    String id = createSeries(s, t.editor(), t.org(), "PN-DEL").getString("id");
    String design = createDesign(s, t.editor(), id, "gone.step", 10).getString("id");
    assertThat(s.get("/api/designs/" + design, t.viewer()).status()).isEqualTo(200);

    assertThat(s.delete("/api/series/" + id + "/", t.editor()).status()).isEqualTo(204);

    assertError(s.get("/api/series/" + id, t.viewer()), 404, "not_found");
    assertError(s.get("/api/designs/" + design, t.viewer()), 404, "not_found");
  }

  // ------------------------------------------------------------------ versions

  @Test
  void designVersionsAreNumberedPerSeries() {
    Team t = team(s, "Versions Numbering");
    String first = createSeries(s, t.editor(), t.org(), "PN-V1").getString("id");
    String second = createSeries(s, t.editor(), t.org(), "PN-V2").getString("id");

    assertThat(createDesign(s, t.editor(), first, "a1.step", 1).getInteger("version")).isEqualTo(1);
    assertThat(createDesign(s, t.editor(), first, "a2.step", 1).getInteger("version")).isEqualTo(2);
    assertThat(createDesign(s, t.editor(), second, "b1.step", 1).getInteger("version")).isEqualTo(1);
    assertThat(createDesign(s, t.editor(), first, "a3.step", 1).getInteger("version")).isEqualTo(3);

    JsonObject series = s.get("/api/series/" + first, t.viewer()).json();
    assertThat(series.getInteger("version_count")).isEqualTo(3);
    assertThat(series.getInteger("latest_version")).isEqualTo(3);
  }

  @Test
  void aVersionGivenByTheClientIsIgnored() {
    Team t = team(s, "Versions Ignored");
    String series = createSeries(s, t.editor(), t.org(), "PN-VI").getString("id");
    HttpResult r = s.post("/api/designs", t.editor(), new JsonObject().put("series", series).put("filename", "x.step")
        .put("file_format", "step").put("version", 99));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getInteger("version")).isEqualTo(1);
  }

  @Test
  void versionsAreListedNewestFirst() {
    Team t = team(s, "Versions List");
    String series = createSeries(s, t.editor(), t.org(), "PN-VL").getString("id");
    String other = createSeries(s, t.editor(), t.org(), "PN-VL-OTHER").getString("id");
    for (int i = 1; i <= 3; i++) {
      createDesign(s, t.editor(), series, "v" + i + ".step", i);
    }
    createDesign(s, t.editor(), other, "other.step", 1);

    HttpResult r = s.get("/api/series/" + series + "/versions/", t.viewer());

    assertThat(r.json().getLong("count")).isEqualTo(3);
    assertThat(versions(r)).containsExactly(3, 2, 1);
    assertThat(r.results().getJsonObject(0).getString("filename")).isEqualTo("v3.step");
    assertThat(r.results().getJsonObject(0).getString("series")).isEqualTo(series);
  }

  @Test
  void versionsFollowANewDesignAtOnce() {
    Team t = team(s, "Versions Fresh");
    String series = createSeries(s, t.editor(), t.org(), "PN-VF").getString("id");
    createDesign(s, t.editor(), series, "v1.step", 1);
    assertThat(versions(s.get("/api/series/" + series + "/versions", t.viewer()))).containsExactly(1);

    createDesign(s, t.editor(), series, "v2.step", 1);

    assertThat(versions(s.get("/api/series/" + series + "/versions", t.viewer()))).containsExactly(2, 1);
  }

  @Test
  void versionsOfAnUnknownSeriesAre404() {
    Team t = team(s, "Versions Unknown");
    assertError(s.get("/api/series/" + java.util.UUID.randomUUID() + "/versions", t.viewer()), 404, "not_found");
  }

  // ------------------------------------------------------------------ designs

  @Test
  void createDesignAnswers201WithTheFullRepresentation() {
    Team t = team(s, "Design Create");
    String series = createSeries(s, t.editor(), t.org(), "PN-DC").getString("id");
    HttpResult r = s.post("/api/designs/", t.editor(), new JsonObject().put("series", series)
        .put("filename", "bracket.step").put("file_format", "iges").put("file_size", 123456)
        .put("description", "an aluminium bracket"));

    assertThat(r.status()).isEqualTo(201);
    JsonObject d = r.json();
    assertThat(r.header("Location")).isEqualTo("/api/designs/" + d.getString("id") + "/");
    assertThat(d.getString("series")).isEqualTo(series);
    assertThat(d.getString("part_number")).isEqualTo("PN-DC");
    assertThat(d.getString("organization")).isEqualTo(t.org().toString());
    assertThat(d.getInteger("version")).isEqualTo(1);
    assertThat(d.getString("filename")).isEqualTo("bracket.step");
    assertThat(d.getString("file_format")).isEqualTo("iges");
    assertThat(d.getLong("file_size")).isEqualTo(123456);
    assertThat(d.getString("upload_status")).isEqualTo("PENDING");
    assertThat(d.getLong("uploaded_by")).isEqualTo(t.editorId());
    assertThat(d.getString("description")).isEqualTo("an aluminium bracket");
    assertThat(d.getString("created_at")).isNotBlank();
    assertThat(d.getString("updated_at")).isNotBlank();
    assertThat(s.get(r.header("Location"), t.viewer()).json()).isEqualTo(d);
  }

  @Test
  void fileFormatMustBeOneOfTheChoices() {
    Team t = team(s, "Design Format");
    String series = createSeries(s, t.editor(), t.org(), "PN-FF").getString("id");
    for (String format : List.of("step", "iges", "stl", "obj")) {
      assertThat(s.post("/api/designs", t.editor(), new JsonObject().put("series", series).put("filename", "f." + format)
          .put("file_format", format)).status()).as(format).isEqualTo(201);
    }
    JsonObject body = assertInvalidField(s.post("/api/designs", t.editor(), new JsonObject().put("series", series)
        .put("filename", "f.dwg").put("file_format", "dwg")), "file_format");
    assertThat(body.getString("message")).contains("step");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE series_id = ?::uuid", series))
        .isEqualTo(4);
  }

  @Test
  void uploadStatusMustBeOneOfTheChoices() {
    Team t = team(s, "Design Status");
    String series = createSeries(s, t.editor(), t.org(), "PN-US").getString("id");
    String design = createDesign(s, t.editor(), series, "s.step", 1).getString("id");

    for (String status : List.of("PROCESSING", "COMPLETED", "FAILED", "PENDING")) {
      HttpResult r = s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("upload_status", status));
      assertThat(r.status()).as(status).isEqualTo(200);
      assertThat(r.json().getString("upload_status")).isEqualTo(status);
    }
    assertInvalidField(s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("upload_status", "DONE")),
        "upload_status");
    assertThat(s.get("/api/designs/" + design, t.viewer()).json().getString("upload_status")).isEqualTo("PENDING");
  }

  @Test
  void patchOfADesignIsSeenByTheNextRead() {
    Team t = team(s, "Design Patch");
    String series = createSeries(s, t.editor(), t.org(), "PN-DP").getString("id");
    String design = createDesign(s, t.editor(), series, "p.step", 1).getString("id");
    assertThat(s.get("/api/designs/" + design, t.viewer()).json().getString("description")).isEmpty();

    HttpResult r = s.patch("/api/designs/" + design + "/", t.editor(), new JsonObject().put("description", "revised"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("description")).isEqualTo("revised");
    assertThat(r.json().getString("filename")).isEqualTo("p.step");
    assertThat(s.get("/api/designs/" + design, t.viewer()).json().getString("description")).isEqualTo("revised");
  }

  @Test
  void theSeriesOfADesignCannotBeChanged() {
    Team t = team(s, "Design Series Fixed");
    String series = createSeries(s, t.editor(), t.org(), "PN-SF1").getString("id");
    String other = createSeries(s, t.editor(), t.org(), "PN-SF2").getString("id");
    String design = createDesign(s, t.editor(), series, "f.step", 1).getString("id");

    HttpResult r = s.patch("/api/designs/" + design, t.editor(), new JsonObject().put("series", other));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("series")).isEqualTo(series);
    assertThat(s.fixtures.queryString("SELECT series_id::text FROM design_assets WHERE id = ?::uuid", design))
        .isEqualTo(series);
  }

  @Test
  void putOfADesignNeedsItsRequiredFields() {
    Team t = team(s, "Design Put");
    String series = createSeries(s, t.editor(), t.org(), "PN-DPUT").getString("id");
    String design = createDesign(s, t.editor(), series, "put.step", 1).getString("id");

    assertInvalidField(s.put("/api/designs/" + design, t.editor(), new JsonObject().put("filename", "x.step")),
        "file_format");
    HttpResult r = s.put("/api/designs/" + design, t.editor(), new JsonObject().put("filename", "put2.obj")
        .put("file_format", "obj").put("file_size", 5).put("upload_status", "COMPLETED").put("description", "d"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("filename")).isEqualTo("put2.obj");
    assertThat(r.json().getString("file_format")).isEqualTo("obj");
    assertThat(r.json().getString("upload_status")).isEqualTo("COMPLETED");
  }

  @Test
  void deleteOfADesignAnswers204() {
    Team t = team(s, "Design Delete");
    String series = createSeries(s, t.editor(), t.org(), "PN-DD").getString("id");
    String design = createDesign(s, t.editor(), series, "d.step", 1).getString("id");
    assertThat(s.get("/api/designs/" + design, t.viewer()).status()).isEqualTo(200);

    HttpResult r = s.delete("/api/designs/" + design, t.editor());

    assertThat(r.status()).isEqualTo(204);
    assertError(s.get("/api/designs/" + design, t.viewer()), 404, "not_found");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_assets WHERE id = ?::uuid", design)).isZero();
  }

  @Test
  void designListFiltersBySeriesStatusAndFormat() {
    Team t = team(s, "Design Filters");
    String series = createSeries(s, t.editor(), t.org(), "PN-FL").getString("id");
    String other = createSeries(s, t.editor(), t.org(), "PN-FL2").getString("id");
    String stl = s.post("/api/designs", t.editor(), new JsonObject().put("series", series).put("filename", "m.stl")
        .put("file_format", "stl").put("upload_status", "COMPLETED")).json().getString("id");
    String step = createDesign(s, t.editor(), series, "m.step", 1).getString("id");
    String elsewhere = createDesign(s, t.editor(), other, "o.step", 1).getString("id");

    assertThat(ids(s.get("/api/designs?series=" + series + "&ordering=filename", t.viewer())))
        .containsExactly(step, stl);
    assertThat(ids(s.get("/api/designs?upload_status=COMPLETED", t.viewer()))).containsExactly(stl);
    assertThat(ids(s.get("/api/designs?file_format=step&ordering=filename", t.viewer())))
        .containsExactly(step, elsewhere);
    assertThat(ids(s.get("/api/designs?search=PN-FL2", t.viewer()))).containsExactly(elsewhere);
  }

  @Test
  void designListPagesFollowTheNextLinks() {
    Team t = team(s, "Design Pages");
    String series = createSeries(s, t.editor(), t.org(), "PN-PG").getString("id");
    for (int i = 0; i < 5; i++) {
      createDesign(s, t.editor(), series, "p" + i + ".step", i);
    }
    List<String> seen = new ArrayList<>();
    String next = "/api/designs/?ordering=filename&page_size=2";
    int pages = 0;
    while (next != null) {
      HttpResult r = s.get(next, t.viewer());
      assertThat(r.json().getLong("count")).isEqualTo(5);
      seen.addAll(ids(r));
      next = r.json().getString("next");
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(5).doesNotHaveDuplicates();
    JsonArray last = s.get("/api/designs/?ordering=filename&page_size=2&page=3", t.viewer()).results();
    assertThat(last.getJsonObject(0).getString("filename")).isEqualTo("p4.step");
  }
}
