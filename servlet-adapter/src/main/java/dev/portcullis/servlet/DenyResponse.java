package dev.portcullis.servlet;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a denied request's response: the policy's status, the headers of {@link
 * DeniedResponse#headers} ({@code Cache-Control: no-store}, a challenge on 401, {@code Retry-After}
 * when throttled), and a small JSON body of the status, the reason codes and the message, never
 * request values.
 */
final class DenyResponse {

  private DenyResponse() {}

  static void write(Decision decision, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    // The body is never read, so the connection cannot carry another request. Jetty 12 closes at
    // once;
    // Tomcat 11 still swallows up to its maxSwallowSize (2 MiB by default) and then closes, so a
    // 500 MB
    // body is never drained. The header also tells the client and any proxy not to reuse the
    // connection.
    write(decision, response, hasBody(request));
  }

  /**
   * Writes the deny; {@code close} adds {@code Connection: close}, for a request whose body is left
   * unread.
   */
  static void write(Decision decision, HttpServletResponse response, boolean close)
      throws IOException {
    byte[] body = json(decision).getBytes(StandardCharsets.UTF_8);
    response.setStatus(decision.status());
    response.setContentType(DeniedResponse.CONTENT_TYPE);
    for (DeniedResponse.Header header : DeniedResponse.headers(decision)) {
      response.addHeader(header.name(), header.value());
    }
    if (close) {
      response.setHeader("Connection", "close");
    }
    response.setContentLength(body.length);
    OutputStream out = response.getOutputStream();
    out.write(body);
    out.flush();
  }

  static boolean hasBody(HttpServletRequest request) {
    return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
  }

  static String json(Decision decision) {
    return DeniedResponse.json(decision);
  }
}
