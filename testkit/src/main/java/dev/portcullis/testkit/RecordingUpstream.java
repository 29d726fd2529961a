package dev.portcullis.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;

/**
 * An HTTP/1.1 upstream on plain (or TLS) sockets, one thread per connection, for what a gateway
 * does to its upstream connections: it records each request's head as soon as it arrives and each
 * request again once its body was read to the end or cut short, counts connections, and notices
 * when the gateway closes one. It answers {@code 200 echo METHOD TARGET} unless a {@link Responder}
 * misbehaves on purpose.
 *
 * <p>A body cut short shows in two views, so a test can ask either question: {@link #requests()}
 * holds it with {@link Request#bodyComplete()} false (did an aborted body ever complete?), while
 * {@link #completedRequests()} leaves it out and {@link #bodiesCutShort()} counts it (did only
 * whole requests reach the responder?).
 */
public final class RecordingUpstream implements AutoCloseable {

  /**
   * One request as it arrived.
   *
   * @param connection the upstream connection it came on, from 1
   * @param indexOnConnection its place on that connection, from 1
   * @param method the method
   * @param target the request target, as sent
   * @param headers header names lower-cased; repeated ones joined with {@code ", "}
   * @param bodyBytes the body bytes read; -1 when the upstream leaves bodies to the responder
   * @param bodyComplete false when the body ended before its framing said (true without a body, and
   *     when bodies are left to the responder)
   */
  public record Request(
      int connection,
      int indexOnConnection,
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

  /** Answers one request on the connection's output; returns false to close the connection. */
  @FunctionalInterface
  public interface Responder {

    /** Writes the answer to {@code request}, or does not; whether to keep the connection. */
    boolean respond(Request request, OutputStream out) throws IOException;
  }

  /** The default: {@code 200 echo METHOD TARGET}, keeping the connection. */
  public static final Responder ECHO =
      (request, out) -> {
        out.write(response(200, "echo " + request.line()));
        return true;
      };

  private final ServerSocket server;
  private final boolean readBodies;
  private volatile Responder responder;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger bodiesCutShort = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Request> completedRequests = new CopyOnWriteArrayList<>();
  private final Semaphore headsRead = new Semaphore(0);
  private final Semaphore closedByGateway = new Semaphore(0);
  private final CountDownLatch writeFailed = new CountDownLatch(1);

  private RecordingUpstream(ServerSocket server, boolean readBodies, Responder responder) {
    this.server = server;
    this.readBodies = readBodies;
    this.responder = responder;
    Thread acceptor = new Thread(this::accept, "recording-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** An echoing upstream on a free loopback port. */
  public static RecordingUpstream start() throws IOException {
    return start(ECHO);
  }

  /** An upstream on a free loopback port that answers with {@code responder}. */
  public static RecordingUpstream start(Responder responder) throws IOException {
    return new RecordingUpstream(
        new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), true, responder);
  }

  /**
   * An upstream on {@code server} (TLS, small buffers) that hands each request to {@code responder}
   * right after its head and leaves the body unread, for tests of what a gateway does while its
   * upstream does not read.
   */
  public static RecordingUpstream leavingBodiesUnread(ServerSocket server, Responder responder) {
    return new RecordingUpstream(server, false, responder);
  }

  /** An upstream on {@code server}, such as a TLS server socket, that reads bodies. */
  public static RecordingUpstream on(ServerSocket server, Responder responder) {
    return new RecordingUpstream(server, true, responder);
  }

  /** {@code http} (or {@code https} on a TLS socket) {@code ://127.0.0.1:<port>}. */
  public URI uri() {
    return URI.create(
        (server instanceof SSLServerSocket ? "https" : "http")
            + "://127.0.0.1:"
            + server.getLocalPort());
  }

  /** Answers from now on with {@code responder}. */
  public void respondWith(Responder responder) {
    this.responder = responder;
  }

  /** Forgets the heads and requests recorded so far. */
  public void clear() {
    heads.clear();
    requests.clear();
    completedRequests.clear();
  }

  /** {@code METHOD TARGET} of every request head, recorded as soon as it arrives. */
  public List<String> heads() {
    return List.copyOf(heads);
  }

  /** Every request once its body was read or cut short, in order. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests whose body was not cut short: those handed to the responder. */
  public List<Request> completedRequests() {
    return List.copyOf(completedRequests);
  }

  /** How many request bodies ended early because the gateway closed the connection. */
  public int bodiesCutShort() {
    return bodiesCutShort.get();
  }

  /** How many connections the gateway opened. */
  public int connections() {
    return connections.get();
  }

  /** Waits for the next request head not waited for yet; whether it arrived in time. */
  public boolean awaitHead(Duration timeout) throws InterruptedException {
    return headsRead.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits for the gateway to close a connection not waited for yet, between requests or in the
   * middle of a body; whether it did in time.
   */
  public boolean awaitClosedByGateway(Duration timeout) throws InterruptedException {
    return closedByGateway.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits until writing to the gateway failed (or another error ended a connection's thread): the
   * gateway closed a connection under a response; whether it happened in time.
   */
  public boolean awaitWriteFailure(Duration timeout) throws InterruptedException {
    return writeFailed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A complete response with a small text body. */
  public static byte[] response(int status, String body) {
    return response(status, "", body);
  }

  /**
   * A complete response with a small text body.
   *
   * @param extraHeaders header lines to add, each ending in CRLF, or {@code ""}
   */
  public static byte[] response(int status, String extraHeaders, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("HTTP/1.1 "
                + status
                + " X\r\n"
                + extraHeaders
                + "Content-Type: text/plain\r\nContent-Length: "
                + bytes.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] whole = new byte[head.length + bytes.length];
    System.arraycopy(head, 0, whole, 0, head.length);
    System.arraycopy(bytes, 0, whole, head.length, bytes.length);
    return whole;
  }

  /** Writes {@link #response(int, String, String)} and flushes. */
  public static void respond(OutputStream out, int status, String extraHeaders, String body)
      throws IOException {
    out.write(response(status, extraHeaders, body));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
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
      for (int index = 1; ; index++) {
        Request request = read(in, connection, index);
        if (request == null || !request.bodyComplete()) {
          // Between requests, or in the middle of a body (recorded as cut short).
          closedByGateway.release();
          return;
        }
        completedRequests.add(request);
        if (!responder.respond(request, out)) {
          return;
        }
        out.flush();
      }
    } catch (IOException e) {
      writeFailed.countDown();
    }
  }

  /** The next request, recorded; null when the connection ended before one began. */
  private Request read(InputStream in, int connection, int index) throws IOException {
    String requestLine = HttpLines.readLine(in);
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    // Up to the empty line or the end of the stream: a head cut short is still recorded.
    for (String line; (line = HttpLines.readLine(in)) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    heads.add(parts[0] + " " + parts[1]);
    headsRead.release();
    Body body = readBodies ? readBody(in, headers) : new Body(-1, true);
    Request request =
        new Request(connection, index, parts[0], parts[1], headers, body.bytes(), body.complete());
    if (!body.complete()) {
      bodiesCutShort.incrementAndGet();
    }
    requests.add(request);
    return request;
  }

  private record Body(long bytes, boolean complete) {}

  /** Reads a body as its head frames it; a read failure or early end means it was cut short. */
  private static Body readBody(InputStream in, Map<String, String> headers) {
    long read = 0;
    try {
      if (headers.containsKey("content-length")) {
        long length = Long.parseLong(headers.get("content-length"));
        read = skip(in, length);
        return new Body(read, read == length);
      }
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        for (long size; (size = chunkSize(HttpLines.requireLine(in))) > 0; ) {
          long skipped = skip(in, size);
          read += skipped;
          if (skipped < size) {
            return new Body(read, false);
          }
          HttpLines.requireLine(in);
        }
        while (!HttpLines.requireLine(in).isEmpty()) {
          // trailers
        }
      }
      return new Body(read, true);
    } catch (IOException e) {
      return new Body(read, false);
    }
  }

  private static long chunkSize(String line) {
    return Long.parseLong(line.split(";", 2)[0].trim(), 16);
  }

  /** Reads and drops up to {@code count} bytes; how many there were before the stream ended. */
  private static long skip(InputStream in, long count) throws IOException {
    byte[] buffer = new byte[64 * 1024];
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
}
