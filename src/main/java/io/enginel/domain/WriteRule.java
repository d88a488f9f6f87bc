package io.enginel.domain;

/**
 * What the server does on a resource's writes beyond storing its fields, declared with the resource in
 * {@link Resources} and carried out by the repository, inside the write's transaction.
 */
public enum WriteRule {
  /** A new row is a new organization: its id is the organization, and its creator becomes its first ADMIN. */
  ORGANIZATION_ROOT,
  /**
   * User accounts: only staff create or delete them, a user changes their own, nobody deletes themselves;
   * their events name the organizations they are members of.
   */
  ACCOUNTS,
  /** A new row takes the next version number of its parent, decided under a lock of the parent. */
  VERSIONED,
  /** A row's {@code parent} is a row of the same design and never the row itself or below it (a tree). */
  TREE,
  /** An organization keeps at least one ADMIN; a member may leave it. */
  MEMBERSHIP,
  /** Reviewers of the parent review may create rows; only a row's author or an ADMIN changes it. */
  AUTHORED,
  /** A change of {@code status} stamps {@code started_at} and {@code finished_at}. */
  STATUS_TIMES
}
