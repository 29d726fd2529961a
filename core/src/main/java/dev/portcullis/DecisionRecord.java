package dev.portcullis;

import java.util.Objects;

/**
 * One decision with what an audit trail needs beyond the {@link Decision} an adapter acts on.
 *
 * @param method the request method
 * @param input the policy input, or {@code null} when the request was rejected before a policy saw
 *     it; it holds no credential, only its kind and verified validity
 * @param decision what was decided; in report-only mode, a policy deny that was not enforced
 * @param enforced false when {@code decision} is a deny that the request was forwarded in spite of
 *     (report-only mode); true otherwise
 * @param epochMillis when the decision was made, in milliseconds since the epoch
 * @param evaluationNanos time spent in the policy engine for this request
 * @param durationNanos time from reading the request to the decision, verification included
 * @param revision the engine's {@link dev.portcullis.spi.PolicyEngine#revision()}
 */
public record DecisionRecord(
    String method,
    PolicyInput input,
    Decision decision,
    boolean enforced,
    long epochMillis,
    long evaluationNanos,
    long durationNanos,
    String revision) {

  public DecisionRecord {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(revision, "revision");
    if (!enforced && decision.allow()) {
      throw new IllegalArgumentException("only a deny can be left unenforced");
    }
  }
}
