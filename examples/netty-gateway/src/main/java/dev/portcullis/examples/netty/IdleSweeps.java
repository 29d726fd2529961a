package dev.portcullis.examples.netty;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@link IdleSweep} of each event loop of one gateway, all with the same period. Thread-safe;
 * each sweep it hands out is used on its own loop only.
 */
final class IdleSweeps {

  private final Duration period;
  private final ConcurrentMap<EventExecutor, IdleSweep> sweeps = new ConcurrentHashMap<>();

  IdleSweeps(Duration period) {
    this.period = period;
  }

  /** The sweep of {@code loop}; looked up once per connection, not per request. */
  IdleSweep on(EventExecutor loop) {
    return sweeps.computeIfAbsent(loop, executor -> new IdleSweep(executor, period));
  }
}
