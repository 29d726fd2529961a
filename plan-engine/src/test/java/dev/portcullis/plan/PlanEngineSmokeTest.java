package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.PolicyInput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanEngineSmokeTest {

  @Test
  void bundledPlanDecidesLikeTheWasm() {
    try (Engines engines = new Engines(null)) {
      for (String target :
          List.of("/api/server/version", "/api/users/search", "/api/ce/submit?projectKey=a", "/")) {
        PolicyInput input =
            new PolicyInput(
                PolicyInput.Request.of(
                    "GET",
                    CanonicalTarget.parse(target),
                    Map.of(),
                    List.of("host"),
                    PolicyInput.NO_CONTENT_LENGTH),
                new PolicyInput.Client("127.0.0.1"),
                PolicyInput.CredentialSummary.NONE);
        assertThat(engines.plan.evaluate(input)).as(target).isEqualTo(engines.wasm.evaluate(input));
      }
    }
  }
}
