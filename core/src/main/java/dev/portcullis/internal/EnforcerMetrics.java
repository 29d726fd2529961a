package dev.portcullis.internal;

import dev.portcullis.Decision;

/**
 * What the enforcer counts. The default does nothing, so the core never touches a metrics library
 * unless a registry was handed in ({@link MicrometerEnforcerMetrics}).
 *
 * <p>Not for public use. Implementations are thread-safe and never block.
 */
public interface EnforcerMetrics {

  /** Counts nothing. */
  EnforcerMetrics NONE = new EnforcerMetrics() {};

  /**
   * One decision.
   *
   * @param judged what was decided (in report-only mode, a deny that was not enforced)
   * @param enforced false when {@code judged} is a deny that was forwarded anyway
   * @param nanos from reading the request to the decision, credential verification included
   */
  default void decided(Decision judged, boolean enforced, long nanos) {}

  /**
   * One credential verification outcome: {@code valid}, {@code invalid}, {@code unknown}, {@code
   * timeout} or {@code error}; {@code remembered} when the verifier answered from its cache.
   */
  default void verified(String outcome, boolean remembered) {}

  /** A request refused with 429 because its client presented too many failed credentials. */
  default void throttled() {}
}
