package dev.portcullis.examples.netty;

/**
 * Why an exchange with the upstream failed, and the status the client gets when no response had
 * begun.
 *
 * @param status 502 when the upstream could not be reached or broke the exchange, 504 when it was
 *     too slow, 503 when the gateway had no connection to give
 * @param reason a short, stable description for the log
 * @param cause the underlying exception, or {@code null}
 * @param connectionLost whether an established connection closed or broke before any response, the
 *     one failure after which an idempotent request without a body may be sent again on a new
 *     connection
 */
record UpstreamFailure(int status, String reason, Throwable cause, boolean connectionLost) {

  static UpstreamFailure unreachable(Throwable cause) {
    return new UpstreamFailure(502, "upstream_unreachable", cause, false);
  }

  static UpstreamFailure closed() {
    return new UpstreamFailure(502, "upstream_closed", null, true);
  }

  static UpstreamFailure broken(Throwable cause) {
    return new UpstreamFailure(502, "upstream_broken", cause, true);
  }

  static UpstreamFailure badResponse(Throwable cause) {
    return new UpstreamFailure(502, "upstream_bad_response", cause, false);
  }

  static UpstreamFailure silent() {
    return new UpstreamFailure(504, "upstream_idle_timeout", null, false);
  }

  static UpstreamFailure tooSlow() {
    return new UpstreamFailure(504, "upstream_timeout", null, false);
  }

  static UpstreamFailure busy() {
    return new UpstreamFailure(503, "upstream_connections_exhausted", null, false);
  }

  static UpstreamFailure stopping() {
    return new UpstreamFailure(503, "gateway_stopping", null, false);
  }

  /**
   * The reason and the cause's type, for one log line; the message only of network errors, because
   * a decoder's message may quote a header value.
   */
  String describe() {
    if (cause == null) {
      return reason;
    }
    return reason
        + " ("
        + cause.getClass().getSimpleName()
        + (cause instanceof java.io.IOException ? ": " + cause.getMessage() : "")
        + ")";
  }
}
