package io.enginel.http;

import io.enginel.http.ApiTestSupport.Team;
import io.enginel.support.TestServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.enginel.http.ApiTestSupport.team;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that speak HTTP/2 over cleartext (Java's HttpClient upgrades by default; curl --http2-prior-knowledge)
 * get the same API: with HTTP/2 a request's body is read before the routes run, and authenticating a first-seen
 * token must not try to pause it (that once answered 500 to every such write).
 */
class Http2ApiTest {
  static TestServer s;
  static Team t;
  static WebClient h2;

  @BeforeAll
  static void start() {
    s = TestServer.start(ApiTestSupport.MANY_LOGINS);
    t = team(s, "H2");
    h2 = WebClient.create(s.vertx, new WebClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(s.config.http().port()));
  }

  @AfterAll
  static void stop() {
    h2.close();
    s.close();
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String path, String token, JsonObject body) {
    HttpRequest<Buffer> r = h2.request(method, path);
    if (token != null) {
      r.bearerTokenAuthentication(token);
    }
    return TestServer.await(body == null ? r.send() : r.sendJsonObject(body));
  }

  @Test
  void aWriteWithAFirstSeenTokenOverHttp2IsCreatedNot500() {
    // a fresh login: the token is not yet in the node's principal cache, so it is looked up before the route runs
    HttpResponse<Buffer> login = send(HttpMethod.POST, "/api/auth/login", null, new JsonObject()
        .put("username", t.editorName()).put("password", io.enginel.support.Fixtures.passwordOf(t.editorName())));
    assertThat(login.version()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
    String token = login.bodyAsJsonObject().getString("token");

    HttpResponse<Buffer> created = send(HttpMethod.POST, "/api/series", token, new JsonObject()
        .put("organization", t.org().toString()).put("part_number", "PN-H2").put("name", "over h2"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> read = send(HttpMethod.GET, "/api/series/" + id, token, null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject().getString("name")).isEqualTo("over h2");
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM design_series WHERE part_number = 'PN-H2'")).isEqualTo(1);
  }
}
