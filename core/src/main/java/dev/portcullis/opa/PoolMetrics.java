package dev.portcullis.opa;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * What the instance pool counts: waits for a free instance, and the two timeouts. The default does
 * nothing; {@link #micrometer} is the only place the pool names Micrometer, so the class is loaded
 * only when a registry was handed in.
 */
interface PoolMetrics {

  PoolMetrics NONE = new PoolMetrics() {};

  /** An evaluation waited {@code nanos} for a free instance (and got one). */
  default void waited(long nanos) {}

  /** No instance became free within the borrow timeout ({@code engine_busy}). */
  default void borrowTimedOut() {}

  /** An evaluation ran past the evaluation timeout ({@code engine_timeout}). */
  default void evaluationTimedOut() {}

  static PoolMetrics micrometer(MeterRegistry registry) {
    return new Micrometer(registry);
  }

  /** The pool's meters in a Micrometer registry. */
  final class Micrometer implements PoolMetrics {
    private final Timer waits;
    private final Counter borrowTimeouts;
    private final Counter evaluationTimeouts;

    Micrometer(MeterRegistry registry) {
      this.waits =
          Timer.builder("portcullis.engine.pool.wait")
              .description("Evaluations that waited for a free policy instance, and how long")
              .register(registry);
      this.borrowTimeouts = timeouts(registry, "borrow");
      this.evaluationTimeouts = timeouts(registry, "evaluation");
    }

    private static Counter timeouts(MeterRegistry registry, String kind) {
      return Counter.builder("portcullis.engine.pool.timeouts")
          .description(
              "Evaluations denied with 503: no free instance in time (borrow) or too slow (evaluation)")
          .tag("kind", kind)
          .register(registry);
    }

    @Override
    public void waited(long nanos) {
      waits.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void borrowTimedOut() {
      borrowTimeouts.increment();
    }

    @Override
    public void evaluationTimedOut() {
      evaluationTimeouts.increment();
    }
  }
}
