package dev.portcullis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-moved clock with nanosecond precision. The same as the test kit's {@code ManualClock},
 * which core's own tests cannot use: the test kit depends on core, and Maven refuses the cycle.
 */
public final class ManualClock extends Clock {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  public void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, nanos.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }
}
