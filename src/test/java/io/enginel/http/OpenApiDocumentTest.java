package io.enginel.http;

import io.enginel.domain.Field;
import io.enginel.domain.Resource;
import io.enginel.domain.Resources;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.openapi.contract.OpenAPIContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * {@code /openapi.json}: served unauthenticated, once built always the same bytes with an ETag; a valid OpenAPI 3.1
 * contract; describing exactly the routes the router serves; its resource schemas derived from the declarations.
 * That the server's real answers match it is {@link OpenApiConformanceTest}.
 */
class OpenApiDocumentTest {
  static TestServer s;
  static JsonObject doc;

  @BeforeAll
  static void start() {
    s = TestServer.start();
    doc = s.get("/openapi.json", null).json();
    // OpenAPIContract.from resolves references in the object it is given: each use below takes a copy
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void theDocumentIsServedWithoutATokenAsOpenApiJsonWithAnETag() {
    HttpResult r = s.get("/openapi.json", null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("application/vnd.oai.openapi+json;version=3.1");
    assertThat(r.header("ETag")).matches("\"[A-Za-z0-9_-]{22}\"");
    assertThat(r.json().getString("openapi")).isEqualTo("3.1.0");
    HttpResult again = s.get("/openapi.json/", null);
    assertThat(again.body()).isEqualTo(r.body());
    assertThat(again.header("ETag")).isEqualTo(r.header("ETag"));

    HttpResult unchanged = s.get("/openapi.json", null, Map.of("If-None-Match", r.header("ETag")));
    assertThat(unchanged.status()).isEqualTo(304);
    assertThat(unchanged.body() == null || unchanged.body().length() == 0).isTrue();
    assertThat(s.get("/openapi.json", null, Map.of("If-None-Match", "\"other\"")).status()).isEqualTo(200);
  }

  @Test
  void theDocumentIsAValidOpenApi31Contract() {
    assertThatCode(() -> TestServer.await(OpenAPIContract.from(s.vertx, doc.copy()))).doesNotThrowAnyException();
  }

  @Test
  void aBrokenDocumentIsRefusedByTheContractCheck() {
    JsonObject broken = doc.copy();
    broken.getJsonObject("paths").getJsonObject("/api/designs").getJsonObject("get").put("responses", "none");

    assertThatCode(() -> TestServer.await(OpenAPIContract.from(s.vertx, broken))).isInstanceOf(RuntimeException.class);
  }

  // ------------------------------------------------------------------ the document and the router

  @Test
  void everyRouteIsDescribedAndEveryDescribedOperationIsRouted() {
    Set<String> routed = routed(s.server.routes());
    Set<String> described = described(doc);

    assertThat(routed).as("routes").isNotEmpty();
    assertThat(undescribed(s.server.routes(), doc)).as("routes the document lacks").isEmpty();
    assertThat(described).as("operations the router lacks").isSubsetOf(routed);
  }

  @Test
  void aRouteTheDocumentLacksIsFound() {
    Router router = Router.router(s.vertx);
    router.route("/api/*").handler(ctx -> ctx.next()); // a handler in front of others is not an endpoint
    router.get("/api/designs/:id").handler(ctx -> ctx.end());
    router.post("/api/designs/:design/comments").handler(ctx -> ctx.end());

    assertThat(undescribed(router.getRoutes(), doc)).containsExactly("POST /api/designs/{}/comments");
  }

  /**
   * {@code METHOD /path} of every route with an exact path, those of a mounted resource router under its mount path;
   * handlers ahead of others ({@code /api/*}) are not endpoints.
   */
  static Set<String> routed(List<Route> routes) {
    return routed(routes, "");
  }

  private static Set<String> routed(List<Route> routes, String mountedAt) {
    Set<String> out = new TreeSet<>();
    for (Route r : routes) {
      if (r.getSubRouter() != null) {
        String mount = r.getPath().endsWith("/") ? r.getPath().substring(0, r.getPath().length() - 1) : r.getPath();
        out.addAll(routed(r.getSubRouter().getRoutes(), mountedAt + mount));
        continue;
      }
      if (r.getPath() == null || !r.isExactPath()) {
        continue;
      }
      String relative = r.getPath().equals("/") && !mountedAt.isEmpty() ? "" : r.getPath();
      String path = (mountedAt + relative).replaceAll(":[A-Za-z0-9_]+", "{}");
      Set<HttpMethod> methods = r.methods() == null || r.methods().isEmpty() ? Set.of(HttpMethod.GET) : r.methods();
      methods.forEach(m -> out.add(m.name() + " " + path));
    }
    return out;
  }

  static Set<String> described(JsonObject document) {
    Set<String> out = new TreeSet<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (!method.equals("parameters")) {
          out.add(method.toUpperCase() + " " + path.replaceAll("\\{[A-Za-z0-9_]+}", "{}"));
        }
      }
    }
    return out;
  }

