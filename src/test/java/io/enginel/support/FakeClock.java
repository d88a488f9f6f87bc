package io.enginel.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock that moves only when a test says so: injected where the code reads the time of day (epoch
 * milliseconds), instead of sleeping. {@link FakeTicker} is its counterpart for elapsed time.
 */
public final class FakeClock extends Clock {
  private final AtomicLong millis = new AtomicLong(Instant.parse("2030-01-01T00:00:00Z").toEpochMilli());

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a fake clock keeps UTC");
  }

  public FakeClock advance(Duration d) {
    millis.addAndGet(d.toMillis());
    return this;
  }
}
