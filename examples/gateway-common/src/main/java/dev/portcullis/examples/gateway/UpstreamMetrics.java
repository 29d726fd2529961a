package dev.portcullis.examples.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Upstream responses by status class ({@code 1xx} to {@code 5xx}, or {@code failed} when SonarQube
 * gave no response) and the time until their headers arrived. The label has six values, all
 * registered up front; counting is lock-free, so event loops may call it.
 */
public final class UpstreamMetrics {

  // Before NONE, which needs it.
  private static final String[] CLASSES = {"failed", "1xx", "2xx", "3xx", "4xx", "5xx"};

  /** Counts nothing: for gateways without metrics. */
  public static final UpstreamMetrics NONE = new UpstreamMetrics(null);

  private final Counter[] responses;
  private final Timer[] durations;

  private UpstreamMetrics(MeterRegistry registry) {
    responses = new Counter[CLASSES.length];
    durations = new Timer[CLASSES.length];
    if (registry == null) {
      return;
    }
    for (int i = 0; i < CLASSES.length; i++) {
      responses[i] =
          Counter.builder("portcullis.upstream.responses")
              .description("Upstream responses by status class; failed: no response")
              .tag("status_class", CLASSES[i])
              .register(registry);
      durations[i] =
          Timer.builder("portcullis.upstream.duration")
              .description("Time from sending a request upstream to its response headers")
              .tag("status_class", CLASSES[i])
              .publishPercentileHistogram()
              .register(registry);
    }
  }

  /** The meters in {@code registry}. */
  static UpstreamMetrics in(MeterRegistry registry) {
    return new UpstreamMetrics(registry);
  }

  /** SonarQube answered with {@code status} after {@code nanos}. */
  public void responded(int status, long nanos) {
    count(status >= 100 && status <= 599 ? status / 100 : 0, nanos);
  }

  /** SonarQube gave no response (unreachable, timed out, broke off) after {@code nanos}. */
  public void failed(long nanos) {
    count(0, nanos);
  }

  private void count(int index, long nanos) {
    if (responses[index] != null) {
      responses[index].increment();
      durations[index].record(nanos, TimeUnit.NANOSECONDS);
    }
  }
}
