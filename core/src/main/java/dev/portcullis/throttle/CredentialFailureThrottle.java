package dev.portcullis.throttle;

import java.time.Duration;

/**
 * Counts failed credentials per client and says when a client must wait. The enforcer asks
 * {@link #blockedFor} before it verifies a credential, so a blocked client causes no verification call,
 * and reports each credential the verifier found invalid with {@link #recordFailure}.
 *
 * <p>Implementations must be thread-safe. {@link BucketCredentialFailureThrottle} keeps its counts in
 * this process; several gateway instances behind one address need a shared store (see its Javadoc).
 */
public interface CredentialFailureThrottle {

  /** Throttles nobody. */
  CredentialFailureThrottle NONE = new CredentialFailureThrottle() {
    @Override
    public Duration blockedFor(String clientIp) {
      return Duration.ZERO;
    }

    @Override
    public void recordFailure(String clientIp) {}

    @Override
    public String toString() {
      return "no throttling";
    }
  };

  /**
   * How long the client must wait before presenting another credential, or {@link Duration#ZERO} when
   * it may go on.
   *
   * @param clientIp the resolved client IP in its normalized text form
   */
  Duration blockedFor(String clientIp);

  /** Counts one credential from this client that the verifier found invalid. */
  void recordFailure(String clientIp);
}
