package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.audit.JsonDecisionLog;
import dev.portcullis.credential.CachingCredentialVerifier;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.PolicySource;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.throttle.SlidingWindowCredentialFailureThrottle;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is an optional dependency: the core works without it on the classpath as long as no
 * registry is handed in. Run by its own Surefire execution, whose classpath leaves Micrometer out
 * (core/pom.xml); the default execution does not pick it up.
 */
class WithoutMicrometerCheck {

  @Test
  void theCoreDecidesAndLogsWithoutMicrometerOnTheClasspath() throws Exception {
    assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"))
        .isInstanceOf(ClassNotFoundException.class);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonDecisionLog log = JsonDecisionLog.builder(out).build();
    try (OpaWasmPolicyEngine engine =
        OpaWasmPolicyEngine.builder()
            .policy(PolicySource.classpath("enginetest/policy.wasm"))
            .entrypoint("enginetest/decision")
            .instances(1)
            .warmUp(1)
            .build()) {
      PolicyEnforcer enforcer =
          PolicyEnforcer.builder(engine)
              .credentialVerifier(
                  CachingCredentialVerifier.builder(
                          CredentialVerifier.of(
                              credential ->
                                  new CredentialVerification(CredentialValidity.VALID, "test")))
                      .build())
              .credentialFailureThrottle(
                  SlidingWindowCredentialFailureThrottle.builder()
                      .maxFailures(3)
                      .window(Duration.ofMinutes(1))
                      .build())
              .recorder(log)
              .reportOnly(true)
              .build();

      Decision allowed =
          enforcer.decide(RawRequest.of("GET", "/allowed", "203.0.113.7"), RawRequest.ACCESSOR);
      Decision reported =
          enforcer.decide(
              RawRequest.of("GET", "/other", "203.0.113.7")
                  .withHeader(
                      "Authorization", "Bearer sqp_1111111111111111111111111111111111111111"),
              RawRequest.ACCESSOR);

      assertThat(allowed.allow()).isTrue();
      assertThat(reported.allow()).as("forwarded in report-only mode").isTrue();
    }
    log.close();
    assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"enforced\":false");
  }
}
