package io.enginel.support;

import io.vertx.pgclient.PgConnectOptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/** A database of its own for one test class, created on the test server and dropped afterwards. */
public final class TestDatabase implements AutoCloseable {
  private final PgConnectOptions admin;
  private final String name;

  private TestDatabase(PgConnectOptions admin, String name) {
    this.admin = admin;
    this.name = name;
  }

  public static TestDatabase create() {
    PgConnectOptions admin = PgConnectOptions.fromUri(TestServices.pgAdminUri());
    String name = "enginel_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = connect(admin, admin.getDatabase()); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + " on " + TestServices.pgAdminUri()
          + ": " + e.getMessage(), e);
    }
    return new TestDatabase(admin, name);
  }

  public String name() {
    return name;
  }

  /** The URI Enginel is configured with. */
  public String uri() {
    StringBuilder sb = new StringBuilder("postgresql://").append(admin.getUser());
    if (admin.getPassword() != null && !admin.getPassword().isEmpty()) {
      sb.append(':').append(admin.getPassword());
    }
    return sb.append('@').append(admin.getHost()).append(':').append(admin.getPort()).append('/').append(name).toString();
  }

  /** A JDBC connection to this database, named like an outside client (its writes are "not Enginel's"). */
  public Connection jdbc() {
    try {
      return connect(admin, name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Connection connect(PgConnectOptions o, String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", o.getUser());
    if (o.getPassword() != null) {
      p.setProperty("password", o.getPassword());
    }
    p.setProperty("ApplicationName", "enginel-tests");
    return DriverManager.getConnection("jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + database, p);
  }

  @Override
  public void close() {
    try (Connection c = connect(admin, admin.getDatabase()); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      // a leftover test database is harmless; the next run uses a new name
    }
  }
}
