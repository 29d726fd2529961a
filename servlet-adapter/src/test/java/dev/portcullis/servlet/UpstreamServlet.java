package dev.portcullis.servlet;

import dev.portcullis.testkit.UpstreamHandler;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;

/** The conformance suite's upstream as a servlet behind the filter, the same in every container. */
final class UpstreamServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient UpstreamHandler upstream;

  UpstreamServlet(UpstreamHandler upstream) {
    this.upstream = upstream;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    upstream.handle(
        new UpstreamHandler.Exchange() {
          @Override
          public String method() {
            return request.getMethod();
          }

          @Override
          public String target() {
            return ServletRequestAccessor.INSTANCE.rawTarget(request);
          }

          @Override
          public List<String> headerValues(String name) {
            return Collections.list(request.getHeaders(name));
          }

          @Override
          public InputStream requestBody() throws IOException {
            return request.getInputStream();
          }

          @Override
          public OutputStream respond(int status, String contentType, long contentLength)
              throws IOException {
            response.setStatus(status);
            response.setContentType(contentType);
            if (contentLength >= 0) {
              response.setContentLengthLong(contentLength);
            }
            return response.getOutputStream();
          }
        });
  }
}
