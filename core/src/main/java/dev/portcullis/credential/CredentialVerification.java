package dev.portcullis.credential;

import java.util.Objects;

/**
 * The outcome of verifying a credential.
 *
 * @param validity valid, invalid or unknown
 * @param verifier a short name of who verified it, used in the policy input ({@code
 *     credential.verifier})
 */
public record CredentialVerification(CredentialValidity validity, String verifier) {

  /** Nobody verified the credential. */
  public static final CredentialVerification UNVERIFIED =
      new CredentialVerification(CredentialValidity.UNKNOWN, "none");

  public CredentialVerification {
    Objects.requireNonNull(validity, "validity");
    Objects.requireNonNull(verifier, "verifier");
  }

  /** A validity stated by the caller, such as the command line's {@code --credential-valid}. */
  public static CredentialVerification asserted(CredentialValidity validity) {
    return new CredentialVerification(validity, "asserted");
  }
}
