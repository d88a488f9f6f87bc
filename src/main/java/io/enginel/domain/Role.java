package io.enginel.domain;

/** A member's role in an organization. Reads need membership; writes need {@link #EDITOR} or more. */
public enum Role {
  VIEWER, EDITOR, ADMIN;

  public boolean atLeast(Role other) {
    return ordinal() >= other.ordinal();
  }

  public static Role parse(String s) {
    return Role.valueOf(s);
  }
}
