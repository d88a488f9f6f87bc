package io.enginel.security;

import io.enginel.support.CapturedLogs;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bearer tokens: random, at least 128 bits, and never written to the log — not on login, use, refusal or
 * logout, not even with Enginel's loggers at DEBUG (where every cache key is logged). Every answer carries a
 * request id, the client's own when it sends a sane one.
 */
class TokensNeverLoggedTest {
  static TestServer s;
  static UUID design;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("auth.loginAttemptsPerMinute", 1000), f -> {
      UUID org = f.organization("Secrets");
      f.member(org, f.user("alice"), "EDITOR");
      design = f.design(f.series(org, "PN-SEC"), "secret.stl", "initial");
      return null;
    }).server();
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void tokensAreRandomAndAtLeast128Bits() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      String token = s.login("alice");
      assertThat(Base64.getUrlDecoder().decode(token).length * 8).isGreaterThanOrEqualTo(128);
      assertThat(seen.add(token)).as("a new token at each login").isTrue();
    }
  }

  @Test
  void noTokenAppearsInTheLogEvenAtDebug() {
    List<String> lines;
    String token;
    try (CapturedLogs logs = CapturedLogs.startDebug()) {
      token = s.login("alice");
      String detail = "/api/designs/" + design;
      assertThat(s.get("/api/users/me", token).status()).isEqualTo(200);
      assertThat(s.get(detail, token).status()).isEqualTo(200);
      assertThat(s.get(detail, token).xCache()).isEqualTo("HIT");
      assertThat(s.patch(detail, token, new JsonObject().put("description", "changed")).status()).isEqualTo(200);
      String altered = (token.charAt(0) == 'A' ? "B" : "A") + token.substring(1);
      assertThat(s.get(detail, altered).status()).isEqualTo(401);
      assertThat(s.get(detail, token + "x").status()).isEqualTo(401);
      assertThat(s.post("/api/auth/logout", token, null).status()).isEqualTo(204);
      assertThat(s.get(detail, token).status()).isEqualTo(401);
      lines = logs.lines();
    }
    assertThat(lines).as("the capture saw the requests' debug lines").anyMatch(l -> l.contains("cache hit"));
    assertThat(lines).noneMatch(l -> l.contains(token.substring(0, 16)));
  }

  @Test
  void everyAnswerCarriesARequestIdAndASaneOneFromTheClientIsKept() {
    HttpResult own = s.get("/api/designs/" + UUID.randomUUID(), s.login("alice"), Map.of("X-Request-Id", "trace-abc.123"));
    assertThat(own.status()).isEqualTo(404);
    assertThat(own.header("X-Request-Id")).isEqualTo("trace-abc.123");
    assertThat(own.json().getString("request_id")).isEqualTo("trace-abc.123");
    HttpResult insane = s.get("/api/designs/" + UUID.randomUUID(), null, Map.of("X-Request-Id", "a b<script>"));
    assertThat(insane.header("X-Request-Id")).as("replaced by one of the node's own").isNotBlank()
        .doesNotContain(" ").doesNotContain("<");
  }
}
