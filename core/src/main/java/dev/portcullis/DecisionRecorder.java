package dev.portcullis;

/**
 * Receives a {@link DecisionRecord} of every decision the {@link PolicyEnforcer} makes, for
 * decision logs such as {@link dev.portcullis.audit.JsonDecisionLog}.
 *
 * <p>Called on the deciding thread, which may be an event loop: never block (hand the record to a
 * queue). An exception thrown by a recorder is logged and never changes the decision.
 */
@FunctionalInterface
public interface DecisionRecorder {

  /** One decision. */
  void record(DecisionRecord record);
}
