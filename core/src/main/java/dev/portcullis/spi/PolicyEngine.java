package dev.portcullis.spi;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;

/**
 * Evaluates a policy for one {@link PolicyInput}.
 *
 * <p>Implementations must be thread-safe. A deny is a value, not an exception: return {@link
 * Decision#deny} for an undefined or malformed policy result, and throw {@link
 * PolicyEvaluationException} only when evaluation itself failed or timed out. The {@code
 * PolicyEnforcer} turns any exception into a deny, so an engine never needs to catch everything.
 */
public interface PolicyEngine extends AutoCloseable {

  /** The decision for one input, not yet bound to a target. */
  Decision evaluate(PolicyInput input);

  /** A short description for logs, such as {@code opa-wasm policy=sonarqube.wasm}. */
  String describe();

  /**
   * What identifies the policy (and data) that decides, such as a content hash, for decision logs;
   * "" when the engine does not say.
   */
  default String revision() {
    return "";
  }

  /** Releases the engine's resources; evaluations after this fail. */
  @Override
  default void close() {}
}
