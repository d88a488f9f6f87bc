package io.enginel.support;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Rows written straight into the test database with JDBC, as another program would: fast set-up, and a
 * way to change data behind Enginel's back. Users get the password {@code pass-<username>}.
 */
public final class Fixtures {
  private final TestDatabase db;

  public Fixtures(TestDatabase db) {
    this.db = db;
  }

  public static String passwordOf(String username) {
    return "pass-" + username;
  }

  public UUID organization(String name) {
    UUID id = UUID.randomUUID();
    update("INSERT INTO organizations (id, name, slug) VALUES (?, ?, ?)", id, name,
        name.toLowerCase().replaceAll("[^a-z0-9]+", "-") + "-" + id.toString().substring(0, 6));
    return id;
  }

  public long user(String username) {
    return user(username, false);
  }

  public long user(String username, boolean staff) {
    String hash = BCrypt.withDefaults().hashToString(4, passwordOf(username).toCharArray());
    return queryLong("INSERT INTO users (username, email, password_hash, is_staff) VALUES (?, ?, ?, ?) RETURNING id",
        username, username + "@example.test", hash, staff);
  }

  public void member(UUID org, long user, String role) {
    update("INSERT INTO memberships (organization_id, user_id, role) VALUES (?, ?, ?)", org, user, role);
  }

  public UUID series(UUID org, String partNumber) {
    UUID id = UUID.randomUUID();
    update("INSERT INTO design_series (id, organization_id, part_number, name) VALUES (?, ?, ?, ?)", id, org, partNumber,
        "Series " + partNumber);
    return id;
  }

  /** A design, version = next of its series, status COMPLETED unless given. */
  public UUID design(UUID series, String filename, String description) {
    return design(series, filename, description, "COMPLETED");
  }

  public UUID design(UUID series, String filename, String description, String status) {
    UUID id = UUID.randomUUID();
    update("INSERT INTO design_assets (id, series_id, organization_id, version, filename, file_format, file_size, "
            + "upload_status, description) SELECT ?, s.id, s.organization_id, "
            + "(SELECT coalesce(max(version), 0) + 1 FROM design_assets WHERE series_id = s.id), ?, 'step', 1000, ?, ? "
            + "FROM design_series s WHERE s.id = ?", id, filename, status, description, series);
    return id;
  }

  public UUID node(UUID design, UUID parent, String partNumber, int quantity) {
    UUID id = UUID.randomUUID();
    update("INSERT INTO assembly_nodes (id, design_id, organization_id, parent_id, part_number, quantity) "
        + "SELECT ?, d.id, d.organization_id, ?, ?, ? FROM design_assets d WHERE d.id = ?", id, parent, partNumber,
        quantity, design);
    return id;
  }

  public UUID review(UUID design, String title) {
    UUID id = UUID.randomUUID();
    update("INSERT INTO review_sessions (id, design_id, organization_id, title) "
        + "SELECT ?, d.id, d.organization_id, ? FROM design_assets d WHERE d.id = ?", id, title, design);
    return id;
  }

  /** Runs any statement as an outside client (its change notifications are not Enginel's own). */
  public int update(String sql, Object... params) {
    try (Connection c = db.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public long queryLong(String sql, Object... params) {
    try (Connection c = db.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public String queryString(String sql, Object... params) {
    try (Connection c = db.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public void execute(String sql) {
    try (Connection c = db.jdbc(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private static void bind(PreparedStatement ps, Object[] params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      ps.setObject(i + 1, params[i]);
    }
  }
}
