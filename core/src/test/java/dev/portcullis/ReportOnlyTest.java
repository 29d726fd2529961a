package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Report-only mode forwards what the policy denies, and nothing else. */
class ReportOnlyTest {

  private final List<DecisionRecord> records = new CopyOnWriteArrayList<>();

  private PolicyEnforcer reportOnly(PolicyEngineRules rules) {
    return PolicyEnforcer.builder(PolicyEnforcerTest.engine(rules::decide))
        .reportOnly(true)
        .recorder(records::add)
        .build();
  }

  @FunctionalInterface
  interface PolicyEngineRules {
    Decision decide(PolicyInput input);
  }

  @Test
  void aPolicyDenyIsForwardedAndRecordedAsNotEnforced() {
    PolicyEnforcer enforcer = reportOnly(input -> Decision.deny(403, "user_directory", "No."));

    Decision decision =
        enforcer.decide(
            RawRequest.of("GET", "/api/users/search?q=%61", "203.0.113.7"), RawRequest.ACCESSOR);

    assertThat(decision.allow()).isTrue();
    assertThat(decision.forwardTarget()).isEqualTo("/api/users/search?q=a");
    assertThat(decision.reasons()).containsExactly("user_directory");
    assertThat(enforcer.reportOnly()).isTrue();
    assertThat(records).hasSize(1);
    DecisionRecord record = records.get(0);
    assertThat(record.enforced()).isFalse();
    assertThat(record.decision().allow()).isFalse();
    assertThat(record.decision().status()).isEqualTo(403);
    assertThat(record.input()).isNotNull();
  }

  @Test
  void framingRefusalsAndFailuresAreEnforcedEvenInReportOnlyMode() {
    PolicyEnforcer enforcer =
        reportOnly(
            input -> {
              if (input.request().path().equals("/broken")) {
                throw new IllegalStateException("boom");
              }
              return Decision.deny(403, "nope", "No.");
            });

    Decision ambiguous =
        enforcer.decide(RawRequest.of("GET", "/a/..%2Fb", "203.0.113.7"), RawRequest.ACCESSOR);
    Decision failed =
        enforcer.decide(RawRequest.of("GET", "/broken", "203.0.113.7"), RawRequest.ACCESSOR);
    Decision malformedResult =
        reportOnly(input -> Decision.deny(500, "policy_result_malformed", "Bad."))
            .decide(RawRequest.of("GET", "/x", "203.0.113.7"), RawRequest.ACCESSOR);

    assertThat(ambiguous.allow()).isFalse();
    assertThat(ambiguous.status()).isEqualTo(400);
    assertThat(failed.allow()).isFalse();
    assertThat(failed.status()).isEqualTo(500);
    assertThat(malformedResult.allow()).isFalse();
    assertThat(records).allMatch(DecisionRecord::enforced);
  }

  @Test
  void withoutReportOnlyADenyIsEnforcedAndRecordedAsSuch() {
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                PolicyEnforcerTest.engine(input -> Decision.deny(403, "nope", "No.")))
            .recorder(records::add)
            .build();

    Decision decision =
        enforcer.decide(RawRequest.of("GET", "/x", "203.0.113.7"), RawRequest.ACCESSOR);

    assertThat(decision.allow()).isFalse();
    assertThat(records).singleElement().satisfies(r -> assertThat(r.enforced()).isTrue());
    assertThat(records.get(0).evaluationNanos()).isNotNegative();
    assertThat(records.get(0).durationNanos())
        .isGreaterThanOrEqualTo(records.get(0).evaluationNanos());
  }
}
