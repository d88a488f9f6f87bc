package io.enginel.repository;

import io.enginel.domain.ChangeChannels;
import io.enginel.support.HttpResult;
import io.enginel.support.SeededServer;
import io.enginel.support.TestServer;
import io.vertx.pgclient.PgConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bulk load (row notifications off) from another process, and the node that cached answers before it: the load's
 * "everything changed" with a ticket is confirmed by the node once it has dropped what it cached, so that when the
 * load returns the next read is fresh; a node that does not confirm is named once the time is up.
 */
class InvalidationConfirmationsTest {
  static TestServer s;
  static UUID series;
  static String alice;

  @BeforeAll
  static void start() {
    s = SeededServer.start(f -> {
      UUID org = f.organization("Bulk");
      f.member(org, f.user("alice"), "EDITOR");
      series = f.series(org, "PN-BULK");
      f.design(series, "before.stl", "before the load");
      return null;
    }).server();
    alice = s.login("alice");
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void aBulkLoadReturnsOnlyOnceTheRunningNodeHasDroppedWhatItCached() throws Exception {
    assertThat(s.get("/api/designs/", alice).json().getInteger("count")).isEqualTo(1);
    HttpResult cached = s.get("/api/designs/", alice);
    assertThat(cached.xCache()).isEqualTo("HIT");
    String ticket = UUID.randomUUID().toString();
    InvalidationConfirmations confirmations = TestServer.await(InvalidationConfirmations.listen(s.vertx,
        PgSetup.connectOptions(s.config.pg(), "bulk-test"), ticket));
    PgConnection other = TestServer.await(PgConnection.connect(s.vertx, PgSetup.connectOptions(s.config.pg(), "bulk-test")));
    try {
      Set<String> nodes = TestServer.await(InvalidationConfirmations.listeningNodes(other));
      assertThat(nodes).containsExactly(PgSetup.applicationName(s.server.nodeId()));

      try (Connection db = s.db.jdbc()) {
        db.setAutoCommit(false);
        try (Statement st = db.createStatement()) {
          st.execute("SET LOCAL enginel.bulk = 'on'");
          st.execute("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format) "
              + "SELECT gen_random_uuid(), id, organization_id, 2, 'loaded.stl', 'stl' FROM design_series WHERE id = '" + series + "'");
        }
        try (PreparedStatement notify = db.prepareStatement("SELECT pg_notify(?, ?)")) {
          notify.setString(1, ChangeChannels.CHANGES);
          notify.setString(2, ChangeChannels.everything(ticket));
          notify.execute();
        }
        db.commit();
      }
      InvalidationConfirmations.Outcome outcome = TestServer.await(confirmations.await(nodes, 10_000));

      assertThat(outcome.confirmed()).isEqualTo(nodes);
      assertThat(outcome.missing()).isEmpty();
      HttpResult after = s.get("/api/designs/", alice);
      assertThat(after.xCache()).isEqualTo("MISS");
      assertThat(after.json().getInteger("count")).isEqualTo(2);
    } finally {
      TestServer.await(other.close());
      TestServer.await(confirmations.close());
    }
  }

  @Test
  void aNodeThatDoesNotConfirmIsNamedOnceTheTimeIsUp() {
    InvalidationConfirmations confirmations = TestServer.await(InvalidationConfirmations.listen(s.vertx,
        PgSetup.connectOptions(s.config.pg(), "bulk-test"), UUID.randomUUID().toString()));
    try {
      InvalidationConfirmations.Outcome outcome = TestServer.await(confirmations.await(Set.of("enginel/gone"), 200));

      assertThat(outcome.confirmed()).isEmpty();
      assertThat(outcome.missing()).containsExactly("enginel/gone");
    } finally {
      TestServer.await(confirmations.close());
    }
  }
}
