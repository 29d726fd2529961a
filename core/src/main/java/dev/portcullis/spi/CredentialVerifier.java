package dev.portcullis.spi;

import dev.portcullis.Credential;
import dev.portcullis.CredentialVerification;

/**
 * Decides whether a credential is genuine before the policy sees the request.
 *
 * <p>Implementations must be thread-safe, must never log the secret, and should compare secrets in
 * constant time. Throwing is treated as a failed verification and becomes a deny.
 */
@FunctionalInterface
public interface CredentialVerifier {

  /** Leaves every credential unverified ({@code valid: "unknown"}); the policy decides what that means. */
  CredentialVerifier NONE = credential -> CredentialVerification.UNVERIFIED;

  /** Verifies a present credential. Never called for {@link Credential#NONE}. */
  CredentialVerification verify(Credential credential);
}
