package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.PolicyEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PolicyEnforcerTest {

  private static final RawRequest ALLOWED =
      RawRequest.of("GET", "/api/server/version?x=%41", "203.0.113.7");

  @Test
  void allowCarriesTheCanonicalTargetToForward() {
    Decision decision =
        enforcer(input -> Decision.allow(List.of("ok"), "Ok."))
            .decide(ALLOWED, RawRequest.ACCESSOR);

    assertThat(decision.allow()).isTrue();
    assertThat(decision.forwardTarget()).isEqualTo("/api/server/version?x=A");
  }

  @Test
  void policyDenyIsPassedOn() {
    Decision decision =
        enforcer(input -> Decision.deny(403, "nope", "No.")).decide(ALLOWED, RawRequest.ACCESSOR);

    assertThat(decision).isEqualTo(Decision.deny(403, "nope", "No."));
  }

  @Test
  void ambiguousTargetIs400WithoutAskingTheEngine() {
    List<PolicyInput> seen = new ArrayList<>();
    PolicyEnforcer enforcer =
        enforcer(
            input -> {
              seen.add(input);
              return Decision.allow(List.of("ok"), "Ok.");
            });

    Decision decision =
        enforcer.decide(
            RawRequest.of("GET", "/api/..%2Fusers/search", "203.0.113.7"), RawRequest.ACCESSOR);

    assertThat(decision.allow()).isFalse();
    assertThat(decision.status()).isEqualTo(400);
    assertThat(decision.reasons()).containsExactly("encoded_separator");
    assertThat(seen).isEmpty();
  }

  @Test
  void anEngineFailureIsLoggedWithWhatWentWrongInThePolicy() {
    PrintStream original = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      Decision decision =
          enforcer(
                  input -> {
                    throw new PolicyEvaluationException(
                        500,
                        "engine_error",
                        "policy evaluation failed",
                        new IllegalStateException(
                            "wasm abort",
                            new RuntimeException("p.rego:5:1: var assignment conflict")));
                  })
              .decide(ALLOWED, RawRequest.ACCESSOR);
      assertThat(decision.reasons()).containsExactly("engine_error");
    } finally {
      System.setErr(original);
    }
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("reason=engine_error")
        .contains("root cause: java.lang.RuntimeException: p.rego:5:1: var assignment conflict");
  }

  @Test
  void engineExceptionsBecomeDenies() {
    assertThat(
            enforcer(
                    input -> {
                      throw new IllegalStateException("boom");
                    })
                .decide(ALLOWED, RawRequest.ACCESSOR))
        .satisfies(
            d -> {
              assertThat(d.allow()).isFalse();
              assertThat(d.status()).isEqualTo(500);
              assertThat(d.reasons()).containsExactly("engine_error");
            });
    assertThat(
            enforcer(
                    input -> {
                      throw new PolicyEvaluationException(503, "engine_timeout", "slow");
                    })
                .decide(ALLOWED, RawRequest.ACCESSOR))
        .isEqualTo(Decision.deny(503, "engine_timeout", "The policy could not be evaluated."));
    assertThat(
            enforcer(
                    input -> {
                      throw new StackOverflowError();
                    })
                .decide(ALLOWED, RawRequest.ACCESSOR)
                .allow())
        .isFalse();
    assertThat(enforcer(input -> null).decide(ALLOWED, RawRequest.ACCESSOR).reasons())
        .containsExactly("engine_returned_nothing");
  }

  @Test
  void failingVerifierIs503AndNeverReachesThePolicy() {
    List<PolicyInput> seen = new ArrayList<>();
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                engine(
                    input -> {
                      seen.add(input);
                      return Decision.allow(List.of("ok"), "Ok.");
                    }))
            .credentialVerifier(
                credential -> {
                  throw new IllegalStateException("sonarqube unreachable");
                })
            .build();

    Decision decision =
        enforcer.decide(ALLOWED.withHeader("Authorization", "Bearer sqp_1"), RawRequest.ACCESSOR);

    assertThat(decision.status()).isEqualTo(503);
    assertThat(decision.reasons()).containsExactly("credential_verification_failed");
    // The policy was only asked whether the request would pass with a valid credential.
    assertThat(seen).extracting(input -> input.credential().verifier()).containsExactly("assumed");
  }

  @Test
  void asynchronousVerificationIsAwaitedAndItsFailuresAreDenies() throws Exception {
    PolicyEngine allowValid =
        engine(
            input ->
                input.credential().validity() == CredentialValidity.VALID
                    ? Decision.allow(List.of("ok"), "Ok.")
                    : Decision.deny(401, "credential_invalid", "No."));
    RawRequest withToken = ALLOWED.withHeader("Authorization", "Bearer sqp_1");

    // Completed by the test, not after a delay: a loaded machine must not make this pass or fail.
    CompletableFuture<CredentialVerification> verified = new CompletableFuture<>();
    PolicyEnforcer later =
        PolicyEnforcer.builder(allowValid).credentialVerifier(credential -> verified).build();
    CompletionStage<Decision> pending = later.decideAsync(withToken, RawRequest.ACCESSOR);
    assertThat(pending.toCompletableFuture().isDone()).isFalse();
    verified.complete(new CredentialVerification(CredentialValidity.VALID, "test"));
    assertThat(pending.toCompletableFuture().get(5, TimeUnit.SECONDS).allow()).isTrue();

    PolicyEnforcer never =
        PolicyEnforcer.builder(allowValid)
            .credentialVerifier(credential -> new CompletableFuture<>())
            .verificationTimeout(Duration.ofMillis(50))
            .build();
    assertThat(never.decide(withToken, RawRequest.ACCESSOR))
        .isEqualTo(
            Decision.deny(
                503,
                "credential_verification_timeout",
                "The credential could not be verified in time."));

    PolicyEnforcer failing =
        PolicyEnforcer.builder(allowValid)
            .credentialVerifier(
                credential -> CompletableFuture.failedFuture(new IllegalStateException("down")))
            .build();
    assertThat(failing.decide(withToken, RawRequest.ACCESSOR).reasons())
        .containsExactly("credential_verification_failed");
  }

  @Test
  void verifierIsNotAskedWithoutACredential() {
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(engine(input -> Decision.allow(List.of("ok"), "Ok.")))
            .credentialVerifier(
                credential -> {
                  throw new AssertionError("must not be called");
                })
            .build();

    assertThat(enforcer.decide(ALLOWED, RawRequest.ACCESSOR).allow()).isTrue();
  }

  @Test
  void brokenAccessorIsADeny() {
    PolicyEnforcer enforcer = enforcer(input -> Decision.allow(List.of("ok"), "Ok."));
    RawRequest broken = new RawRequest("GET", "/x", java.util.Map.of(), "not-an-ip");

    assertThat(enforcer.decide(broken, RawRequest.ACCESSOR).reasons())
        .containsExactly("client_address_invalid");
  }

  @Test
  void bodyFramingIsChecked() {
    PolicyEnforcer enforcer = enforcer(input -> Decision.allow(List.of("ok"), "Ok."));

    assertThat(
            enforcer
                .decide(
                    ALLOWED
                        .withHeader("Content-Length", "5")
                        .withHeader("Transfer-Encoding", "chunked"),
                    RawRequest.ACCESSOR)
                .reasons())
        .containsExactly("conflicting_body_length");
    assertThat(
            enforcer
                .decide(
                    ALLOWED.withHeader("Content-Length", "5").withHeader("content-length", "6"),
                    RawRequest.ACCESSOR)
                .reasons())
        .containsExactly("invalid_content_length");
    assertThat(
            enforcer
                .decide(ALLOWED.withHeader("Content-Length", "-1"), RawRequest.ACCESSOR)
                .reasons())
        .containsExactly("invalid_content_length");
    assertThat(
            enforcer
                .decide(ALLOWED.withHeader("Content-Length", "5, 5"), RawRequest.ACCESSOR)
                .allow())
        .isTrue();
  }

  @Test
  void aConnectionHeaderNamingAJudgedHeaderIs400() {
    PolicyEnforcer enforcer = enforcer(input -> Decision.allow(List.of("ok"), "Ok."));

    for (String options :
        List.of(
            "Authorization", "keep-alive, authorization", "Content-Length", "host", "user-agent")) {
      Decision decision =
          enforcer.decide(ALLOWED.withHeader("Connection", options), RawRequest.ACCESSOR);
      assertThat(decision.status()).as(options).isEqualTo(400);
      assertThat(decision.reasons()).as(options).containsExactly("connection_header_invalid");
    }
    for (String options :
        List.of("keep-alive", "close", "Keep-Alive", "Upgrade, HTTP2-Settings", "te")) {
      assertThat(
              enforcer
                  .decide(ALLOWED.withHeader("Connection", options), RawRequest.ACCESSOR)
                  .allow())
          .as(options)
          .isTrue();
    }
  }

  @Test
  void invalidMethodIs400() {
    PolicyEnforcer enforcer = enforcer(input -> Decision.allow(List.of("ok"), "Ok."));

    assertThat(
            enforcer
                .decide(RawRequest.of("GE T", "/x", "203.0.113.7"), RawRequest.ACCESSOR)
                .reasons())
        .containsExactly("invalid_method");
  }

  @Test
  void listenersSeeEveryDecisionAndCannotChangeIt() {
    List<Decision> heard = new ArrayList<>();
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(engine(input -> Decision.allow(List.of("ok"), "Ok.")))
            .listener(
                (method, input, decision) -> {
                  throw new IllegalStateException("listener broke");
                })
            .listener((method, input, decision) -> heard.add(decision))
            .build();

    Decision allowed = enforcer.decide(ALLOWED, RawRequest.ACCESSOR);
    Decision rejected =
        enforcer.decide(RawRequest.of("GET", "/a/../b", "203.0.113.7"), RawRequest.ACCESSOR);

    assertThat(allowed.allow()).isTrue();
    assertThat(heard).containsExactly(allowed, rejected);
  }

  @Test
  void secretHeadersCanNeverBeSelected() {
    assertThatThrownBy(
            () ->
                PolicyEnforcer.builder(engine(input -> null))
                    .selectedHeaders(Set.of("Authorization"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("authorization");
  }

  @Test
  void aProfileCanAddSecretHeaders() {
    assertThatThrownBy(
            () ->
                PolicyEnforcer.builder(engine(input -> null))
                    .secretHeaders(Set.of("X-Product-Passcode"))
                    .selectedHeaders(Set.of("x-product-passcode"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x-product-passcode");
    assertThat(
            PolicyEnforcer.builder(engine(input -> null))
                .selectedHeaders(Set.of("x-product-passcode"))
                .build())
        .isNotNull();
  }

  @Test
  void theConfiguredRealmGoesToEvery401AndNowhereElse() {
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(engine(input -> Decision.deny(401, "credential_missing", "Who?")))
            .realm("Nexus Repository")
            .build();
    PolicyEnforcer forbidding =
        PolicyEnforcer.builder(engine(input -> Decision.deny(403, "nope", "No.")))
            .realm("Nexus Repository")
            .build();

    assertThat(enforcer.decide(ALLOWED, RawRequest.ACCESSOR).realm()).isEqualTo("Nexus Repository");
    assertThat(DeniedResponse.challenges(enforcer.decide(ALLOWED, RawRequest.ACCESSOR)))
        .containsExactly(
            "Basic realm=\"Nexus Repository\", charset=\"UTF-8\"",
            "Bearer realm=\"Nexus Repository\"");
    assertThat(forbidding.decide(ALLOWED, RawRequest.ACCESSOR))
        .isEqualTo(Decision.deny(403, "nope", "No."));
    assertThat(
            enforcer(input -> Decision.deny(401, "credential_missing", "Who?"))
                .decide(ALLOWED, RawRequest.ACCESSOR))
        .isEqualTo(Decision.deny(401, "credential_missing", "Who?"));
    assertThatThrownBy(() -> PolicyEnforcer.builder(engine(input -> null)).realm("a\"b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static PolicyEnforcer enforcer(Function<PolicyInput, Decision> rules) {
    return PolicyEnforcer.builder(engine(rules)).build();
  }

  static PolicyEngine engine(Function<PolicyInput, Decision> rules) {
    return new PolicyEngine() {
      @Override
      public Decision evaluate(PolicyInput input) {
        return rules.apply(input);
      }

      @Override
      public String describe() {
        return "stub";
      }
    };
  }
}
