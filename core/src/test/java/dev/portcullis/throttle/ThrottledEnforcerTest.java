package dev.portcullis.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.ManualClock;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.client.IpAddress;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The enforcer answers 429 once a client has presented too many failed credentials, before
 * verifying.
 */
class ThrottledEnforcerTest {

  private static final String GOOD = "sqp_1111111111111111111111111111111111111111";
  private static final String WRONG = "sqp_2222222222222222222222222222222222222222";

  private final ManualClock clock = new ManualClock();
  private final AtomicInteger verifications = new AtomicInteger();
  private final PolicyEnforcer enforcer =
      PolicyEnforcer.builder(allowValidCredentials())
          .credentialVerifier(
              CredentialVerifier.of(
                  credential -> {
                    verifications.incrementAndGet();
                    CredentialValidity validity =
                        credential.secret().equals(GOOD)
                            ? CredentialValidity.VALID
                            : CredentialValidity.INVALID;
                    return new CredentialVerification(validity, "test");
                  }))
          .credentialFailureThrottle(
              SlidingWindowCredentialFailureThrottle.builder()
                  .maxFailures(5)
                  .window(Duration.ofSeconds(30))
                  .clock(clock)
                  .build())
          .build();

  private Decision send(String token, String clientIp) {
    return enforcer.decide(
        RawRequest.of("GET", "/api/server/version", clientIp)
            .withHeader("Authorization", "Bearer " + token),
        RawRequest.ACCESSOR);
  }

  @Test
  void twentyWrongTokensFromOneIpGet429WithRetryAfterAndNoFurtherVerification() {
    int unauthorized = 0;
    int throttled = 0;
    for (int i = 0; i < 20; i++) {
      Decision decision = send(WRONG, "203.0.113.7");
      if (decision.status() == 401) {
        unauthorized++;
      } else if (decision.status() == 429) {
        throttled++;
        assertThat(decision.reasons()).containsExactly("too_many_failed_credentials");
        assertThat(decision.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(DeniedResponse.of(decision).headers())
            .contains(new DeniedResponse.Header("Retry-After", "30"));
      }
    }

    assertThat(unauthorized).isEqualTo(5);
    assertThat(throttled).isEqualTo(15);
    assertThat(verifications).hasValue(5);
  }

  @Test
  void aBlockedClientIsBlockedEvenWithTheRightTokenButOthersAreNot() {
    for (int i = 0; i < 5; i++) {
      send(WRONG, "203.0.113.7");
    }

    assertThat(send(GOOD, "203.0.113.7").status()).isEqualTo(429);
    assertThat(send(GOOD, "198.51.100.1").allow()).isTrue();
    assertThat(send(WRONG, "198.51.100.1").status()).isEqualTo(401);
  }

  @Test
  void successesNeitherCountNorReset() {
    for (int i = 0; i < 4; i++) {
      send(WRONG, "203.0.113.7");
      assertThat(send(GOOD, "203.0.113.7").allow()).isTrue();
    }
    send(WRONG, "203.0.113.7");

    assertThat(send(GOOD, "203.0.113.7").status()).isEqualTo(429);
  }

  @Test
  void theCoolDownEnds() {
    for (int i = 0; i < 5; i++) {
      send(WRONG, "203.0.113.7");
    }
    clock.advance(Duration.ofSeconds(10));
    assertThat(send(GOOD, "203.0.113.7").retryAfter()).isEqualTo(Duration.ofSeconds(20));

    clock.advance(Duration.ofSeconds(20));
    assertThat(send(GOOD, "203.0.113.7").allow()).isTrue();
  }

  @Test
  void parallelGuessesInFlightCountBeforeTheyAreVerified() {
    List<CompletableFuture<CredentialVerification>> pending = new java.util.ArrayList<>();
    PolicyEnforcer slow =
        PolicyEnforcer.builder(allowValidCredentials())
            .credentialVerifier(
                credential -> {
                  CompletableFuture<CredentialVerification> result = new CompletableFuture<>();
                  pending.add(result);
                  return result;
                })
            .credentialFailureThrottle(
                SlidingWindowCredentialFailureThrottle.builder()
                    .maxFailures(5)
                    .window(Duration.ofSeconds(30))
                    .clock(clock)
                    .build())
            .build();
    RawRequest guess =
        RawRequest.of("GET", "/api/server/version", "203.0.113.7")
            .withHeader("Authorization", "Bearer " + WRONG);

    List<CompletableFuture<Decision>> inFlight = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      inFlight.add(slow.decideAsync(guess, RawRequest.ACCESSOR).toCompletableFuture());
    }
    Decision sixth = slow.decide(guess, RawRequest.ACCESSOR);

    assertThat(sixth.status()).isEqualTo(429);
    assertThat(pending).hasSize(5);
    // Valid results give their reservations back; the client may go on.
    pending.forEach(
        result -> result.complete(new CredentialVerification(CredentialValidity.VALID, "test")));
    assertThat(inFlight).allSatisfy(decision -> assertThat(decision.join().allow()).isTrue());
    assertThat(slow.decideAsync(guess, RawRequest.ACCESSOR).toCompletableFuture().isDone())
        .isFalse();
  }

