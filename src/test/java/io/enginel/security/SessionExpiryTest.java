package io.enginel.security;

import io.enginel.config.Tier;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session ends when its lifetime does (24 h by default; 2 s here): refused from that moment on, although its
 * principal is still in the node's memory and the session still in Redis — every copy carries the expiry.
 */
class SessionExpiryTest {
  static TestServer s;

  @BeforeAll
  static void start() {
    s = SeededServer.start(Map.of("auth.sessionTtlSeconds", 2), f -> {
      UUID org = f.organization("Mayfly");
      f.member(org, f.user("alice"), "VIEWER");
      return null;
    }).server();
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void aSessionIsRefusedOnceItsLifetimeIsOverInEveryLayer() throws Exception {
    long t0 = System.currentTimeMillis();
    String token = s.login("alice");
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200);
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200); // from the node's memory
    assertThat(s.redisKeys(Tier.SESSIONS, "session:*")).as("the session, in Redis too").isNotEmpty();

    while (System.currentTimeMillis() - t0 < 2_100) {
      Thread.sleep(50);
    }
    assertThat(s.get("/api/users/me", token).status()).as("after its lifetime").isEqualTo(401);
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(401);
    assertThat(s.get("/api/users/me", s.login("alice")).status()).as("a new login works").isEqualTo(200);
  }
}
