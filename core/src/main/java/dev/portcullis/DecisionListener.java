package dev.portcullis;

/**
 * Receives every decision the {@link PolicyEnforcer} makes, for audit trails and metrics.
 *
 * <p>Called on the deciding thread: keep it fast and non-blocking. An exception thrown by a
 * listener is logged and never changes the decision.
 */
@FunctionalInterface
public interface DecisionListener {

  /**
   * One decision.
   *
   * @param method the request method
   * @param input the policy input, or {@code null} when the request was rejected before a policy
   *     saw it
   * @param decision the decision
   */
  void onDecision(String method, PolicyInput input, Decision decision);
}
