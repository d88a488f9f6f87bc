package io.enginel.security;

import io.enginel.config.Tier;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.enginel.support.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session ends when its lifetime does (24 h by default; 2 s here): refused from that moment on, although its
 * principal is still in the node's memory and the session still in Redis — every copy carries the expiry — and
 * served until then.
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
  void aSessionIsRefusedOnceItsLifetimeIsOverInEveryLayerAndServedUntilThen() {
    String token = s.login("alice");
    // the end of the session as the node reads it: the row's expiry, to the millisecond below
    long endsAt = s.fixtures.queryLong("SELECT floor(extract(epoch FROM s.expires_at) * 1000)::bigint FROM sessions s "
        + "JOIN users u ON u.id = s.user_id WHERE u.username = 'alice'");
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200);
    assertThat(s.get("/api/users/me", token).status()).isEqualTo(200); // from the node's memory
    assertThat(s.redisKeys(Tier.SESSIONS, "session:*")).as("the session, in Redis too").isNotEmpty();

    // asked again and again until refused: never refused before its end, never served after it
    List<String> wrong = new ArrayList<>();
    Waits.until(() -> {
      long sent = System.currentTimeMillis();
      int status = s.get("/api/users/me", token).status();
      long answered = System.currentTimeMillis();
      if (status == 200 && sent >= endsAt) {
        wrong.add("served " + (sent - endsAt) + " ms after its end");
      } else if (status != 200 && answered < endsAt) {
        wrong.add(status + " " + (endsAt - answered) + " ms before its end");
      }
      return status == 401;
    }, Duration.ofSeconds(10), "the session refused after its lifetime");
    assertThat(wrong).isEmpty();

    assertThat(s.get("/api/users/me", token).status()).as("after its lifetime").isEqualTo(401);
    assertThat(s.get("/api/users/me", s.login("alice")).status()).as("a new login works").isEqualTo(200);
  }
}
