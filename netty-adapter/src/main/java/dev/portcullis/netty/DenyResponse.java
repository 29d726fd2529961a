package dev.portcullis.netty;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;

/**
 * The response to a denied request, and the deny for a request the decoder could not read: the
 * policy's status, the headers of {@link DeniedResponse#headers}, and {@link DeniedResponse#json},
 * never a request value or an exception's text.
 */
final class DenyResponse {

  private DenyResponse() {}

  /**
   * The full response to a denied request.
   *
   * @param requestVersion the version of the denied request: an HTTP/1.0 client needs {@code
   *     Connection: keep-alive} spelled out to keep its connection
   * @param keepAlive whether the connection stays open for the next request
   */
  static FullHttpResponse of(Decision decision, HttpVersion requestVersion, boolean keepAlive) {
    byte[] body = DeniedResponse.json(decision).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(decision.status()),
            Unpooled.wrappedBuffer(body));
    HttpHeaders headers = response.headers();
    headers.set(HttpHeaderNames.CONTENT_TYPE, DeniedResponse.CONTENT_TYPE);
    headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    for (DeniedResponse.Header header : DeniedResponse.headers(decision)) {
      headers.add(header.name(), header.value());
    }
    if (!keepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (requestVersion.equals(HttpVersion.HTTP_1_0)) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return response;
  }

  /**
   * The deny for a request whose head {@code HttpServerCodec} failed to decode: 414 for a request
   * line over its limit (the target makes up nearly all of it), 431 for headers over theirs, 400
   * otherwise.
   */
  static Decision forDecoderFailure(Throwable cause) {
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
