package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.throttle.SlidingWindowCredentialFailureThrottle;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The enforcer's meters, counted in a registry handed to its builder. */
class EnforcerMetricsTest {

  private static final String WRONG = "sqp_2222222222222222222222222222222222222222";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void decisionsAreCountedByResultAndReasonWithTheirLatency() {
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                PolicyEnforcerTest.engine(
                    input ->
                        input.request().path().startsWith("/api/users")
                            ? Decision.deny(403, "user_directory", "No.")
                            : Decision.allow(List.of("scanner_api"), "Ok.")))
            .meterRegistry(registry)
            .build();

    enforcer.decide(RawRequest.of("GET", "/api/server/version", "1.2.3.4"), RawRequest.ACCESSOR);
    enforcer.decide(RawRequest.of("GET", "/api/users/search", "1.2.3.4"), RawRequest.ACCESSOR);
    enforcer.decide(RawRequest.of("GET", "/api/users/search", "1.2.3.4"), RawRequest.ACCESSOR);
    enforcer.decide(RawRequest.of("GET", "/a/..%2Fb", "1.2.3.4"), RawRequest.ACCESSOR);

    assertThat(decisions("allow", "scanner_api")).isEqualTo(1);
    assertThat(decisions("deny", "user_directory")).isEqualTo(2);
    assertThat(decisions("deny", "encoded_separator")).isEqualTo(1);
    assertThat(registry.get("portcullis.decision.duration").tag("result", "deny").timer().count())
        .isEqualTo(3);
  }

  @Test
  void reasonLabelsStayBoundedWhateverThePolicyAnswers() {
    int[] next = {0};
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                PolicyEnforcerTest.engine(
                    input -> Decision.deny(403, "reason_" + next[0]++, "No.")))
            .meterRegistry(registry)
            .build();

    for (int i = 0; i < 300; i++) {
      enforcer.decide(RawRequest.of("GET", "/x", "1.2.3.4"), RawRequest.ACCESSOR);
    }

    java.util.Collection<Meter> counters = registry.find("portcullis.decisions").meters();
    assertThat(counters).hasSizeLessThanOrEqualTo(101);
    assertThat(decisions("deny", "other")).isEqualTo(200);
  }

  @Test
  void verificationsByOutcomeAndThrottleRefusalsAreCounted() {
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                PolicyEnforcerTest.engine(
                    input ->
                        input.credential().validity() == CredentialValidity.VALID
                            ? Decision.allow(List.of("ok"), "Ok.")
                            : Decision.deny(401, "credential_invalid", "No.")))
            .credentialVerifier(
                CredentialVerifier.of(
                    credential -> new CredentialVerification(CredentialValidity.INVALID, "test")))
            .credentialFailureThrottle(
                SlidingWindowCredentialFailureThrottle.builder()
                    .maxFailures(2)
                    .window(Duration.ofMinutes(1))
                    .build())
            .meterRegistry(registry)
            .build();

    for (int i = 0; i < 4; i++) {
      enforcer.decide(
          RawRequest.of("GET", "/api/server/version", "203.0.113.7")
              .withHeader("Authorization", "Bearer " + WRONG),
          RawRequest.ACCESSOR);
    }

    assertThat(
            registry
                .get("portcullis.credential.verifications")
                .tag("outcome", "invalid")
                .tag("cached", "false")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(registry.get("portcullis.throttle.refusals").counter().count()).isEqualTo(2);
    assertThat(decisions("deny", "too_many_failed_credentials")).isEqualTo(2);
  }

  private double decisions(String result, String reason) {
    return registry
        .get("portcullis.decisions")
        .tag("result", result)
        .tag("reason", reason)
        .counter()
        .count();
  }
}
