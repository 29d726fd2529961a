package dev.portcullis.opa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A policy that needs a built-in the host must implement still runs, on opa-java-wasm. */
class HostBuiltinFallbackTest {

  private static final PolicySource POLICY = PolicySource.classpath("hosttest/policy.wasm");

  @Test
  void theSharedRuntimeRefusesAPolicyThatNeedsHostBuiltIns() {
    assertThatThrownBy(() -> CompiledWasm.load(POLICY.wasm(), POLICY.sha256(), true))
        .isInstanceOf(CompiledWasm.UnsupportedPolicyException.class)
        .hasMessageContaining("sprintf");
  }

  @Test
  void theEngineRunsItOnOpaJavaWasm() {
    try (OpaWasmPolicyEngine engine =
        OpaWasmPolicyEngine.builder()
            .policy(POLICY)
            .entrypoint("hosttest/decision")
            .instances(1)
            .warmUp(1)
            .build()) {
      Decision decision =
          engine.evaluate(
              new PolicyInput(
                  PolicyInput.Request.of(
                      "GET",
                      CanonicalTarget.parse("/formatted"),
                      Map.of(),
                      List.of(),
                      PolicyInput.NO_CONTENT_LENGTH),
                  new PolicyInput.Client("127.0.0.1"),
                  PolicyInput.CredentialSummary.NONE));
      assertThat(decision.allow()).isTrue();
      assertThat(decision.message()).isEqualTo("Path /formatted.");
    }
  }
}
