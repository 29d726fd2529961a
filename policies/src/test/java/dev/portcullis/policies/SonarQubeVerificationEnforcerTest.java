package dev.portcullis.policies;

import static dev.portcullis.policies.SonarQubeCredentialVerifierTest.INVALID_TOKEN;
import static dev.portcullis.policies.SonarQubeCredentialVerifierTest.VALID_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CachingCredentialVerifier;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.FakeSonarQube.Reply;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The enforcer with a cached SonarQube verifier in front of a policy that allows only valid
 * credentials.
 */
class SonarQubeVerificationEnforcerTest {

  private static final RawRequest REQUEST =
      RawRequest.of("GET", "/api/server/version", "203.0.113.7");

  private final List<PolicyInput> evaluated = new CopyOnWriteArrayList<>();
  private FakeSonarQube sonar;

  @BeforeEach
  void start() throws IOException {
    sonar = SonarQubeCredentialVerifierTest.sonarQubeWithTestTokens().start();
  }

  @AfterEach
  void stop() {
    sonar.close();
  }

  @Test
  void validTokenIsAllowedAndAWrongOneIsDeniedByThePolicy() {
    PolicyEnforcer enforcer = enforcer(sonar.baseUri(), Duration.ofSeconds(5));

    Decision allowed =
        enforcer.decide(
            REQUEST.withHeader("Authorization", "Bearer " + VALID_TOKEN), RawRequest.ACCESSOR);
    Decision wrong =
        enforcer.decide(
            REQUEST.withHeader("Authorization", "Bearer " + INVALID_TOKEN), RawRequest.ACCESSOR);
    Decision unknown =
        enforcer.decide(
            REQUEST.withHeader("Authorization", "Bearer sqp_unknown"), RawRequest.ACCESSOR);

    assertThat(allowed.allow()).isTrue();
    assertThat(wrong)
        .isEqualTo(Decision.deny(401, "credential_invalid", "The credential is not valid."));
    assertThat(unknown)
        .isEqualTo(Decision.deny(401, "credential_invalid", "The credential is not valid."));
    assertThat(verified())
        .extracting(input -> input.credential().verifier())
        .containsOnly("sonarqube")
        .hasSize(3);
  }

  @Test
  void sonarQubeDownIs503AndNeverReachesThePolicy() throws IOException {
    PolicyEnforcer enforcer =
        enforcer(SonarQubeCredentialVerifierTest.closedPortUri(), Duration.ofSeconds(5));

    Decision decision =
        enforcer.decide(
            REQUEST.withHeader("Authorization", "Bearer " + VALID_TOKEN), RawRequest.ACCESSOR);

    assertThat(decision)
        .isEqualTo(
            Decision.deny(
                503, "credential_verification_failed", "The credential could not be verified."));
    assertThat(verified()).isEmpty();
  }

  @Test
  void slowSonarQubeIs503Timeout() {
    sonar.reply(VALID_TOKEN + ":", Reply.HELD);
    PolicyEnforcer enforcer = enforcer(sonar.baseUri(), Duration.ofMillis(200));

    Decision decision =
        enforcer.decide(
            REQUEST.withHeader("Authorization", "Bearer " + VALID_TOKEN), RawRequest.ACCESSOR);

    assertThat(decision)
        .isEqualTo(
            Decision.deny(
                503,
                "credential_verification_timeout",
                "The credential could not be verified in time."));
    assertThat(verified()).isEmpty();
  }

  /**
   * The inputs the policy judged after verification, without the enforcer's "if it were valid"
   * question.
   */
  private List<PolicyInput> verified() {
    return evaluated.stream()
        .filter(input -> !input.credential().verifier().equals("assumed"))
        .toList();
  }

  private PolicyEnforcer enforcer(URI sonarQube, Duration requestTimeout) {
    CredentialVerifier verifier =
        CachingCredentialVerifier.builder(
                SonarQubeCredentialVerifier.builder()
                    .baseUri(sonarQube)
                    .requestTimeout(requestTimeout)
                    .build())
            .build();
    return PolicyEnforcer.builder(allowOnlyValidCredentials()).credentialVerifier(verifier).build();
  }

  private PolicyEngine allowOnlyValidCredentials() {
    return new PolicyEngine() {
      @Override
      public Decision evaluate(PolicyInput input) {
        evaluated.add(input);
        return input.credential().validity() == CredentialValidity.VALID
            ? Decision.allow(List.of("ok"), "Ok.")
            : Decision.deny(401, "credential_invalid", "The credential is not valid.");
      }

      @Override
      public String describe() {
        return "allow-valid-credentials";
      }
    };
  }
}
