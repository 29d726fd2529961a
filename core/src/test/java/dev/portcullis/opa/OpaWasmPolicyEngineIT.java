package dev.portcullis.opa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs a small policy compiled by the real, pinned OPA CLI (see src/test/opa) in the real wasm
 * engine.
 */
class OpaWasmPolicyEngineIT {

  private static final PolicySource POLICY = PolicySource.classpath("enginetest/policy.wasm");
  private final List<OpaWasmPolicyEngine> engines = new ArrayList<>();

  @AfterEach
  void closeEngines() {
    engines.forEach(OpaWasmPolicyEngine::close);
  }

  @Test
  void allowsAndDeniesAsThePolicySays() {
    OpaWasmPolicyEngine engine = engine("enginetest/decision");

    assertThat(engine.evaluate(input("/allowed")))
        .isEqualTo(Decision.allow(List.of("allowed"), "Allowed."));
    assertThat(engine.evaluate(input("/other")))
        .isEqualTo(Decision.deny(403, "not_allowed", "Denied."));
  }

  @Test
  void interpreterModeGivesTheSameDecisions() {
    OpaWasmPolicyEngine engine =
        build(builder("enginetest/decision").compiled(false).warmUp(2, input("/")));

    assertThat(engine.evaluate(input("/allowed")).allow()).isTrue();
    assertThat(engine.evaluate(input("/other")).allow()).isFalse();
    assertThat(engine.describe()).contains("interpreter");
  }

  @Test
  void inputAndDataReachThePolicyIntact() throws Exception {
    OpaWasmPolicyEngine engine =
        build(
            builder("enginetest/echo").data("{\"config\":{\"strict\":true,\"name\":\"café ✓\"}}"));
    PolicyInput input = input("/static/caf%C3%A9?name=%E2%9C%93%F0%9F%98%80&name=%22");

    // The echo policy is not a decision, so the engine denies it as malformed; its raw output is
    // checked
    // through a second, undecorated evaluation below.
    assertThat(engine.evaluate(input).reasons()).containsExactly("policy_result_malformed");
    String raw =
        com.styra.opa.wasm.OpaPolicy.builder()
            .withPolicy(POLICY.wasm())
            .build()
            .entrypoint("enginetest/echo")
            .data("{\"config\":{\"name\":\"café ✓\"}}")
            .evaluate(input.toJson());
    JsonNode echoed = new ObjectMapper().readTree(raw).get(0).get("result");
    assertThat(echoed.at("/input/request/query/name/0").asText()).isEqualTo("✓😀");
    assertThat(echoed.at("/input/request/query/name/1").asText()).isEqualTo("\"");
    assertThat(echoed.at("/input/request/path_segments/1").asText()).isEqualTo("café");
    assertThat(echoed.at("/data/name").asText()).isEqualTo("café ✓");
  }

  @Test
  void malformedUndefinedAndConfusedResultsAreDenies() {
    assertThat(engine("enginetest/malformed").evaluate(input("/")).reasons())
        .containsExactly("policy_result_malformed");
    assertThat(engine("enginetest/partial").evaluate(input("/other")).reasons())
        .containsExactly("policy_result_undefined");
    assertThat(engine("enginetest/partial").evaluate(input("/defined")).allow()).isTrue();
    assertThat(engine("enginetest/deny_with_ok_status").evaluate(input("/")).reasons())
        .containsExactly("policy_result_malformed");
  }

  @Test
  void missingEntrypointFailsAtBuildListingTheAvailableOnes() {
    assertThatThrownBy(() -> builder("enginetest/nope").build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining(
            "Entrypoint 'enginetest/nope' not found in policy 'classpath:enginetest/policy.wasm'")
        .hasMessageContaining("enginetest/decision")
        .hasMessageContaining("enginetest/slow");
  }

  @Test
  void badPolicyAndBadDataFailAtBuild() {
    assertThatThrownBy(
            () ->
                OpaWasmPolicyEngine.builder()
                    .policy(PolicySource.bytes("garbage.wasm", new byte[] {1, 2, 3}))
                    .entrypoint("x")
                    .build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("garbage.wasm");
    assertThatThrownBy(() -> builder("enginetest/decision").data("{\"a\":").build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> builder("enginetest/decision").data("[1]").build())
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> PolicySource.classpath("no/such/policy.wasm"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("no/such/policy.wasm");
  }

  @Test
  void aRunawayEvaluationIsInterruptedAndTheEngineRecovers() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    OpaWasmPolicyEngine engine =
        build(
            builder("enginetest/slow")
                .instances(1)
                .evaluationTimeout(Duration.ofMillis(50))
                .borrowTimeout(Duration.ofSeconds(30))
                .meterRegistry(registry));
    PolicyInput slow = inputWithValues(3000);

    assertThatThrownBy(() -> engine.evaluate(slow))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.reason()).isEqualTo("engine_timeout");
            });
    assertThat(Thread.currentThread().isInterrupted())
        .as("no interrupt leaks to the caller")
        .isFalse();
    // The interrupted instance was replaced in the background; the next evaluation works.
    Decision next = engine.evaluate(inputWithValues(3));
    assertThat(next.allow()).as("%s", next).isTrue();
    assertThat(next.reasons()).containsExactly("pairs");
    assertThat(
            registry
                .get("portcullis.engine.pool.timeouts")
                .tag("kind", "evaluation")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(engine.revision()).startsWith(POLICY.sha256() + "+").hasSize(64 + 1 + 16);
  }

