package dev.portcullis;

/**
 * A request was refused before any policy saw it because it is malformed or ambiguous (an encoded
 * slash, a dot segment, bad UTF-8, two {@code Authorization} headers...). It carries the 4xx status
 * and the reason code of the deny it becomes. Its message never quotes the offending value.
 */
public class RequestRejectedException extends PortcullisException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String reason;

  public RequestRejectedException(int status, String reason, String message) {
    super(message);
    this.status = status;
    this.reason = reason;
  }

  /** The 4xx status to answer with. */
  public int status() {
    return status;
  }

  /** The reason code, such as {@code encoded_separator}. */
  public String reason() {
    return reason;
  }

  /** The deny this rejection becomes. */
  public Decision toDecision() {
    return Decision.deny(status, reason, getMessage());
  }

  static RequestRejectedException badRequest(String reason, String message) {
    return new RequestRejectedException(400, reason, message);
  }
}
