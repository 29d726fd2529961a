package dev.portcullis.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 exchange over a plain socket, for requests no HTTP client would send as written:
 * targets that clients normalize, and bodies that are declared but never sent in full.
 */
public final class RawHttp {

  /** Guards against a server that never answers; not a timing assertion. */
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  private RawHttp() {}

  /**
   * Sends {@code head} (request line and headers, ending with an empty line) and {@code
   * bodyPrefix}, reads one response and then whether the server closes the connection.
   */
  public static Response exchange(URI server, String head, byte[] bodyPrefix) throws IOException {
    return exchange(server, head, bodyPrefix, 0);
  }

  /**
   * Like {@link #exchange(URI, String, byte[])}, but after the response goes on sending up to
   * {@code moreBodyBytes} more {@link Payload} bytes, stopping when the server closes the
   * connection. A server that stops reading a denied body and closes is detected this way even if
   * it first swallows a bounded part of it, as Tomcat does.
   */
  public static Response exchange(URI server, String head, byte[] bodyPrefix, long moreBodyBytes)
      throws IOException {
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.write(head.getBytes(StandardCharsets.ISO_8859_1));
      request.write(bodyPrefix);
      out.write(request.toByteArray());
      out.flush();
      InputStream in = socket.getInputStream();
      String statusLine = readLine(in);
      if (statusLine == null) {
        throw new IOException("the server closed the connection without answering");
      }
      String[] parts = statusLine.split(" ", 3);
      int status = Integer.parseInt(parts[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      String line;
      while ((line = readLine(in)) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        headers
            .computeIfAbsent(
                line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(line.substring(colon + 1).trim());
      }
      byte[] body = readBody(in, headers);
      if (moreBodyBytes > 0 && !keepSending(out, bodyPrefix.length, moreBodyBytes)) {
        return new Response(status, headers, body, true);
      }
      return new Response(status, headers, body, closedByServer(in));
    }
  }

  private static byte[] readBody(InputStream in, Map<String, List<String>> headers)
      throws IOException {
    List<String> length = headers.getOrDefault("content-length", List.of());
    if (!length.isEmpty()) {
      return in.readNBytes(Integer.parseInt(length.get(0)));
    }
    if (headers.getOrDefault("transfer-encoding", List.of()).toString().contains("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = readLine(in);
        int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          return body.toByteArray();
        }
        body.write(in.readNBytes(size));
        readLine(in);
      }
    }
    return readToEnd(in);
  }

  private static byte[] readToEnd(InputStream in) throws IOException {
    try {
      return in.readAllBytes();
    } catch (SocketException reset) {
      return new byte[0];
    }
  }

  /** Sends more body bytes; false when the server closed the connection first. */
  private static boolean keepSending(OutputStream out, long offset, long count) {
    byte[] chunk = new byte[64 * 1024];
    try (InputStream more = Payload.stream(offset + count)) {
      more.skipNBytes(offset);
      int read;
      while ((read = more.read(chunk)) > 0) {
        out.write(chunk, 0, read);
      }
      out.flush();
      return true;
    } catch (IOException closed) {
      return false;
    }
  }

  private static boolean closedByServer(InputStream in) throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketException reset) {
      // A reset is a close too: the server abandoned the rest of the request.
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    }
  }

  /** One line of an HTTP head, without its CRLF (or bare LF); null at the end of the stream. */
  public static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * One response read off the socket.
   *
   * @param status the status code
   * @param headers lower-case header names to their values
   * @param body the body, de-chunked
   * @param closedByServer whether the server closed the connection after the response
   */
  public record Response(
      int status, Map<String, List<String>> headers, byte[] body, boolean closedByServer) {

    /** The first value of a header, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }
}
