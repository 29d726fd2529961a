package dev.portcullis.servlet;

import dev.portcullis.Decision;
import java.io.IOException;
import java.util.Objects;

/**
 * The failure of a read from an allowed request's body once the body has been refused as it
 * streamed: it grew past its decision's {@link Decision#maxBodyBytes()} ({@link
 * BodyTooLargeException}), or its multipart parts are not the ones the decision allows ({@link
 * dev.portcullis.body.MultipartGuard}). The bytes of that read are not handed out, and every later
 * read fails the same way. A servlet that reads blocking and lets it escape gets its deny from
 * {@link PortcullisFilter}; a reader on another thread (a {@code ReadListener}, a proxy) answers
 * with {@link PortcullisFilter#sendBodyRefused} and must abort whatever it was forwarding the body
 * to, so that the upstream never takes the part it got for a whole body.
 */
public class BodyRefusedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Decision decision;

  BodyRefusedException(Decision decision, String message) {
    super(message);
    this.decision = Objects.requireNonNull(decision, "decision");
  }

  /** The deny to answer the request with. */
  public Decision decision() {
    return decision;
  }

  /** {@code failure} or the first of its causes that is a {@code BodyRefusedException}; or null. */
  public static BodyRefusedException causeOf(Throwable failure) {
    // Bounded: a cause chain can be cyclic.
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
      if (cause instanceof BodyRefusedException) {
        return (BodyRefusedException) cause;
      }
    }
    return null;
  }
}
