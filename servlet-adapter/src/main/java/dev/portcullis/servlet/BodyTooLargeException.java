package dev.portcullis.servlet;

import dev.portcullis.Decision;

/**
 * The failure of a read from an allowed request's body once the body has grown past its decision's
 * {@link Decision#maxBodyBytes()}; answered with {@link Decision#bodyTooLarge()} (see {@link
 * BodyRefusedException}).
 */
public final class BodyTooLargeException extends BodyRefusedException {
  private static final long serialVersionUID = 1L;

  private final long maxBodyBytes;

  BodyTooLargeException(long maxBodyBytes) {
    super(
        Decision.bodyTooLarge(),
        "The request body is larger than the " + maxBodyBytes + " bytes its decision allows");
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The limit the body went past. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Whether {@code failure} or one of its causes is a {@code BodyTooLargeException}. */
  public static boolean causedBy(Throwable failure) {
    return causeOf(failure) instanceof BodyTooLargeException;
  }
}
