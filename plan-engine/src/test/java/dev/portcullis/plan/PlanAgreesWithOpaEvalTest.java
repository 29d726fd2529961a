package dev.portcullis.plan;

import dev.portcullis.PolicyInput;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.testkit.OpaEvalDifferential;
import dev.portcullis.testkit.PolicyHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plan engine against {@code opa eval} of the Rego sources the policies jar ships, with the
 * same data, on a sample of generated inputs for every generated configuration: identical allow,
 * status, reasons and message.
 */
class PlanAgreesWithOpaEvalTest {

  @Test
  void planAndOpaEvalAgree() {
    for (String userData : PlanAgreesWithWasmProperties.CONFIGS) {
      List<PolicyInput> inputs =
          PlanAgreesWithWasmProperties.inputs(true).sampleStream().limit(120).toList();
      try (PlanPolicyEngine plan =
              PlanPolicyEngine.builder()
                  .sonarQubePlan()
                  .entrypoint(SonarQubePolicy.ENTRYPOINT)
                  .data(SonarQubePolicy.data(userData))
                  .build();
          PolicyHarness sources =
              PolicyHarness.builder()
                  .regoFromClasspath(SonarQubePolicy.REGO_RESOURCES)
                  .entrypoint(SonarQubePolicy.ENTRYPOINT)
                  .data(SonarQubePolicy.data(userData))
                  .instances(1)
                  .build()) {
        OpaEvalDifferential.of(plan, sources).assertAgreement(inputs);
      }
    }
  }
}
