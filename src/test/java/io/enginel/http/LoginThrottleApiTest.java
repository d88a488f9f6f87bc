package io.enginel.http;

import io.enginel.support.Fixtures;
import io.enginel.support.HttpResult;
import io.enginel.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.enginel.http.ApiTestSupport.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Login attempts are throttled: with {@code auth.loginAttemptsPerMinute = 3}, the fourth attempt within a
 * minute answers 429 with {@code Retry-After}, whether its password is right or not. (One test: the window
 * counts per client address too, and every request of this class comes from 127.0.0.1.)
 */
class LoginThrottleApiTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = TestServer.start(Map.of("auth.loginAttemptsPerMinute", 3));
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static HttpResult login(String username, String password) {
    return s.post("/api/auth/login", null, new JsonObject().put("username", username).put("password", password));
  }

  @Test
  void attemptsOverTheLimitAre429WithRetryAfter() {
    s.fixtures.user("throttled");
    String right = Fixtures.passwordOf("throttled");

    assertThat(login("throttled", right).status()).isEqualTo(200);
    assertError(login("throttled", "wrong-password"), 401, "invalid_credentials");
    assertError(login("throttled", "wrong-password"), 401, "invalid_credentials");

    HttpResult fourth = login("throttled", right);

    JsonObject body = assertError(fourth, 429, "throttled");
    assertThat(body.containsKey("token")).isFalse();
    int retryAfter = Integer.parseInt(fourth.header("Retry-After"));
    assertThat(retryAfter).isBetween(1, 60);
    HttpResult fifth = login("throttled", right);
    assertError(fifth, 429, "throttled");
    assertThat(Integer.parseInt(fifth.header("Retry-After"))).isBetween(1, retryAfter);
    assertThat(s.fixtures.queryLong("SELECT count(*) FROM sessions")).isEqualTo(1);
  }
}
