package dev.portcullis.plan;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The bundled policy on both embedded engines, with the same data, for differential tests. */
final class Engines implements AutoCloseable {

  final OpaWasmPolicyEngine wasm;
  final PlanPolicyEngine plan;

  Engines(String userData) {
    String data = SonarQubePolicy.data(userData);
    this.wasm =
        SonarQubePolicy.engine(userData)
            .instances(1)
            .warmUp(20)
            // The machine running the tests may be loaded: a timeout here is no disagreement.
            .evaluationTimeout(Duration.ofSeconds(60))
            .borrowTimeout(Duration.ofSeconds(60))
            .build();
    this.plan =
        PlanPolicyEngine.builder()
            .sonarQubePlan()
            .entrypoint(SonarQubePolicy.ENTRYPOINT)
            .data(data)
            .evaluationTimeout(Duration.ofSeconds(60))
            .build();
  }

  /**
   * The inputs the enforcer builds for {@code requests}, credentials verified as {@code validity}.
   */
  List<PolicyInput> inputsOf(List<RawRequest> requests, CredentialValidity validity) {
    List<PolicyInput> inputs = new ArrayList<>();
    PolicyEnforcer enforcer = enforcer(wasm, validity, inputs);
    for (RawRequest request : requests) {
      enforcer.decide(request, RawRequest.ACCESSOR);
    }
    return inputs;
  }

  /** The enforcer's decisions for {@code request} with each engine. */
  Decision[] decide(RawRequest request, CredentialValidity validity) {
    return new Decision[] {
      enforcer(wasm, validity, new ArrayList<>()).decide(request, RawRequest.ACCESSOR),
      enforcer(plan, validity, new ArrayList<>()).decide(request, RawRequest.ACCESSOR)
    };
  }

  private static PolicyEnforcer enforcer(
      PolicyEngine engine, CredentialValidity validity, List<PolicyInput> seen) {
    return SonarQubePolicy.enforcer(engine)
        .credentialVerifier(
            CredentialVerifier.of(credential -> CredentialVerification.asserted(validity)))
        .listener((method, input, decision) -> seen.add(input))
        .build();
  }

  @Override
  public void close() {
    wasm.close();
    plan.close();
  }
}
