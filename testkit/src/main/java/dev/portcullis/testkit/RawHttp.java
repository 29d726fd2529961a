package dev.portcullis.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange on its own {@link RawHttpConnection}, for requests no HTTP client would
 * send as written: targets that clients normalize, and bodies that are declared but never sent in
 * full. Tells whether the server closed the connection after answering.
 */
public final class RawHttp {

  private RawHttp() {}

  /**
   * Sends {@code head} (request line and headers, ending with an empty line) and {@code
   * bodyPrefix}, reads one response and then whether the server closes the connection.
   *
   * @param server the server, such as {@code http://127.0.0.1:8080}
   * @param head the request head, sent as written in ISO-8859-1
   * @param bodyPrefix the body bytes to send right after the head
   * @return the response and whether the server closed the connection after it
   * @throws IOException if the server closed the connection without answering
   */
  public static Response exchange(URI server, String head, byte[] bodyPrefix) throws IOException {
    return exchange(server, head, bodyPrefix, 0);
  }

  /**
   * Like {@link #exchange(URI, String, byte[])}, but after the response goes on sending up to
   * {@code moreBodyBytes} more {@link Payload} bytes, stopping when the server closes the
   * connection. A server that stops reading a denied body and closes is detected this way even if
   * it first swallows a bounded part of it, as Tomcat does.
   *
   * @param server the server, such as {@code http://127.0.0.1:8080}
   * @param head the request head, sent as written in ISO-8859-1
   * @param bodyPrefix the body bytes to send right after the head
   * @param moreBodyBytes how many more body bytes to try to send after the response
   * @return the response and whether the server closed the connection after it
   * @throws IOException if the server closed the connection without answering
   */
  public static Response exchange(URI server, String head, byte[] bodyPrefix, long moreBodyBytes)
      throws IOException {
    try (RawHttpConnection connection = RawHttpConnection.open(server)) {
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.write(head.getBytes(StandardCharsets.ISO_8859_1));
      request.write(bodyPrefix);
      RawHttpResponse response = connection.send(request.toByteArray()).read();
      boolean closed =
          moreBodyBytes > 0 && !keepSending(connection, bodyPrefix.length, moreBodyBytes)
              || connection.closedByServer();
      return new Response(response.status(), response.headers(), response.body(), closed);
    }
  }

  /** Sends more body bytes; false when the server closed the connection first. */
  private static boolean keepSending(RawHttpConnection connection, long offset, long count) {
    byte[] chunk = new byte[64 * 1024];
    try (InputStream more = Payload.stream(offset + count)) {
      more.skipNBytes(offset);
      int read;
      while ((read = more.read(chunk)) > 0) {
        connection.send(read == chunk.length ? chunk : Arrays.copyOf(chunk, read));
      }
      return true;
    } catch (IOException closed) {
      return false;
    }
  }

  /**
   * One response, and what the server did with the connection after it.
   *
   * @param status the status code
   * @param headers lower-case header names to their values
   * @param body the body, de-chunked
   * @param closedByServer whether the server closed the connection after the response
   */
  public record Response(
      int status, Map<String, List<String>> headers, byte[] body, boolean closedByServer) {

    /**
     * The first value of a header.
     *
     * @param name the header name, in any case
     * @return the first value, or null when absent
     */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * The body as UTF-8 text.
     *
     * @return the body text
     */
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }
}
