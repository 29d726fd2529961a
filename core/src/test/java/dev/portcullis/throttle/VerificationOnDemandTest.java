package dev.portcullis.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.ManualClock;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CachingCredentialVerifier;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The enforcer verifies a credential only when the decision depends on it, so the gateway is no
 * password oracle, and it never throttles a credential its verifier remembers as valid.
 */
class VerificationOnDemandTest {

  private static final String GOOD = "sqp_1111111111111111111111111111111111111111";
  private static final String WRONG = "sqp_2222222222222222222222222222222222222222";

  private final AtomicInteger verifications = new AtomicInteger();
  private final AtomicInteger evaluations = new AtomicInteger();
  private final ManualClock clock = new ManualClock();

  /** Verifies GOOD and the password "right"; counts every call, as SonarQube's access log would. */
  private final CredentialVerifier counting =
      credential -> {
        verifications.incrementAndGet();
        boolean valid = credential.secret().equals(GOOD) || credential.secret().equals("right");
        return CompletableFuture.completedFuture(
            new CredentialVerification(
                valid ? CredentialValidity.VALID : CredentialValidity.INVALID, "test"));
      };

  private PolicyEnforcer enforcer(CredentialVerifier verifier, int maxFailures) {
    return PolicyEnforcer.builder(scannerPolicy())
        .credentialVerifier(verifier)
        .credentialFailureThrottle(
            SlidingWindowCredentialFailureThrottle.builder()
                .maxFailures(maxFailures)
                .window(Duration.ofMinutes(1))
                .clock(clock)
                .build())
        .build();
  }

  private static RawRequest request(String path, String authorization) {
    return RawRequest.of("GET", path, "203.0.113.7").withHeader("Authorization", authorization);
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void rightAndWrongPasswordsGetTheSameAnswerWithoutVerification() {
    PolicyEnforcer enforcer = enforcer(counting, 10);

    Decision right =
        enforcer.decide(
            request("/api/plugins/installed", basic("admin", "right")), RawRequest.ACCESSOR);
    Decision wrong =
        enforcer.decide(
            request("/api/plugins/installed", basic("admin", "wrong")), RawRequest.ACCESSOR);

    assertThat(right).isEqualTo(wrong);
    assertThat(right.reasons()).containsExactly("credential_kind_not_allowed");
    assertThat(verifications).hasValue(0);
  }

  @Test
  void aTokenOnADeniedEndpointIsNeverVerified() {
    PolicyEnforcer enforcer = enforcer(counting, 10);

    Decision good =
        enforcer.decide(request("/api/users/search", "Bearer " + GOOD), RawRequest.ACCESSOR);
    Decision wrong =
        enforcer.decide(request("/api/users/search", "Bearer " + WRONG), RawRequest.ACCESSOR);

    assertThat(good).isEqualTo(wrong);
    assertThat(good.reasons()).containsExactly("user_directory");
    assertThat(verifications).hasValue(0);
  }

  @Test
  void aTokenOnAnAllowedEndpointIsVerified() {
    PolicyEnforcer enforcer = enforcer(counting, 10);

    Decision good =
        enforcer.decide(request("/api/plugins/installed", "Bearer " + GOOD), RawRequest.ACCESSOR);
    Decision wrong =
        enforcer.decide(request("/api/plugins/installed", "Bearer " + WRONG), RawRequest.ACCESSOR);

    assertThat(good.allow()).isTrue();
    assertThat(good.clientIp()).isEqualTo("203.0.113.7");
    assertThat(wrong.reasons()).containsExactly("credential_invalid");
    assertThat(verifications).hasValue(2);
  }

  @Test
  void deniedEndpointsNeverCountAsFailures() {
    PolicyEnforcer enforcer = enforcer(counting, 2);
    for (int i = 0; i < 10; i++) {
      enforcer.decide(request("/api/users/search", "Bearer " + WRONG), RawRequest.ACCESSOR);
    }

    assertThat(
            enforcer
                .decide(request("/api/plugins/installed", "Bearer " + GOOD), RawRequest.ACCESSOR)
                .allow())
        .isTrue();
  }

  @Test
  void aRememberedValidTokenIsNeitherThrottledNorAskedAgain() {
    PolicyEnforcer enforcer = enforcer(CachingCredentialVerifier.builder(counting).build(), 3);
    assertThat(
            enforcer
                .decide(request("/api/plugins/installed", "Bearer " + GOOD), RawRequest.ACCESSOR)
                .allow())
        .isTrue();
    for (int i = 0; i < 3; i++) {
      enforcer.decide(
          request("/api/plugins/installed", "Bearer " + WRONG + i), RawRequest.ACCESSOR);
    }
    assertThat(
            enforcer
                .decide(request("/api/plugins/installed", "Bearer " + WRONG), RawRequest.ACCESSOR)
                .status())
        .as("the client is throttled for new credentials")
        .isEqualTo(429);
    evaluations.set(0);

    Decision known =
        enforcer.decide(request("/api/plugins/installed", "Bearer " + GOOD), RawRequest.ACCESSOR);

    assertThat(known.allow()).as("a pipeline's known-good token behind the same address").isTrue();
    assertThat(evaluations).as("one evaluation, with the remembered verification").hasValue(1);
    assertThat(verifications).hasValue(4);
  }

  @Test
  void parallelRequestsWithOneTokenShareItsVerificationAndOneReservation() {
    // SonarQube answers late: until then, twenty requests carry the same token (a scanner's
    // parallel
    // downloads just after the token's cached answer expired).
    CompletableFuture<CredentialVerification> answer = new CompletableFuture<>();
    CredentialVerifier slow =
        credential -> {
          verifications.incrementAndGet();
          return credential.secret().equals(GOOD)
              ? answer
              : CompletableFuture.completedFuture(
                  new CredentialVerification(CredentialValidity.INVALID, "test"));
        };
    PolicyEnforcer enforcer = enforcer(CachingCredentialVerifier.builder(slow).build(), 3);
    List<CompletableFuture<Decision>> decisions = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      decisions.add(
          enforcer
              .decideAsync(request("/api/plugins/installed", "Bearer " + GOOD), RawRequest.ACCESSOR)
              .toCompletableFuture());
    }

    answer.complete(new CredentialVerification(CredentialValidity.VALID, "test"));

    assertThat(decisions).allSatisfy(decision -> assertThat(decision.join().allow()).isTrue());
    assertThat(verifications).as("one verification for twenty requests").hasValue(1);
    for (int i = 0; i < 3; i++) {
      assertThat(
              enforcer
                  .decide(
                      request("/api/plugins/installed", "Bearer " + WRONG + i), RawRequest.ACCESSOR)
                  .reasons())
          .as("the shared verification gave its one reservation back")
          .containsExactly("credential_invalid");
    }
  }

