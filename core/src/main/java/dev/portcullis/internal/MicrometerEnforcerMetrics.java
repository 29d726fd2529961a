package dev.portcullis.internal;

import dev.portcullis.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The enforcer's meters in a Micrometer registry. The only core class besides its siblings that
 * names Micrometer: loaded only when a builder was handed a {@code MeterRegistry}.
 *
 * <p>Not for public use. Thread-safe; meters are looked up once per label set and cached, so
 * counting allocates nothing and never blocks.
 */
public final class MicrometerEnforcerMetrics implements EnforcerMetrics {

  /** Enough for every reason code of the bundled policy and the enforcer, with room to spare. */
  private static final int MAX_REASONS = 100;

  private final MeterRegistry registry;
  private final BoundedLabel reasons = new BoundedLabel(MAX_REASONS);
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Timer allowDuration;
  private final Timer denyDuration;
  private final Map<String, Counter> verifications = new ConcurrentHashMap<>();
  private final Counter throttled;

  private MicrometerEnforcerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.allowDuration = duration(registry, "allow");
    this.denyDuration = duration(registry, "deny");
    this.throttled =
        Counter.builder("portcullis.throttle.refusals")
            .description("Requests refused with 429 after too many failed credentials")
            .register(registry);
  }

  /** The enforcer's meters in {@code registry}. */
  public static EnforcerMetrics of(MeterRegistry registry) {
    return new MicrometerEnforcerMetrics(Objects.requireNonNull(registry, "registry"));
  }

  private static Timer duration(MeterRegistry registry, String result) {
    return Timer.builder("portcullis.decision.duration")
        .description(
            "Time from reading a request to its decision, credential verification included")
        .tag("result", result)
        .publishPercentileHistogram()
        .register(registry);
  }

  @Override
  public void decided(Decision judged, boolean enforced, long nanos) {
    String result = judged.allow() ? "allow" : "deny";
    String reason = reasons.of(judged.primaryReason());
    String key = result + '|' + reason + '|' + enforced;
    decisions
        .computeIfAbsent(
            key,
            k ->
                Counter.builder("portcullis.decisions")
                    .description("Decisions by result and primary reason")
                    .tag("result", result)
                    .tag("reason", reason)
                    .tag("enforced", Boolean.toString(enforced))
                    .register(registry))
        .increment();
    (judged.allow() ? allowDuration : denyDuration).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void verified(String outcome, boolean remembered) {
    verifications
        .computeIfAbsent(
            outcome + '|' + remembered,
            k ->
                Counter.builder("portcullis.credential.verifications")
                    .description("Credential verifications by outcome; cached=true from the cache")
                    .tag("outcome", outcome)
                    .tag("cached", Boolean.toString(remembered))
                    .register(registry))
        .increment();
  }

  @Override
  public void throttled() {
    throttled.increment();
  }
}
