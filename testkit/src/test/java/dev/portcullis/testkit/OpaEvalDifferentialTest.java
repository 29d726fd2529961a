package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The differential helper finds agreement where there is some, and disagreement where not. */
class OpaEvalDifferentialTest {

  @TempDir Path dir;

  @Test
  void theEmbeddedEngineAgreesWithOpaEvalOnGeneratedRequests() {
    try (PolicyHarness harness = team(dir.resolve("work"))) {
      List<RawRequest> requests = requests(200);

      List<OpaEvalDifferential.Disagreement> disagreements =
          OpaEvalDifferential.of(harness).compareRequests(requests, CredentialValidity.VALID);

      assertThat(disagreements).isEmpty();
      List<PolicyInput> inputs = new ArrayList<>();
      for (RawRequest request : requests) {
        PolicyInput input = harness.inputOf(request, CredentialValidity.INVALID);
        if (input != null) {
          inputs.add(input);
        }
      }
      assertThat(inputs).hasSizeGreaterThan(100);
      OpaEvalDifferential.of(harness).assertAgreement(inputs);
    }
  }

  @Test
  void aDifferentPolicyOnOneSideIsReported() throws IOException {
    try (PolicyHarness harness = team(dir.resolve("work"))) {
      // opa eval reads the staged data file; widen it behind the engine's back.
      Files.writeString(
          harness.dataFile(),
          harness
              .data()
              .replace("\"/api/server/version\"", "\"/api/server/version\",\"/api/users/search\""));
      List<PolicyInput> inputs =
          List.of(
              harness.inputOf(
                  PolicyHarnessTest.get("/api/users/search", "203.0.113.9"),
                  CredentialValidity.VALID),
              harness.inputOf(
                  PolicyHarnessTest.get("/api/server/version", "203.0.113.9"),
                  CredentialValidity.VALID));

      List<OpaEvalDifferential.Disagreement> disagreements =
          OpaEvalDifferential.of(harness).compare(inputs);

      assertThat(disagreements).hasSize(1);
      assertThat(disagreements.get(0).input().request().path()).isEqualTo("/api/users/search");
      assertThat(disagreements.get(0).opaEval()).contains("\"allow\":true");
      assertThatThrownBy(() -> OpaEvalDifferential.of(harness).assertAgreement(inputs))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("disagree on 1 of 2 inputs")
          .hasMessageContaining("/api/users/search");
    }
  }

  private static PolicyHarness team(Path work) {
    return PolicyHarness.builder()
        .rego(PolicyHarnessTest.TEAM_REGO)
        .entrypoint("team/decision")
        .workDirectory(work)
        .build();
  }

  private static List<RawRequest> requests(int count) {
    Arbitrary<RawRequest> requests =
        Combinators.combine(
                Arbitraries.oneOf(
                    PortcullisArbitraries.scannerTraffic(
                        ServerGeneration.SONARQUBE_2025, ScannerKind.CLI),
                    PortcullisArbitraries.sensitiveEndpoints()),
                Arbitraries.oneOf(
                    PortcullisArbitraries.clientIpsIn("203.0.113.0/24", "2001:db8::/32"),
                    PortcullisArbitraries.clientIpsOutside("203.0.113.0/24", "2001:db8::/32")),
                PortcullisArbitraries.credentials())
            .as(
                (request, ip, credential) ->
                    credential.applyTo(RawRequests.withClientIp(request, ip)));
    return requests.list().ofSize(count).sample();
  }
}
