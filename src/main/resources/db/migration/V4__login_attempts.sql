-- Login attempts, counted per user name ('u:<name>') and per client address ('a:<address>') in fixed one-minute
-- windows. Kept in PostgreSQL so that the limit holds for the whole cluster (every node counts in one place) and
-- survives anything Redis may lose: a login reads the user's credentials here anyway.
CREATE TABLE login_attempts (
  key          text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  attempts     integer     NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);
