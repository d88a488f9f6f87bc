package io.enginel.cache;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Invalidations (tags) and key deletions of one tier that could not reach Redis. While any is pending the tier serves no cached
 * answer and takes no fill (a fenced tier), so nothing written while Redis was away can be served stale
 * once it is back. Past {@code limit} tags the set collapses into one new incarnation of the tier.
 */
final class PendingInvalidations {
  private final int limit;
  private final Set<String> tags = new LinkedHashSet<>();
  private final Set<String> keys = new LinkedHashSet<>();
  private boolean everything;

  PendingInvalidations(int limit) {
    this.limit = limit;
  }

  synchronized void add(Iterable<String> more) {
    if (everything) {
      return;
    }
    for (String t : more) {
      tags.add(t);
    }
    if (tags.size() > limit) {
      tags.clear();
      everything = true;
    }
  }

  /** Keys that must be deleted (a logged-out session) before the tier may serve again. */
  synchronized void addKeys(Iterable<String> more) {
    for (String k : more) {
      keys.add(k);
    }
  }

  synchronized void addEverything() {
    tags.clear();
    everything = true;
  }

  synchronized boolean any() {
    return everything || !tags.isEmpty() || !keys.isEmpty();
  }

  /** Tags and keys kept; -1 when a new incarnation is pending. */
  synchronized int size() {
    return everything ? -1 : tags.size() + keys.size();
  }

  synchronized Set<String> snapshotKeys() {
    return new LinkedHashSet<>(keys);
  }

  synchronized void keysDone(Set<String> deleted) {
    keys.removeAll(deleted);
  }

  /** What to carry out now: the tags, or null with {@link #everythingPending()} true. */
  synchronized Set<String> snapshot() {
    return new LinkedHashSet<>(tags);
  }

  synchronized boolean everythingPending() {
    return everything;
  }

  /** Forgets what has been carried out; what arrived meanwhile stays. */
  synchronized void done(Set<String> carriedOut, boolean everythingCarriedOut) {
    if (everythingCarriedOut) {
      everything = false;
    }
    tags.removeAll(carriedOut);
  }
}
