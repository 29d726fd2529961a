package dev.portcullis;

/**
 * A policy engine could not produce a decision for one request. The {@link PolicyEnforcer} turns it
 * into a deny carrying {@link #reason()} and {@link #status()}; it never escapes to an adapter.
 */
public class PolicyEvaluationException extends PortcullisException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String reason;

  public PolicyEvaluationException(int status, String reason, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.reason = reason;
  }

  public PolicyEvaluationException(int status, String reason, String message) {
    this(status, reason, message, null);
  }

  /** The status of the deny this failure becomes (500 or 503). */
  public int status() {
    return status;
  }

  /** The reason code of the deny this failure becomes, such as {@code engine_timeout}. */
  public String reason() {
    return reason;
  }
}
