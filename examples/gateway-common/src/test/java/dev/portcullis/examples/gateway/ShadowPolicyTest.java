package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.DecisionRecord;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.examples.gateway.ShadowPolicy.Outcome;
import dev.portcullis.policies.SonarQubeCredentialClassifier;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.PolicyEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShadowPolicyTest {

  private static final Decision ALLOW =
      Decision.allow(List.of("scanner_endpoint"), "ok").forTarget("/api/x");
  private static final Decision DENY = Decision.deny(403, "user_directory", "no");

  @TempDir Path dir;

  @Test
  void countsAgreementsAndDisagreementsByAllowStatusAndReasons() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ShadowPolicy shadow = new ShadowPolicy(engine(input -> DENY), "candidate", 8, registry)) {
      shadow.record(record(DENY));
      shadow.record(record(Decision.deny(403, "other_reason", "no")));
      shadow.record(record(Decision.deny(401, "user_directory", "no")));
      shadow.record(record(ALLOW));
      await(shadow, Outcome.AGREE, 1);
      await(shadow, Outcome.DISAGREE, 3);
      assertThat(
              registry
                  .get("portcullis.shadow.decisions")
                  .tag("outcome", "disagree")
                  .counter()
                  .count())
          .isEqualTo(3);
      assertThat(
              registry
                  .get("portcullis.shadow.decisions")
                  .tag("outcome", "dropped")
                  .counter()
                  .count())
          .isZero();
    }
  }

  @Test
  void aFailingCandidateIsCountedNotThrown() throws Exception {
    try (ShadowPolicy shadow =
        new ShadowPolicy(
            engine(
                input -> {
                  throw new IllegalStateException("boom");
                }),
            "candidate",
            8,
            null)) {
      shadow.record(record(ALLOW));
      await(shadow, Outcome.ERROR, 1);
      assertThat(shadow.counted(Outcome.AGREE) + shadow.counted(Outcome.DISAGREE)).isZero();
    }
  }

  @Test
  void aFullQueueDropsWithoutBlockingTheCaller() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ShadowPolicy shadow =
        new ShadowPolicy(
            engine(
                input -> {
                  started.countDown();
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return ALLOW;
                }),
            "candidate",
            1,
            null)) {
      shadow.record(record(ALLOW)); // running, stuck in the candidate
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      long begin = System.nanoTime();
      shadow.record(record(ALLOW)); // queued
      shadow.record(record(ALLOW)); // dropped
      shadow.record(record(ALLOW)); // dropped
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(1));
      assertThat(shadow.counted(Outcome.DROPPED)).isEqualTo(2);
      release.countDown();
      await(shadow, Outcome.AGREE, 2);
    }
  }

  @Test
  void refusalsWithoutAPolicyInputOrMadeByTheEnforcerAreNotJudged() throws Exception {
    try (ShadowPolicy shadow = new ShadowPolicy(engine(input -> DENY), "candidate", 8, null)) {
      shadow.record(new DecisionRecord("GET", null, DENY, true, 0, 0, 0, "rev"));
      shadow.record(record(Decision.deny(429, "too_many_failed_credentials", "wait")));
      shadow.record(record(Decision.bodyTooLarge()));
      shadow.record(record(DENY));
      await(shadow, Outcome.AGREE, 1);
      assertThat(shadow.counted(Outcome.DISAGREE)).isZero();
    }
  }

  @Test
  void theBundledPolicyAsACandidateAgreesWithItself() throws Exception {
    Path wasm = dir.resolve("policy.wasm");
    Files.write(wasm, SonarQubePolicy.source().wasm());
    String data =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"alpha\"]}}}}";
    Decision enforced;
    try (PolicyEngine engine = SonarQubePolicy.engine(data).build()) {
      enforced = engine.evaluate(input());
    }
    // A deny only with the data: agreeing shows the candidate got the same data.
    assertThat(enforced.reasons()).containsExactly("project_not_allowed");
    try (ShadowPolicy shadow = ShadowPolicy.load(candidate(wasm), data, null)) {
      shadow.record(record(enforced));
      await(shadow, Outcome.AGREE, 1);
    }
    try (ShadowPolicy otherData = ShadowPolicy.load(candidate(wasm), null, null)) {
      otherData.record(record(enforced));
      await(otherData, Outcome.DISAGREE, 1);
    }
  }

  @Test
  void aDataReloadRebuildsTheCandidateAndAFailedOneKeepsTheOld() throws Exception {
    Path wasm = dir.resolve("policy.wasm");
    Files.write(wasm, SonarQubePolicy.source().wasm());
    String onlyAlpha =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"alpha\"]}}}}";
    String withDemo = onlyAlpha.replace("\"alpha\"", "\"alpha\",\"demo\"");
    Decision allowedWithDemo;
    try (PolicyEngine engine = SonarQubePolicy.engine(withDemo).build()) {
      allowedWithDemo = engine.evaluate(input());
    }
    assertThat(allowedWithDemo.allow()).isTrue();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ShadowPolicy shadow = ShadowPolicy.load(candidate(wasm), onlyAlpha, registry)) {
      String before = shadow.revision();
      shadow.record(record(allowedWithDemo));
      await(shadow, Outcome.DISAGREE, 1);

      shadow.reload(withDemo);
      assertThat(shadow.revision()).isNotEqualTo(before);
      shadow.record(record(allowedWithDemo));
      await(shadow, Outcome.AGREE, 1);

      String good = shadow.revision();
      shadow.reload("[\"not an object\"]");
      assertThat(shadow.revision()).isEqualTo(good);
      assertThat(
              registry.get("portcullis.shadow.reloads").tag("outcome", "failure").counter().count())
          .isEqualTo(1);
      assertThat(
              registry.get("portcullis.shadow.reloads").tag("outcome", "success").counter().count())
          .isEqualTo(1);
    }
  }

  @Test
  void aBadFileStopsTheStartNamingIt() throws Exception {
    Path bad = dir.resolve("candidate.wasm");
    Files.writeString(bad, "not wasm");
    assertThatThrownBy(() -> ShadowPolicy.load(candidate(bad), null, null))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("--shadow-policy " + bad);
    Path missing = dir.resolve("missing.wasm");
    assertThatThrownBy(() -> ShadowPolicy.load(candidate(missing), null, null))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("--shadow-policy " + missing);
  }

  private static PolicyFile candidate(Path file) {
    return new PolicyFile("--shadow-policy", file, null);
  }

  private static void await(ShadowPolicy shadow, Outcome outcome, long count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (shadow.counted(outcome) < count) {
      assertThat(System.nanoTime()).as(outcome + " counted").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(shadow.counted(outcome)).isEqualTo(count);
  }

  private static PolicyEngine engine(Function<PolicyInput, Decision> decide) {
    return new PolicyEngine() {
      @Override
      public Decision evaluate(PolicyInput input) {
        return decide.apply(input);
      }

      @Override
      public String describe() {
        return "test candidate";
      }
    };
  }

  private static DecisionRecord record(Decision decision) {
    return new DecisionRecord("GET", input(), decision, true, 0, 0, 0, "rev");
  }

  private static PolicyInput input() {
    return new PolicyInput(
        PolicyInput.Request.of(
            "GET",
            CanonicalTarget.parse("/api/settings/values.protobuf?component=demo"),
            Map.of(),
            List.of("authorization", "host"),
            PolicyInput.NO_CONTENT_LENGTH),
        new PolicyInput.Client("127.0.0.1"),
        new PolicyInput.CredentialSummary(
            true,
            CredentialScheme.BASIC,
            SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN,
            CredentialValidity.VALID,
            "test"));
  }
}