  static Set<String> undescribed(List<Route> routes, JsonObject document) {
    Set<String> missing = new TreeSet<>(routed(routes));
    missing.removeAll(described(document));
    return missing;
  }

  // ------------------------------------------------------------------ derived from the declarations

  @Test
  void everyResourceFieldIsInItsSchemasWithTheDeclaredConstraints() {
    JsonObject schemas = doc.getJsonObject("components").getJsonObject("schemas");
    for (Resource r : Resources.BY_NAME.values()) {
      String model = r.entity().model();
      JsonObject read = schemas.getJsonObject(model);
      assertThat(read.getJsonObject("properties").fieldNames()).as(model)
          .containsExactlyElementsOf(r.readableFields().stream().map(Field::name).toList());
      assertThat(read.getJsonArray("required").getList()).as(model)
          .containsExactlyElementsOf(r.readableFields().stream().map(Field::name).toList());
      if (!r.writable()) {
        assertThat(schemas.containsKey(model + "Create")).as(model + " is read only").isFalse();
        continue;
      }
      JsonObject create = schemas.getJsonObject(model + "Create");
      assertThat(create.getJsonArray("required", new JsonArray()).getList()).as(model + "Create")
          .containsExactlyElementsOf(r.fields().stream().filter(f -> f.required() && f.creatable()).map(Field::name)
              .toList());
      for (Field f : r.fields()) {
        if (!f.creatable()) {
          continue;
        }
        JsonObject p = create.getJsonObject("properties").getJsonObject(f.name());
        if (f.maxLength() != Integer.MAX_VALUE) {
          assertThat(p.getInteger("maxLength")).as(model + "." + f.name()).isEqualTo(f.maxLength());
        }
        if (f.choices() != null) {
          assertThat(p.getJsonArray("enum").getList()).as(model + "." + f.name()).containsAll(f.choices());
        }
        if (f.pattern() != null) {
          assertThat(p.getString("pattern")).as(model + "." + f.name()).contains(f.pattern().pattern());
        }
        if (f.min() != null) {
          assertThat(p.getLong("minimum")).as(model + "." + f.name()).isEqualTo(f.min());
        }
        if (f.nullable()) {
          assertThat(p.encode()).as(model + "." + f.name()).contains("\"null\"");
        }
      }
      JsonObject patch = schemas.getJsonObject(model + "Patch");
      assertThat(patch.containsKey("required")).as(model + "Patch requires nothing").isFalse();
    }
  }

  @Test
  void everyListDescribesTheResourcesFiltersSearchOrderingsAndPage() {
    for (Resource r : Resources.BY_NAME.values()) {
      if (r == Resources.MEMBERS) {
        continue;
      }
      JsonArray params = doc.getJsonObject("paths").getJsonObject("/api/" + r.name()).getJsonObject("get")
          .getJsonArray("parameters");
      Set<String> names = new TreeSet<>();
      params.forEach(p -> names.add(((JsonObject) p).getString("name")));
      assertThat(names).as(r.name()).containsAll(r.filters().keySet())
          .contains("search", "ordering", "page", "page_size");
      JsonObject ordering = params.stream().map(p -> (JsonObject) p).filter(p -> p.getString("name").equals("ordering"))
          .findFirst().orElseThrow();
      assertThat(ordering.getJsonObject("schema").getString("default")).isEqualTo(r.defaultOrdering());
      r.orderings().keySet().forEach(o -> assertThat(ordering.getString("description")).contains(o));
    }
  }

  @Test
  void theFieldsThatMayReadAsNullAreDeclaredFieldsTheServerSets() {
    for (Resource r : Resources.BY_NAME.values()) {
      for (Field f : r.fields()) {
        if (f.readsNull()) {
          assertThat(f.access()).as(r.name() + "." + f.name()).isEqualTo(Field.Access.READ);
        }
      }
    }
  }
}
