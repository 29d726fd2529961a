package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.remote.RemoteOpaPolicyEngine;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.OpaServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RemoteOpaPolicyEngine} against a real {@code opa run --server} with the default policy and
 * its default data, plus a deliberately slow rule: allows and denies as the embedded engine does,
 * and every failure of OPA is a deny with its own reason.
 */
class RemoteOpaPolicyEngineIT {

  private static final String TOKEN = "sqa_0123456789abcdef0123456789abcdef01234567";

  @TempDir static Path dir;
  private static OpaServer opa;

  @BeforeAll
  static void startOpa() throws Exception {
    // A rule that takes far longer than the timeout below: a few million iterations.
    Path slow =
        Files.writeString(
            dir.resolve("slow.rego"),
            "package portcullis.slow\n\n"
                + "decision := {\"allow\": true} if {\n"
                + "  count([x | some i in numbers.range(1, 3000000); x := i * i]) > 0\n"
                + "}\n");
    opa =
        OpaServer.builder()
            .policy(Path.of("src/main/rego"), slow)
            .data(SonarQubePolicy.data(null))
            .start();
  }

  @AfterAll
  static void stopOpa() throws Exception {
    if (opa != null) {
      opa.close();
    }
  }

  private static RemoteOpaPolicyEngine engine(String entrypoint) {
    return RemoteOpaPolicyEngine.builder()
        .url(opa.url())
        .entrypoint(entrypoint)
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static Decision decide(PolicyEngine engine, RawRequest request) throws Exception {
    PolicyEnforcer enforcer =
        SonarQubePolicy.enforcer(engine)
            .credentialVerifier(
                CredentialVerifier.of(
                    credential -> CredentialVerification.asserted(CredentialValidity.VALID)))
            .build();
    return enforcer
        .decideAsync(request, RawRequest.ACCESSOR)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void allowsAScannerCallAsTheEmbeddedEngineDoes() throws Exception {
    RawRequest scanner =
        RawRequest.of("GET", "/api/settings/values.protobuf?component=demo", "203.0.113.7")
            .withHeader("Authorization", "Bearer " + TOKEN);
    try (RemoteOpaPolicyEngine remote = engine(SonarQubePolicy.ENTRYPOINT)) {
      Decision decision = decide(remote, scanner);

      assertThat(decision.allow()).isTrue();
      assertThat(decision.forwardTarget())
          .isEqualTo("/api/settings/values.protobuf?component=demo");
      assertThat(remote.answering()).isTrue();
    }
  }

  @Test
  void deniesWhatThePolicyDeniesWithItsStatusAndReasons() throws Exception {
    RawRequest admin =
        RawRequest.of("GET", "/api/users/search?q=a", "203.0.113.7")
            .withHeader("Authorization", "Bearer " + TOKEN);
    Decision embedded;
    try (var wasm = SonarQubePolicy.engine(null).instances(1).warmUp(0).build()) {
      embedded = decide(wasm, admin);
    }
    try (RemoteOpaPolicyEngine remote = engine(SonarQubePolicy.ENTRYPOINT)) {
      Decision decision = decide(remote, admin);

      assertThat(decision.allow()).isFalse();
      assertThat(decision.status()).isEqualTo(403);
      assertThat(decision).isEqualTo(embedded);
    }
  }

  @Test
  void anUndefinedOrWrongResultIsADeny() throws Exception {
    RawRequest request = RawRequest.of("GET", "/api/server/version", "203.0.113.7");
    try (RemoteOpaPolicyEngine undefined = engine("portcullis/sonarqube/no_such_rule")) {
      Decision decision = decide(undefined, request);
      assertThat(decision.allow()).isFalse();
      assertThat(decision.status()).isEqualTo(500);
      assertThat(decision.reasons()).containsExactly("policy_result_undefined");
      assertThat(undefined.warmUp().toCompletableFuture().get(30, TimeUnit.SECONDS)).isFalse();
    }
    // The configuration object is defined, but it is no decision.
    try (RemoteOpaPolicyEngine malformed = engine("portcullis/sonarqube/config")) {
      Decision decision = decide(malformed, request);
      assertThat(decision.allow()).isFalse();
      assertThat(decision.reasons()).containsExactly("policy_result_malformed");
    }
  }

  @Test
  void aSlowPolicyTimesOut() throws Exception {
    try (RemoteOpaPolicyEngine remote =
        RemoteOpaPolicyEngine.builder()
            .url(opa.url())
            .entrypoint("portcullis/slow/decision")
            .requestTimeout(Duration.ofMillis(200))
            .build()) {
      Decision decision = decide(remote, RawRequest.of("GET", "/", "203.0.113.7"));

      assertThat(decision.allow()).isFalse();
      assertThat(decision.status()).isEqualTo(503);
      assertThat(decision.reasons()).containsExactly("engine_timeout");
    }
  }

  @Test
  void opaDownIsADeny() throws Exception {
    try (OpaServer stopped =
            OpaServer.builder()
                .policy(Path.of("src/main/rego"))
                .data(SonarQubePolicy.data(null))
                .start();
        RemoteOpaPolicyEngine remote =
            RemoteOpaPolicyEngine.builder()
                .url(stopped.url())
                .entrypoint(SonarQubePolicy.ENTRYPOINT)
                .build()) {
      assertThat(remote.warmUp().toCompletableFuture().get(30, TimeUnit.SECONDS)).isTrue();
      stopped.stop();

      Decision decision =
          decide(remote, RawRequest.of("GET", "/api/server/version", "203.0.113.7"));

      assertThat(decision.allow()).isFalse();
      assertThat(decision.status()).isEqualTo(503);
      assertThat(decision.reasons()).containsExactly("engine_unavailable");
      assertThat(remote.answering()).isFalse();
      assertThatThrownBy(() -> remote.evaluate(SonarQubePolicy.warmUpInput()))
          .isInstanceOf(PolicyEvaluationException.class);
    }
  }
}
