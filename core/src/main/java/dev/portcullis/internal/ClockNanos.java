package dev.portcullis.internal;

import java.time.Clock;
import java.time.Instant;

/**
 * Reads a {@link Clock} as nanoseconds, for the code that counts in nanoseconds (the throttle,
 * Caffeine); with no clock given, the system's monotonic {@link System#nanoTime()}, which a
 * wall-clock change cannot move.
 *
 * <p>Not for public use. Thread-safe when the clock is.
 */
public final class ClockNanos {

  private final Clock clock;

  private ClockNanos(Clock clock) {
    this.clock = clock;
  }

  /** Nanoseconds from {@code clock}, or from {@link System#nanoTime()} when it is {@code null}. */
  public static ClockNanos of(Clock clock) {
    return new ClockNanos(clock);
  }

  /** Whether this reads the system's monotonic time rather than a given clock. */
  public boolean monotonic() {
    return clock == null;
  }

  /** The current time in nanoseconds; only differences between two readings mean anything. */
  public long read() {
    if (clock == null) {
      return System.nanoTime();
    }
    Instant now = clock.instant();
    return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
  }
}
