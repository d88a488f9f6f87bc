package io.enginel.http;

import io.enginel.config.Tier;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading designs over HTTP: the list shape, the cache headers, visibility. */
class DesignReadsTest {
  static TestServer s;
  static UUID orgA;
  static UUID orgB;
  static UUID designA;
  static UUID designB;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() {
    s = TestServer.start();
    orgA = s.fixtures.organization("Org A");
    orgB = s.fixtures.organization("Org B");
    s.fixtures.member(orgA, s.fixtures.user("alice"), "EDITOR");
    s.fixtures.member(orgB, s.fixtures.user("bob"), "EDITOR");
    UUID seriesA = s.fixtures.series(orgA, "PN-A1");
    UUID seriesB = s.fixtures.series(orgB, "PN-B1");
    designA = s.fixtures.design(seriesA, "bracket.step", "an aluminium bracket");
    s.fixtures.design(seriesA, "bracket-v2.step", "a lighter bracket");
    designB = s.fixtures.design(seriesB, "housing.step", "a cast housing");
    alice = s.login("alice");
    bob = s.login("bob");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void listAnswersTheDjangoRestFrameworkPageShape() {
    HttpResult r = s.get("/api/designs/?page_size=1&ordering=filename", alice);
    assertThat(r.status()).isEqualTo(200);
    JsonObject page = r.json();
    assertThat(page.getLong("count")).isEqualTo(2);
    assertThat(page.getString("next")).isEqualTo("/api/designs/?ordering=filename&page=2&page_size=1");
    assertThat(page.getValue("previous")).isNull();
    assertThat(r.results()).hasSize(1);
    assertThat(r.results().getJsonObject(0).getString("filename")).isEqualTo("bracket-v2.step");
    assertThat(r.results().getJsonObject(0).getString("part_number")).isEqualTo("PN-A1");
  }

  @Test
  void listIsServedFromCacheAfterFirstMiss() {
    HttpResult first = s.get("/api/designs?upload_status=PENDING&ordering=-created_at", alice);
    HttpResult second = s.get("/api/designs/?ordering=-created_at&upload_status=PENDING", alice);
    assertThat(first.header("Cache-Status")).startsWith("enginel; fwd=miss; stored; ttl=");
    assertThat(second.xCache()).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("ETag")).isEqualTo(first.header("ETag"));
  }

  /**
   * A search page merged from kept matches costs less to build again than to store, so its first ask is answered
   * without storing it (only the matches are kept); its second ask stores it and the third is a hit, the same
   * bytes and ETag each time.
   */
  @Test
  void aSearchPageIsStoredFromItsSecondAskAndServedFromTheThird() {
    String search = "bracket";
    HttpResult first = s.get("/api/designs?search=" + search + "&ordering=-created_at", alice);
    assertThat(first.json().getLong("count")).isEqualTo(2);
    assertThat(first.header("Cache-Status")).isEqualTo("enginel; fwd=miss; detail=first-ask");
    assertThat(s.redisKeys(Tier.DEFAULT, "design:list:*search=" + search + "*")).isEmpty();
    assertThat(s.redisKeys(Tier.DEFAULT, "design:matches:*search=" + search)).isNotEmpty();

    HttpResult second = s.get("/api/designs/?ordering=-created_at&search=" + search, alice);
    assertThat(second.header("Cache-Status")).startsWith("enginel; fwd=miss; stored; ttl=");
    assertThat(s.redisKeys(Tier.DEFAULT, "design:list:*search=" + search + "*")).hasSize(1);
    HttpResult third = s.get("/api/designs/?search=" + search, alice);
    assertThat(third.xCache()).isEqualTo("HIT");
    for (HttpResult r : List.of(second, third)) {
      assertThat(r.body()).isEqualTo(first.body());
      assertThat(r.header("ETag")).isEqualTo(first.header("ETag"));
    }
  }

  @Test
  void aTargetWhoseParametersAreNotItsQueryStringLeavesThatStringsAnswerAlone() throws Exception {
    String query = "ordering=filename&page=2&page_size=1";
    try (Socket socket = new Socket("127.0.0.1", s.config.http().port())) { // one connection: one event loop
      socket.setSoTimeout(10_000);
      // the parameters decoder stops at the '#', so this asks for the first page of the default query ...
      String odd = exchange(socket, "http://x#y/api/designs/?" + query);
      assertThat(odd).startsWith("HTTP/1.1 ");
      // ... which must not become the answer to the same query string asked for plainly
      JsonObject page = new JsonObject(exchange(socket, "/api/designs/?" + query).split("\r\n\r\n", 2)[1]);
      assertThat(page.getLong("count")).isEqualTo(2);
      assertThat(page.getJsonArray("results")).hasSize(1);
      assertThat(page.getJsonArray("results").getJsonObject(0).getString("filename")).isEqualTo("bracket.step");
      assertThat(page.getString("previous")).isEqualTo("/api/designs/?ordering=filename&page=1&page_size=1");
    }
  }

  /** One GET on a kept-alive connection: the answer's head and body as text. */
  private static String exchange(Socket socket, String target) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + alice + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IllegalStateException("connection closed after " + head);
      }
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(headers);
    byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
    return headers + new String(body, StandardCharsets.UTF_8);
  }

  @Test
  void aDesignOfAnotherOrganizationIsNotFound() {
    assertThat(s.get("/api/designs/" + designA, bob).status()).isEqualTo(404);
    assertThat(s.get("/api/designs/" + designA, alice).status()).isEqualTo(200);
    // the entry is cached now: still a 404 for bob, from the cache
    HttpResult again = s.get("/api/designs/" + designA + "/", bob);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.body().toString()).doesNotContain("bracket");
  }
}
