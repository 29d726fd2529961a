package dev.portcullis.examples.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client connection on a plain socket, for requests no HTTP client would send: bad framing,
 * pipelines, trickles.
 */
public final class RawConnection implements AutoCloseable {

  /** A response read whole; header names lower-cased. */
  public record Response(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawConnection(URI uri) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
    // Guards against a gateway that never answers; the tests bound their own waits.
    socket.setSoTimeout(15_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Sends {@code text} as ISO-8859-1, exactly as written. */
  public RawConnection send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** The next response, or null when the gateway closed the connection (or reset it) first. */
  public Response read() throws IOException {
    String statusLine;
    try {
      statusLine = RecordingUpstream.line(in);
    } catch (SocketException reset) {
      return null;
    }
    if (statusLine == null) {
      return null;
    }
    int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line; (line = RecordingUpstream.line(in)) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    return new Response(status, headers, body(headers));
  }

  private String body(Map<String, String> headers) throws IOException {
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      StringBuilder body = new StringBuilder();
      for (String sizeLine; (sizeLine = RecordingUpstream.line(in)) != null; ) {
        int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
        if (size == 0) {
          while (!RecordingUpstream.line(in).isEmpty()) {
            // trailers
          }
          break;
        }
        body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
        RecordingUpstream.line(in);
      }
      return body.toString();
    }
    if (headers.containsKey("content-length")) {
      return new String(
          in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
    }
    return "";
  }

  /**
   * Whether the gateway closes the connection (end of stream or reset) within {@code wait}; false
   * when it is still open then, and also when it sends anything instead.
   */
  public boolean closedWithin(Duration wait) throws IOException {
    socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(15_000);
      }
    }
  }

  public void setReadTimeout(Duration timeout) throws SocketException {
    socket.setSoTimeout((int) timeout.toMillis());
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