  @Test
  void parallelRequestsWithOneWrongTokenCountAsOneFailure() {
    CompletableFuture<CredentialVerification> answer = new CompletableFuture<>();
    CredentialVerifier slow =
        credential -> {
          verifications.incrementAndGet();
          return credential.secret().equals(WRONG)
              ? answer
              : CompletableFuture.completedFuture(
                  new CredentialVerification(CredentialValidity.INVALID, "test"));
        };
    PolicyEnforcer enforcer = enforcer(CachingCredentialVerifier.builder(slow).build(), 3);
    List<CompletableFuture<Decision>> decisions = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      decisions.add(
          enforcer
              .decideAsync(
                  request("/api/plugins/installed", "Bearer " + WRONG), RawRequest.ACCESSOR)
              .toCompletableFuture());
    }

    answer.complete(new CredentialVerification(CredentialValidity.INVALID, "test"));

    assertThat(decisions)
        .allSatisfy(
            decision ->
                assertThat(decision.join().reasons()).containsExactly("credential_invalid"));
    // One failure counted: two more distinct guesses are verified, the third waits.
    assertThat(
            enforcer
                .decide(
                    request("/api/plugins/installed", "Bearer " + WRONG + 1), RawRequest.ACCESSOR)
                .reasons())
        .containsExactly("credential_invalid");
    assertThat(
            enforcer
                .decide(
                    request("/api/plugins/installed", "Bearer " + WRONG + 2), RawRequest.ACCESSOR)
                .reasons())
        .containsExactly("credential_invalid");
    assertThat(
            enforcer
                .decide(
                    request("/api/plugins/installed", "Bearer " + WRONG + 3), RawRequest.ACCESSOR)
                .status())
        .isEqualTo(429);
  }

  /** The default policy's order in small: invalid credentials, then kinds, then endpoints. */
  private PolicyEngine scannerPolicy() {
    return new PolicyEngine() {
      @Override
      public Decision evaluate(PolicyInput input) {
        evaluations.incrementAndGet();
        if (input.credential().validity() == CredentialValidity.INVALID) {
          return Decision.deny(401, "credential_invalid", "The credential was rejected.");
        }
        if (input.credential().kind() == CredentialKind.PASSWORD) {
          return Decision.deny(403, "credential_kind_not_allowed", "Not allowed.");
        }
        if (input.request().path().startsWith("/api/users/")) {
          return Decision.deny(403, "user_directory", "Not allowed.");
        }
        return input.credential().validity() == CredentialValidity.VALID
            ? Decision.allow(List.of("scanner_endpoint"), "Allowed.")
            : Decision.deny(401, "credential_unverified", "Not verified.");
      }

      @Override
      public String describe() {
        return "scanner-policy-in-small";
      }
    };
  }
}
