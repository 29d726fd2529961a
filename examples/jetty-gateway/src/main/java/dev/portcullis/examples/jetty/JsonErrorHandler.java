package dev.portcullis.examples.jetty;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.servlet.PortcullisFilter;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answer to a request Jetty refuses itself before the Portcullis filter sees it: an ambiguous
 * or malformed target, bad framing, two {@code Host}s, an unsupported version. Jetty's own page
 * quotes the request's URI, query and user information included, so a token sent there came back in
 * the response; this one is the JSON deny body of {@link DeniedResponse} with a fixed reason per
 * status, the same shape as every Portcullis refusal, and a line in the denials log.
 */
final class JsonErrorHandler extends ErrorHandler {

  private static final Logger DENIALS = LoggerFactory.getLogger("dev.portcullis.gateway.denials");

  /**
   * The request attribute holding the length of the body this handler wrote: Jetty writes an error
   * page past the response's byte count, so the access log reads it here.
   */
  static final String BODY_BYTES_ATTRIBUTE = JsonErrorHandler.class.getName() + ".bodyBytes";

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Object status = request.getAttribute(ERROR_STATUS);
    Decision refusal =
        refusalFor(status instanceof Integer ? (Integer) status : response.getStatus());
    request.setAttribute(PortcullisFilter.DENIAL_ATTRIBUTE, refusal);
    DENIALS.info(
        "denied status={} reasons={} by Jetty's HTTP parser client={}",
        refusal.status(),
        refusal.reasons(),
        Request.getRemoteAddr(request));
    DeniedResponse denied = DeniedResponse.of(refusal);
    response.setStatus(denied.status());
    HttpFields.Mutable headers = response.getHeaders();
    for (DeniedResponse.Header header : denied.headers()) {
      headers.put(header.name(), header.value());
    }
    headers.put(ERROR_CACHE_CONTROL);
    request.setAttribute(BODY_BYTES_ATTRIBUTE, (long) denied.body().length);
    response.write(true, ByteBuffer.wrap(denied.body()), callback);
    return true;
  }

  /** For a request refused before there was a request to hand to a handler. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    Decision refusal = refusalFor(status);
    DENIALS.info(
        "denied status={} reasons={} by Jetty's HTTP parser", refusal.status(), refusal.reasons());
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    return ByteBuffer.wrap(DeniedResponse.of(refusal).body());
  }

  /**
   * The refusal for a status Jetty chose; never Jetty's reason text, which may quote the request.
   */
  static Decision refusalFor(int status) {
    switch (status) {
      case 400:
        return Decision.deny(
            400,
            "malformed_request",
            "The request is not valid HTTP/1.1, or its target is ambiguous.");
      case 414:
        return Decision.deny(414, "request_line_too_long", "The request line is too long.");
      case 431:
        return Decision.deny(431, "headers_too_large", "The request headers are too large.");
      case 426:
      case 505:
        return Decision.deny(
            status, "http_version_not_supported", "Only HTTP/1.0 and HTTP/1.1 are served.");
      default:
        return status >= 500
            ? Decision.deny(status, "gateway_error", "The gateway could not serve the request.")
            : Decision.deny(
                status < 400 ? 400 : status, "request_refused", "The request was refused.");
    }
  }
}