  @Test
  void requestsWithoutACredentialAreNotThrottled() {
    for (int i = 0; i < 5; i++) {
      send(WRONG, "203.0.113.7");
    }

    Decision anonymous =
        enforcer.decide(
            RawRequest.of("GET", "/api/server/version", "203.0.113.7"), RawRequest.ACCESSOR);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.reasons()).containsExactly("credential_missing");
  }

  @Test
  void aThrottleOverARemoteStoreIsWaitedForWithoutBlocking() {
    CompletableFuture<Duration> answer = new CompletableFuture<>();
    PolicyEnforcer remote = enforcerWith(new AsyncThrottle(() -> answer));

    CompletableFuture<Decision> decision =
        remote
            .decideAsync(wrongTokenFrom("203.0.113.7"), RawRequest.ACCESSOR)
            .toCompletableFuture();

    assertThat(decision).as("decided only when the store answers").isNotDone();
    assertThat(verifications).hasValue(0);
    answer.complete(Duration.ofSeconds(7));
    assertThat(decision.join().status()).isEqualTo(429);
    assertThat(decision.join().retryAfter()).isEqualTo(Duration.ofSeconds(7));
    assertThat(verifications).as("a refused client causes no verification").hasValue(0);
  }

  @Test
  void aThrottleThatFailsOrThrowsIsADenyNeverAnAllow() {
    PolicyEnforcer failing =
        enforcerWith(
            new AsyncThrottle(
                () -> CompletableFuture.failedFuture(new IllegalStateException("store down"))));
    PolicyEnforcer throwing =
        enforcerWith(
            new AsyncThrottle(
                () -> {
                  throw new IllegalStateException("bug");
                }));

    for (PolicyEnforcer broken : List.of(failing, throwing)) {
      Decision decision =
          broken
              .decideAsync(
                  RawRequest.of("GET", "/api/server/version", "203.0.113.7")
                      .withHeader("Authorization", "Bearer " + GOOD),
                  RawRequest.ACCESSOR)
              .toCompletableFuture()
              .join();
      assertThat(decision.allow()).isFalse();
      assertThat(decision.status()).isEqualTo(500);
    }
    assertThat(verifications).hasValue(0);
  }

  private static RawRequest wrongTokenFrom(String clientIp) {
    return RawRequest.of("GET", "/api/server/version", clientIp)
        .withHeader("Authorization", "Bearer " + WRONG);
  }

  private PolicyEnforcer enforcerWith(CredentialFailureThrottle throttle) {
    return PolicyEnforcer.builder(allowValidCredentials())
        .credentialVerifier(
            CredentialVerifier.of(
                credential -> {
                  verifications.incrementAndGet();
                  return new CredentialVerification(CredentialValidity.INVALID, "test");
                }))
        .credentialFailureThrottle(throttle)
        .build();
  }

  /** A throttle whose answers come from elsewhere, as one over a remote store's would. */
  private record AsyncThrottle(Supplier<CompletableFuture<Duration>> answers)
      implements CredentialFailureThrottle {
    @Override
    public Duration reserve(IpAddress client) {
      return answers.get().join();
    }

    @Override
    public CompletableFuture<Duration> reserveAsync(IpAddress client) {
      return answers.get();
    }

    @Override
    public void release(IpAddress client) {}
  }

  private static PolicyEngine allowValidCredentials() {
    return new PolicyEngine() {
      @Override
      public Decision evaluate(PolicyInput input) {
        if (!input.credential().present()) {
          return Decision.deny(401, "credential_missing", "A credential is needed.");
        }
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
