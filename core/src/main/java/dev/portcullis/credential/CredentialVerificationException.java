package dev.portcullis.credential;

import dev.portcullis.PortcullisException;

/**
 * A credential could not be verified: the verifier's upstream was unreachable or answered something
 * other than a yes or a no. The enforcer turns it into a 503 deny ({@code
 * credential_verification_failed}).
 *
 * <p>Its message names the upstream and what went wrong, never the credential. A verifier that ran
 * out of time completes with a {@link java.util.concurrent.TimeoutException} instead, which the
 * enforcer reports as {@code credential_verification_timeout}.
 */
public final class CredentialVerificationException extends PortcullisException {
  private static final long serialVersionUID = 1L;

  /** The upstream could not be reached or the exchange broke off. */
  public static final String UNREACHABLE = "unreachable";

  /** The upstream answered with a redirect, which is never followed with a credential. */
  public static final String REDIRECT = "redirect";

  /** The upstream answered with a status that is neither a yes nor a no. */
  public static final String UNEXPECTED_STATUS = "unexpected_status";

  /** The upstream's answer could not be read as a yes or a no. */
  public static final String MALFORMED_RESPONSE = "malformed_response";

  private final String kind;
  private final int upstreamStatus;

  public CredentialVerificationException(
      String kind, int upstreamStatus, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.upstreamStatus = upstreamStatus;
  }

  /** What went wrong, one of the constants of this class; stable, for logs and metrics. */
  public String kind() {
    return kind;
  }

  /** The HTTP status the upstream answered with, or -1 when there was no answer. */
  public int upstreamStatus() {
    return upstreamStatus;
  }
}
