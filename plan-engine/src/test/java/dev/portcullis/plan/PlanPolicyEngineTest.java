package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.policies.SonarQubePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Loading, failing closed, deadlines and sharing of {@link PlanPolicyEngine}. */
class PlanPolicyEngineTest {

  /** A minimal plan: decision := {"allow": true} calling the given built-in on input.x. */
  private static byte[] plan(String stmtType, String func) {
    String call =
        stmtType.equals("CallStmt")
            ? "{\"type\":\"CallStmt\",\"stmt\":{\"func\":\""
                + func
                + "\",\"args\":[{\"type\":\"local\",\"value\":0}],\"result\":2}},"
            : "{\"type\":\"" + stmtType + "\",\"stmt\":{}},";
    return ("{\"static\":{\"strings\":[{\"value\":\"result\"}]},\"plans\":{\"plans\":[{\"name\":\"p/d\","
            + "\"blocks\":[{\"stmts\":["
            + call
            + "{\"type\":\"MakeObjectStmt\",\"stmt\":{\"target\":3}},"
            + "{\"type\":\"ObjectInsertStmt\",\"stmt\":{\"key\":{\"type\":\"string_index\",\"value\":0},"
            + "\"value\":{\"type\":\"local\",\"value\":2},\"object\":3}},"
            + "{\"type\":\"ResultSetAddStmt\",\"stmt\":{\"value\":3}}]}]}]},\"funcs\":{\"funcs\":[]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aPlanCallingAnUnsupportedBuiltInFailsAtLoadNamingIt() {
    assertThatThrownBy(
            () ->
                PlanPolicyEngine.builder()
                    .plan("t.json", plan("CallStmt", "http.send"))
                    .entrypoint("p/d")
                    .build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("'http.send'")
        .hasMessageContaining("t.json");
  }

  @Test
  void aPlanWithAnUnknownStatementFailsAtLoadNamingIt() {
    assertThatThrownBy(
            () ->
                PlanPolicyEngine.builder()
                    .plan("t.json", plan("TeleportStmt", null))
                    .entrypoint("p/d")
                    .build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("TeleportStmt");
  }

  @Test
  void anUnknownEntrypointFailsAtLoadListingTheOthers() {
    assertThatThrownBy(
            () ->
                PlanPolicyEngine.builder()
                    .plan("t.json", plan("CallStmt", "lower"))
                    .entrypoint("p/nope")
                    .build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("p/nope")
        .hasMessageContaining("[p/d]");
  }

  @Test
  void aPlanThatDecidesNothingIsAnUndefinedResultDeny() {
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder()
            .plan("t.json", plan("CallStmt", "lower"))
            .entrypoint("p/d")
            .build();
    // lower(input) with an object input is undefined: no result.
    Decision decision = engine.evaluate(input("/api/server/version"));
    assertThat(decision.allow()).isFalse();
    assertThat(decision.status()).isEqualTo(500);
    assertThat(decision.reasons()).containsExactly("policy_result_undefined");
    assertThat(engine.evaluateJson("\"ABC\"")).isEqualTo("[{\"result\":\"abc\"}]");
  }

  @Test
  void aResultThatIsNoDecisionIsMalformed() {
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder()
            .plan("t.json", plan("CallStmt", "lower"))
            .entrypoint("p/d")
            .build();
    assertThat(DecisionValues.read(engine.evaluateValue("ABC")).reasons())
        .containsExactly("policy_result_malformed");
  }

  @Test
  void anEvaluationPastItsDeadlineFailsClosedAsEngineTimeout() {
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder()
            .sonarQubePlan()
            .entrypoint(SonarQubePolicy.ENTRYPOINT)
            .data(SonarQubePolicy.data(null))
            .evaluationTimeout(Duration.ofNanos(1))
            .build();
    assertThatThrownBy(() -> engine.evaluate(input("/api/server/version")))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.reason()).isEqualTo("engine_timeout");
            });
  }

  @Test
  void aClosedEngineFailsClosed() {
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder()
            .sonarQubePlan()
            .entrypoint(SonarQubePolicy.ENTRYPOINT)
            .data(SonarQubePolicy.data(null))
            .build();
    engine.close();
    assertThatThrownBy(() -> engine.evaluate(input("/api/server/version")))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> assertThat(e.reason()).isEqualTo("engine_closed"));
  }

  @Test
  void oneEngineDecidesForManyThreadsAtOnce() throws Exception {
    try (Engines engines = new Engines(null)) {
      List<PolicyInput> inputs = new ArrayList<>();
      for (String target : PlanAgreesWithWasmProperties.TARGETS) {
        inputs.add(input(target));
      }
      List<Decision> expected = new ArrayList<>();
      for (PolicyInput input : inputs) {
        expected.add(engines.wasm.evaluate(input));
      }
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          results.add(
              pool.submit(
                  () -> {
                    for (int round = 0; round < 50; round++) {
                      for (int i = 0; i < inputs.size(); i++) {
                        if (!engines.plan.evaluate(inputs.get(i)).equals(expected.get(i))) {
                          return false;
                        }
                      }
                    }
                    return true;
                  }));
        }
        for (Future<Boolean> result : results) {
          assertThat(result.get()).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void theBundledPlanNeedsNoEntrypoint() {
    // The README's snippet, as written.
    PlanPolicyEngine engine =
        PlanPolicyEngine.builder().sonarQubePlan().data(SonarQubePolicy.data(null)).build();
    Decision decision = engine.evaluate(input("/api/users/search"));
    assertThat(decision.allow()).isFalse();
    assertThat(decision.reasons()).containsExactly("credential_missing");
    assertThat(PlanPolicyEngine.SONARQUBE_ENTRYPOINT).isEqualTo(SonarQubePolicy.ENTRYPOINT);
  }

  @Test
  void anEntrypointGivenBeforeTheBundledPlanIsKept() {
    assertThatThrownBy(
            () -> PlanPolicyEngine.builder().entrypoint("p/nope").sonarQubePlan().build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("p/nope");
  }

  private static PolicyInput input(String target) {
    return new PolicyInput(
        PolicyInput.Request.of(
            "GET",
            CanonicalTarget.parse(target),
            Map.of(),
            List.of("host"),
            PolicyInput.NO_CONTENT_LENGTH),
        new PolicyInput.Client("203.0.113.7"),
        PolicyInput.CredentialSummary.NONE);
  }
}
