package dev.portcullis.examples.netty;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one timer of an event loop for the timeouts of every connection on it: a task that runs every
 * period and lets each registered party compare the time with its own last-activity stamps and
 * deadlines, in place of a scheduled task per connection or per request (each one an allocation, a
 * priority-queue insertion and, when the request ends first, a cancellation).
 *
 * <p>A timeout therefore fires up to one period late, never early. The parties mark activity with a
 * plain field and stamp the time when the sweep finds the mark, so the hot path reads no clock. The
 * task runs only while something is registered. Used on its event loop only.
 */
final class IdleSweep {

  /** A party with timeouts; called on the event loop at every sweep. */
  interface Swept {
    /**
     * Acts on whatever timed out by {@code now} (nanoseconds on the loop's ticker, see {@link
     * #now()}).
     */
    void sweep(long now);
  }

  private static final Logger LOG = LoggerFactory.getLogger(IdleSweep.class);

  private final EventExecutor loop;
  private final long periodNanos;
  private Entry[] entries = new Entry[64];
  private int size;
  private ScheduledFuture<?> task;

  IdleSweep(EventExecutor loop, Duration period) {
    this.loop = loop;
    this.periodNanos = period.toNanos();
  }

  /**
   * The sweep's period for these timeouts: a tenth of the shortest, between 10 ms and 1 s, so that
   * a timeout fires at most a tenth (or a second) late.
   */
  static Duration periodFor(Duration... timeouts) {
    long shortest = Long.MAX_VALUE;
    for (Duration timeout : timeouts) {
      shortest = Math.min(shortest, timeout.toMillis());
    }
    return Duration.ofMillis(Math.max(10, Math.min(1_000, shortest / 10)));
  }

  /** The time the sweep compares against: the loop's ticker, in nanoseconds. */
  long now() {
    return loop.ticker().nanoTime();
  }

  /** Adds {@code swept} to every sweep until its entry is cancelled. */
  Entry register(Swept swept) {
    Entry entry = new Entry(swept);
    if (size == entries.length) {
      entries = Arrays.copyOf(entries, size * 2);
    }
    entry.index = size;
    entries[size++] = entry;
    if (task == null) {
      try {
        task = loop.scheduleAtFixedRate(this::run, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopping) {
        // the loop is shutting down, and its connections with it
      }
    }
    return entry;
  }

  /** How many parties are registered; for tests. */
  int registered() {
    return size;
  }

  private void remove(Entry entry) {
    int index = entry.index;
    if (index < 0) {
      return;
    }
    Entry last = entries[--size];
    entries[index] = last;
    last.index = index;
    entries[size] = null;
    entry.index = -1;
  }

  private void run() {
    if (size == 0) {
      task.cancel(false);
      task = null;
      return;
    }
    long now = now();
    // Backwards: a party that leaves during its sweep swaps in one already swept.
    for (int i = size - 1; i >= 0; i--) {
      if (i >= size) {
        continue;
      }
      Entry entry = entries[i];
      try {
        entry.swept.sweep(now);
      } catch (RuntimeException e) {
        LOG.warn("connection timeout check failed cause={}", e.getClass().getName(), e);
      }
    }
  }

  /** A registration; {@link #cancel()} it when the party goes away. */
  final class Entry {
    private final Swept swept;
    private int index = -1;

    private Entry(Swept swept) {
      this.swept = swept;
    }

    /** Leaves the sweep; does nothing the second time. Call on the event loop. */
    void cancel() {
      remove(this);
    }
  }
}