  @Test
  void concurrentEvaluationsGetTheirOwnAnswers() throws Exception {
    OpaWasmPolicyEngine engine =
        build(builder("enginetest/decision").instances(3).borrowTimeout(Duration.ofSeconds(30)));
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 4000; i++) {
        boolean shouldAllow = i % 3 == 0;
        PolicyInput input = input(shouldAllow ? "/allowed" : "/denied/" + i);
        results.add(threads.submit(() -> engine.evaluate(input).allow() == shouldAllow));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void closedEngineDenies() {
    OpaWasmPolicyEngine engine = engine("enginetest/decision");
    engine.close();

    assertThatThrownBy(() -> engine.evaluate(input("/allowed")))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> assertThat(e.reason()).isEqualTo("engine_closed"));
  }

  private OpaWasmPolicyEngine engine(String entrypoint) {
    return build(builder(entrypoint));
  }

  @Test
  void decisionCacheAnswersRepeatedInputsWithTheSameDecision() {
    OpaWasmPolicyEngine cached = build(builder("enginetest/decision").decisionCache(1024 * 1024));
    OpaWasmPolicyEngine uncached = engine("enginetest/decision");

    for (int round = 0; round < 3; round++) {
      for (String path : List.of("/allowed", "/other", "/allowed/", "/")) {
        assertThat(cached.evaluate(input(path))).isEqualTo(uncached.evaluate(input(path)));
      }
    }

    assertThat(cached.decisionCacheHits()).isEqualTo(8);
    assertThat(uncached.decisionCacheHits()).isZero();
    assertThat(cached.describe()).contains("decision-cache=1024KiB");
  }

  @Test
  void aDeclaredPolicySharesADecisionAcrossFieldsItDoesNotRead() {
    // enginetest/decision reads input.request.path alone.
    OpaWasmPolicyEngine cached =
        build(
            builder("enginetest/decision")
                .policy(POLICY.readsOnly(EnumSet.of(InputField.REQUEST_PATH)))
                .decisionCache(1024 * 1024));

    Decision first = cached.evaluate(input("/allowed", "203.0.113.7"));
    Decision fromAnotherClient = cached.evaluate(input("/allowed", "198.51.100.9"));
    Decision otherPath = cached.evaluate(input("/other", "198.51.100.9"));

    assertThat(fromAnotherClient).isEqualTo(first);
    assertThat(first.allow()).isTrue();
    assertThat(otherPath.allow()).isFalse();
    assertThat(cached.decisionCacheHits()).isEqualTo(1);
    assertThat(cached.describe()).contains("decision-key-fields=1");
  }

  @Test
  void withoutADeclarationEveryFieldIsInTheKey() {
    OpaWasmPolicyEngine cached = build(builder("enginetest/decision").decisionCache(1024 * 1024));

    cached.evaluate(input("/allowed", "203.0.113.7"));
    cached.evaluate(input("/allowed", "198.51.100.9"));

    assertThat(cached.decisionCacheHits()).isZero();
  }

  @Test
  void refusedResultsAreNeverCached() {
    OpaWasmPolicyEngine cached = build(builder("enginetest/malformed").decisionCache(1024 * 1024));

    for (int i = 0; i < 3; i++) {
      assertThat(cached.evaluate(input("/")).reasons()).containsExactly("policy_result_malformed");
    }
    assertThat(cached.decisionCacheHits()).isZero();
  }

  @Test
  void aDeclarationNeedsAField() {
    assertThatThrownBy(() -> POLICY.readsOnly(EnumSet.noneOf(InputField.class)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(POLICY.inputFields()).isEqualTo(InputField.ALL);
  }

  @Test
  void aClosedEngineRefusesEvenWhatItHasCached() {
    OpaWasmPolicyEngine cached = build(builder("enginetest/decision").decisionCache(1024 * 1024));
    cached.evaluate(input("/allowed"));
    cached.close();

    assertThatThrownBy(() -> cached.evaluate(input("/allowed")))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> assertThat(e.reason()).isEqualTo("engine_closed"));
  }

  private OpaWasmPolicyEngine build(OpaWasmPolicyEngine.Builder builder) {
    OpaWasmPolicyEngine engine = builder.build();
    engines.add(engine);
    return engine;
  }

  private static OpaWasmPolicyEngine.Builder builder(String entrypoint) {
    return OpaWasmPolicyEngine.builder()
        .policy(POLICY)
        .entrypoint(entrypoint)
        .instances(2)
        .warmUp(5, input("/"));
  }

  static PolicyInput input(String target) {
    return input(target, "203.0.113.7");
  }

  static PolicyInput input(String target, String clientIp) {
    return new PolicyInput(
        PolicyInput.Request.of(
            "GET",
            CanonicalTarget.parse(target),
            Map.of(),
            List.of(),
            PolicyInput.NO_CONTENT_LENGTH),
        new PolicyInput.Client(clientIp),
        PolicyInput.CredentialSummary.NONE);
  }

  private static PolicyInput inputWithValues(int count) {
    StringBuilder target = new StringBuilder("/slow?");
    for (int i = 0; i < count; i++) {
      target.append(i == 0 ? "" : "&").append("n=").append(i);
    }
    return new PolicyInput(
        PolicyInput.Request.of(
            "GET",
            CanonicalTarget.parse(target.toString(), 1 << 20),
            Map.of(),
            List.of(),
            PolicyInput.NO_CONTENT_LENGTH),
        new PolicyInput.Client("203.0.113.7"),
        PolicyInput.CredentialSummary.NONE);
  }
}
