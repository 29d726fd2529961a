package dev.portcullis.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The application behind an adapter in the conformance suite, independent of any HTTP stack. Each
 * adapter test adapts its container to it once: for a servlet container, an {@code HttpServlet}
 * behind the filter that wraps its request and response in an {@link Exchange} and calls {@link
 * #handle}.
 */
@FunctionalInterface
public interface UpstreamHandler {

  /** Handles one request that the adapter let through. */
  void handle(Exchange exchange) throws IOException;

  /** One request as the upstream receives it, and the way to answer it. */
  interface Exchange {

    /** The method as received. */
    String method();

    /**
     * The path and query as the upstream sees them, without decoding: for a servlet, {@code
     * getRequestURI()} plus {@code "?" + getQueryString()} when there is a query.
     */
    String target();

    /** All values of one header, looked up case-insensitively; empty when absent. */
    List<String> headerValues(String name);

    /** The request body, read as a stream. */
    InputStream requestBody() throws IOException;

    /**
     * Sends the status and headers and returns the stream to write the body to.
     *
     * @param contentLength the body length, or -1 when unknown
     */
    OutputStream respond(int status, String contentType, long contentLength) throws IOException;
  }
}
