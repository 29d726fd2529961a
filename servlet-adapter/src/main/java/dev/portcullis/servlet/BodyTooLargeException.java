package dev.portcullis.servlet;

import dev.portcullis.Decision;
import java.io.IOException;

/**
 * The failure of a read from an allowed request's body once the body has grown past its decision's
 * {@link Decision#maxBodyBytes()}; the bytes of that read are not handed out, and every later read
 * fails the same way. A servlet that reads blocking and lets it escape gets its 413 from {@link
 * PortcullisFilter}; a reader on another thread (a {@code ReadListener}, a proxy) answers with
 * {@link PortcullisFilter#sendBodyTooLarge} and must abort whatever it was forwarding the body to.
 */
public final class BodyTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long maxBodyBytes;

  BodyTooLargeException(long maxBodyBytes) {
    super("The request body is larger than the " + maxBodyBytes + " bytes its decision allows");
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The limit the body went past. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Whether {@code failure} or one of its causes is a {@code BodyTooLargeException}. */
  public static boolean causedBy(Throwable failure) {
    // Bounded: a cause chain can be cyclic.
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
      if (cause instanceof BodyTooLargeException) {
        return true;
      }
    }
    return false;
  }
}
