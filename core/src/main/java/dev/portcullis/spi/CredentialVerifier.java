package dev.portcullis.spi;

import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialVerification;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a credential is genuine before the policy sees the request. Asynchronous, because
 * a verifier may ask the product behind the gateway, and an adapter on an event loop must never
 * wait for that.
 *
 * <p>Implementations must be thread-safe, must never log the secret, and should compare secrets in
 * constant time. A stage that completes exceptionally (or a verifier that throws) becomes a 503
 * deny. A verifier should bound its own time; the enforcer also gives up after its verification
 * timeout.
 */
@FunctionalInterface
public interface CredentialVerifier {

  /**
   * Leaves every credential unverified ({@code valid: "unknown"}); the policy decides what that
   * means.
   */
  CredentialVerifier NONE =
      credential -> CompletableFuture.completedFuture(CredentialVerification.UNVERIFIED);

  /** Verifies a present credential. Never called for {@link Credential#NONE}. */
  CompletionStage<CredentialVerification> verify(Credential credential);

  /**
   * What this verifier already knows about the credential without asking anyone, such as a cached
   * answer; empty by default. The enforcer uses it to decide at once for a credential known to be
   * valid, and never throttles one. Must not block.
   */
  default Optional<CredentialVerification> remembered(Credential credential) {
    return Optional.empty();
  }

  /**
   * Whether a verification of this very credential is already under way, one whose answer a new
   * {@link #verify} call would share; false by default. The enforcer then waits for that answer
   * without reserving another of the client's failures: the request that started the verification
   * holds one, and the same credential checked once is one attempt however many requests carry it.
   * Must not block.
   */
  default boolean verifying(Credential credential) {
    return false;
  }

  /**
   * A verifier that answers synchronously, for verifiers that never block (a hash set, an
   * assertion).
   */
  static CredentialVerifier of(
      java.util.function.Function<Credential, CredentialVerification> verification) {
    return credential -> CompletableFuture.completedFuture(verification.apply(credential));
  }
}
