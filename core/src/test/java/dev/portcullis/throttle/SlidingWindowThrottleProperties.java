package dev.portcullis.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.ManualClock;
import dev.portcullis.client.IpAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The throttle against a model written from its definition: a reservation is granted exactly when
 * fewer than {@code maxFailures} reservations kept (failures and ones in flight) are younger than a
 * window, and a refused client waits until the oldest of them is a window old.
 */
class SlidingWindowThrottleProperties {

  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final IpAddress CLIENT = IpAddress.parse("203.0.113.9");

  /** Wait this long, then present a credential that turns out a failure or not. */
  record Step(long advanceMillis, boolean failure) {}

  @Property(tries = 300)
  void grantsAndWaitsAsTheSlidingWindowDefinitionSays(
      @ForAll @IntRange(min = 1, max = 6) int maxFailures,
      @ForAll("steps") @Size(max = 80) List<Step> steps) {
    ManualClock clock = new ManualClock();
    var throttle =
        SlidingWindowCredentialFailureThrottle.builder()
            .maxFailures(maxFailures)
            .window(WINDOW)
            .clock(clock)
            .build();
    Deque<Long> kept = new ArrayDeque<>();
    long now = 0;

    for (Step step : steps) {
      clock.advance(Duration.ofMillis(step.advanceMillis()));
      now += step.advanceMillis();
      while (!kept.isEmpty() && now - kept.peekFirst() >= WINDOW.toMillis()) {
        kept.removeFirst();
      }
      Duration wait = throttle.reserve(CLIENT);

      if (kept.size() < maxFailures) {
        assertThat(wait).isZero();
        if (step.failure()) {
          kept.addLast(now);
        } else {
          throttle.release(CLIENT);
        }
      } else {
        assertThat(wait).isEqualTo(Duration.ofMillis(kept.peekFirst() + WINDOW.toMillis() - now));
      }
      assertThat(kept.size()).isLessThanOrEqualTo(maxFailures);
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Long> advance =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.longs().between(0, 2_000)),
            Tuple.of(3, Arbitraries.longs().between(2_000, 30_000)),
            Tuple.of(1, Arbitraries.longs().between(55_000, 65_000)));
    return Combinators.combine(advance, Arbitraries.of(true, true, false)).as(Step::new).list();
  }
}
