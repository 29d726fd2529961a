package dev.portcullis.examples.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 upstream on plain sockets, one thread per connection, that records what reaches it:
 * each request's head as soon as it arrives, and each request again once its body was read to the
 * end or cut short, so a test can prove that a refused request never arrived and that an aborted
 * body never completed. It answers {@code 200} with {@code echo METHOD TARGET} unless a {@link
 * Responder} misbehaves.
 */
public final class RecordingUpstream implements AutoCloseable {

  /**
   * One request as it arrived.
   *
   * @param connection the upstream connection it came on, from 1
   * @param headers header names lower-cased; repeated ones joined with {@code ", "}
   * @param bodyBytes the body bytes read
   * @param bodyComplete whether the body ended as framed (always true without a body)
   */
  public record Request(
      int connection,
      String method,
      String target,
      Map<String, String> headers,
      long bodyBytes,
      boolean bodyComplete) {

    /** {@code METHOD TARGET}. */
    public String line() {
      return method + " " + target;
    }
  }

  /** Answers one request; returns false to close the connection afterwards. */
  @FunctionalInterface
  public interface Responder {
    boolean respond(Request request, OutputStream out) throws IOException;
  }

  /** The default: {@code 200 echo METHOD TARGET}, keeping the connection. */
  public static final Responder ECHO =
      (request, out) -> {
        out.write(response(200, "echo " + request.line()));
        out.flush();
        return true;
      };

  private final ServerSocket server;
  private volatile Responder responder;
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /** {@code METHOD TARGET} of every request head, as soon as it arrives. */
  public final List<String> heads = new CopyOnWriteArrayList<>();

  /** Every request once its body was read or cut short. */
  public final List<Request> requests = new CopyOnWriteArrayList<>();

  public RecordingUpstream() throws IOException {
    this(ECHO);
  }

  public RecordingUpstream(Responder responder) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.responder = responder;
    Thread acceptor = new Thread(this::accept, "recording-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Answers from now on with {@code responder}. */
  public void respondWith(Responder responder) {
    this.responder = responder;
  }

  /** Forgets the requests recorded so far. */
  public void clear() {
    heads.clear();
    requests.clear();
  }

  /** How many connections the gateway opened. */
  public int connections() {
    return connections.get();
  }

  /** A complete response with a small text body. */
  public static byte[] response(int status, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + " X\r\nContent-Type: text/plain\r\nContent-Length: "
            + bytes.length
            + "\r\n\r\n";
    return (head + body).getBytes(StandardCharsets.ISO_8859_1);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        sockets.add(socket);
        int number = connections.incrementAndGet();
        Thread thread = new Thread(() -> serve(socket, number), "recording-upstream-" + number);
        thread.setDaemon(true);
        thread.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket, int connection) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (true) {
        Request request = read(in, connection);
        if (request == null) {
          return;
        }
        requests.add(request);
        if (!request.bodyComplete() || !responder.respond(request, out)) {
          return;
        }
      }
    } catch (IOException e) {
      // The gateway closed the connection.
    }
  }

  private Request read(InputStream in, int connection) throws IOException {
    String requestLine = line(in);
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line; (line = line(in)) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    heads.add(parts[0] + " " + parts[1]);
    long body = 0;
    boolean complete = true;
    try {
      if (headers.containsKey("content-length")) {
        long length = Long.parseLong(headers.get("content-length"));
        body = skip(in, length);
        complete = body == length;
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        complete = false;
        for (String sizeLine; (sizeLine = line(in)) != null; ) {
          long size = Long.parseLong(sizeLine.split(";", 2)[0].trim(), 16);
          if (size == 0) {
            while (true) {
              String trailer = line(in);
              if (trailer == null || trailer.isEmpty()) {
                complete = trailer != null;
                break;
              }
            }
            break;
          }
          long skipped = skip(in, size);
          body += skipped;
          if (skipped < size || line(in) == null) {
            break;
          }
        }
      }
    } catch (IOException e) {
      complete = false;
    }
    return new Request(connection, parts[0], parts[1], headers, body, complete);
  }

  private static long skip(InputStream in, long count) throws IOException {
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < count) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, count - skipped));
      if (read < 0) {
        break;
      }
      skipped += read;
    }
    return skipped;
  }

  /** One line without its CRLF, or null at the end of the stream. */
  static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1; ) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
