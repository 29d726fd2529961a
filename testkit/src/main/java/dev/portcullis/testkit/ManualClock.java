package dev.portcullis.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that only moves when a test calls {@link #advance(Duration)}, with nanosecond
 * precision, for caches and rate limits whose expiry a test must cross exactly. Starts one second
 * after the epoch, in UTC. Thread-safe.
 */
public final class ManualClock extends Clock {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  /** A clock at one second after the epoch. */
  public ManualClock() {}

  /**
   * Moves the clock forward.
   *
   * @param duration how far; may be zero
   */
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

  /** Not supported: the clock is always in UTC. */
  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a ManualClock is always in UTC");
  }
}
