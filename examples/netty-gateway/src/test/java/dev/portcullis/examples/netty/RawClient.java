package dev.portcullis.examples.netty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on a plain socket, for what java.net.http hides: pipelining, framing, closes.
 */
final class RawClient implements AutoCloseable {

  /** A response's status line and headers (names lower-cased). */
  record Head(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * A response read whole: its head, up to 1 MiB of its body, its length, and whether it was
   * complete.
   */
  record Response(Head head, String body, long length, boolean complete) {
    int status() {
      return head.status();
    }
  }

  private final Socket socket;
  final InputStream in;
  private final OutputStream out;

  RawClient(URI uri) throws IOException {
    this(uri, 0);
  }

  /**
   * A client whose socket receive buffer is {@code receiveBuffer} bytes (0: the system's,
   * autotuned).
   */
  RawClient(URI uri, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
    socket.setSoTimeout(30_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Sends {@code text} as is; write request heads with {@code \r\n}. */
  RawClient send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: gateway.test\r\n\r\n";
  }

  Head readHead() throws IOException {
    String statusLine = RawUpstream.line(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line; (line = RawUpstream.line(in)) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    return new Head(status, headers);
  }

  /**
   * Reads one response whole; a body cut short by a close is returned with {@code complete ==
   * false}.
   */
  Response read(boolean head) throws IOException {
    Head responseHead = readHead();
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    long length = 0;
    boolean complete = true;
    if (head || responseHead.status() == 204 || responseHead.status() == 304) {
      return new Response(responseHead, "", 0, true);
    }
    byte[] buffer = new byte[64 * 1024];
    if ("chunked".equalsIgnoreCase(responseHead.header("transfer-encoding"))) {
      for (; ; ) {
        String sizeLine = RawUpstream.line(in);
        if (sizeLine == null) {
          complete = false;
          break;
        }
        long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
          while (!RawUpstream.line(in).isEmpty()) {
            // trailers
          }
          break;
        }
        long copied = copy(size, buffer, kept);
        length += copied;
        if (copied < size) {
          complete = false;
          break;
        }
        RawUpstream.line(in);
      }
    } else if (responseHead.header("content-length") != null) {
      long size = Long.parseLong(responseHead.header("content-length"));
      length = copy(size, buffer, kept);
      complete = length == size;
    } else {
      length = copy(Long.MAX_VALUE, buffer, kept);
    }
    return new Response(responseHead, kept.toString(StandardCharsets.UTF_8), length, complete);
  }

  private long copy(long size, byte[] buffer, ByteArrayOutputStream kept) throws IOException {
    long copied = 0;
    while (copied < size) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied));
      if (read < 0) {
        break;
      }
      if (kept.size() < 1024 * 1024) {
        kept.write(buffer, 0, Math.min(read, 1024 * 1024 - kept.size()));
      }
      copied += read;
    }
    return copied;
  }

  /** Whether the peer closed the connection (end of stream, or reset) within the socket timeout. */
  boolean closedByPeer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
