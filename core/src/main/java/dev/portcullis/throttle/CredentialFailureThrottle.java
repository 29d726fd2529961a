package dev.portcullis.throttle;

import dev.portcullis.client.IpAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Counts failed credentials per client and says when a client must wait. Before it verifies a
 * credential the enforcer {@linkplain #reserve reserves} one failure for the client, so a blocked
 * client causes no verification call and a burst of parallel guesses cannot outrun the count; when
 * the credential turns out valid, or cannot be verified, it {@linkplain #release gives the
 * reservation back}. A credential found invalid keeps it: that is the failure.
 *
 * <p>The enforcer calls {@link #reserveAsync} and {@link #release} on the thread that decides,
 * which may be a Netty event loop: a throttle over a remote store answers {@code reserveAsync}
 * without blocking and releases in the background.
 *
 * <p>Implementations must be thread-safe. {@link SlidingWindowCredentialFailureThrottle} keeps its
 * counts in this process; several gateway instances behind one address need a shared store (see its
 * Javadoc).
 */
public interface CredentialFailureThrottle {

  /** Throttles nobody. */
  CredentialFailureThrottle NONE =
      new CredentialFailureThrottle() {
        @Override
        public Duration reserve(IpAddress client) {
          return Duration.ZERO;
        }

        @Override
        public void release(IpAddress client) {}

        @Override
        public String toString() {
          return "no throttling";
        }
      };

  /**
   * Reserves one failure for the client before its credential is verified: {@link Duration#ZERO}
   * when reserved (the request may go on), otherwise how long the client must wait, and nothing is
   * reserved.
   *
   * @param client the resolved client
   */
  Duration reserve(IpAddress client);

  /**
   * {@link #reserve} for a caller that must not block: the default completes at once with {@code
   * reserve}'s answer, which suits a throttle in memory. A stage that fails is a deny, as an
   * internal error.
   */
  default CompletionStage<Duration> reserveAsync(IpAddress client) {
    return CompletableFuture.completedFuture(reserve(client));
  }

  /**
   * Gives back a reservation whose credential was not a failure (valid, or not verifiable), without
   * blocking.
   */
  void release(IpAddress client);
}
