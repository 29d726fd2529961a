package dev.portcullis.examples.netty;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP/1.1 server on plain sockets, one thread per connection, for upstream behaviour the
 * fake SonarQube cannot show: counting connections, misbehaving on purpose, noticing a close.
 */
final class RawUpstream implements AutoCloseable {

  /** One request as it arrived; header names lower-cased. */
  record Request(
      int connection,
      int indexOnConnection,
      String method,
      String target,
      Map<String, String> headers,
      long bodyBytes) {}

  /** Answers one request; returns false to close the connection afterwards. */
  @FunctionalInterface
  interface Handler {
    boolean handle(Request request, OutputStream out) throws IOException;
  }

  private final ServerSocket server;
  private final boolean readBodies;
  private final Handler handler;
  final AtomicInteger connections = new AtomicInteger();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  /**
   * Counted down whenever writing to a client of this upstream failed, that is, the gateway closed
   * it.
   */
  final CountDownLatch writeFailed = new CountDownLatch(1);

  /**
   * A permit for each connection the gateway closed, between requests or in the middle of a body.
   */
  final Semaphore closedByGateway = new Semaphore(0);

  /** A permit for each request head read, before its body. */
  final Semaphore headsRead = new Semaphore(0);

  /** Connections the gateway closed in the middle of a request body. */
  final AtomicInteger bodiesCutShort = new AtomicInteger();

  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  RawUpstream(Handler handler) throws IOException {
    this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), true, handler);
  }

  /**
   * An upstream on {@code server} (TLS, small buffers); unless {@code readBodies}, the handler gets
   * each request right after its head and must read or ignore the body itself ({@code bodyBytes} is
   * -1).
   */
  RawUpstream(ServerSocket server, boolean readBodies, Handler handler) {
    this.handler = handler;
    this.server = server;
    this.readBodies = readBodies;
    Thread acceptor = new Thread(this::accept, "raw-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri() {
    return URI.create(
        (server instanceof javax.net.ssl.SSLServerSocket ? "https" : "http")
            + "://127.0.0.1:"
            + server.getLocalPort());
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        sockets.add(socket);
        int number = connections.incrementAndGet();
        Thread thread = new Thread(() -> serve(socket, number), "raw-upstream-" + number);
        thread.setDaemon(true);
        thread.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket, int number) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      for (int index = 1; ; index++) {
        Request request;
        try {
          request = read(in, number, index, readBodies, headsRead);
        } catch (EOFException cutShort) {
          bodiesCutShort.incrementAndGet();
          closedByGateway.release();
          return;
        }
        if (request == null) {
          closedByGateway.release();
          return;
        }
        requests.add(request);
        if (!handler.handle(request, out)) {
          return;
        }
        out.flush();
      }
    } catch (IOException e) {
      writeFailed.countDown();
    }
  }

  private static Request read(
      InputStream in, int connection, int index, boolean readBodies, Semaphore headsRead)
      throws IOException {
    String requestLine = line(in);
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line; (line = line(in)) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    headsRead.release();
    long body = 0;
    if (!readBodies) {
      body = -1;
    } else if (headers.containsKey("content-length")) {
      long length = Long.parseLong(headers.get("content-length"));
      byte[] buffer = new byte[64 * 1024];
      while (body < length) {
        int read = in.read(buffer, 0, (int) Math.min(buffer.length, length - body));
        if (read < 0) {
          throw new EOFException("body cut short");
        }
        body += read;
      }
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (long size; (size = Long.parseLong(bodyLine(in).split(";")[0].trim(), 16)) > 0; ) {
        in.skipNBytes(size); // EOFException when cut short
        body += size;
        bodyLine(in);
      }
      while (!bodyLine(in).isEmpty()) {
        // trailers
      }
    }
    return new Request(connection, index, parts[0], parts[1], headers, body);
  }

  private static String bodyLine(InputStream in) throws IOException {
    String line = line(in);
    if (line == null) {
      throw new EOFException("body cut short");
    }
    return line;
  }

  /** One CRLF-terminated line in ISO-8859-1, or null at the end of the stream. */
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

  /** A complete response with a small text body. */
  static void respond(OutputStream out, int status, String extraHeaders, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    out.write(
        ("HTTP/1.1 "
                + status
                + " X\r\n"
                + extraHeaders
                + "Content-Type: text/plain\r\nContent-Length: "
                + bytes.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.write(bytes);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
