package dev.portcullis.netty;

import dev.portcullis.Decision;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/** The deny for a request whose head {@code HttpServerCodec} could not decode. */
final class DecoderFailures {

  private DecoderFailures() {}

  /**
   * 414 for a request line over its limit (the target makes up nearly all of it), 431 for headers
   * over theirs, 400 otherwise; never the exception's text.
   */
  static Decision denyFor(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return Decision.deny(414, "request_line_too_long", "The request line is too long.");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return Decision.deny(431, "headers_too_large", "The request headers are too large.");
    }
    if (cause instanceof TooLongFrameException) {
      return Decision.deny(400, "request_too_large", "A part of the request is too large.");
    }
    return Decision.deny(400, "malformed_request", "The request is not valid HTTP/1.1.");
  }
}
