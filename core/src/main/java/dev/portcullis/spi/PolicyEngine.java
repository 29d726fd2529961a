package dev.portcullis.spi;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Evaluates a policy for one {@link PolicyInput}.
 *
 * <p>Implementations must be thread-safe. A deny is a value, not an exception: return {@link
 * Decision#deny} for an undefined or malformed policy result, and throw {@link
 * PolicyEvaluationException} only when evaluation itself failed or timed out. The {@code
 * PolicyEnforcer} turns any exception into a deny, so an engine never needs to catch everything.
 *
 * <p>The enforcer asks through {@link #evaluateAsync}, possibly on a Netty event loop: an engine
 * that waits for something (a remote server) overrides it so that it never blocks; an engine that
 * computes in place (the wasm engine) keeps the default.
 */
public interface PolicyEngine extends AutoCloseable {

  /** The decision for one input, not yet bound to a target. */
  Decision evaluate(PolicyInput input);

  /**
   * {@link #evaluate} for a caller that must not block. The default evaluates on the calling thread
   * and completes at once, which suits an engine that computes in place. A stage that fails with a
   * {@link PolicyEvaluationException} is a deny with its status and reason, as when {@code
   * evaluate} throws it; any other failure is a deny as an engine error.
   */
  default CompletionStage<Decision> evaluateAsync(PolicyInput input) {
    try {
      return CompletableFuture.completedFuture(evaluate(input));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

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
