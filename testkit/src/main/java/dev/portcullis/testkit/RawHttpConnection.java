package dev.portcullis.testkit;

import java.io.BufferedInputStream;
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

/**
 * One HTTP/1.1 client connection on a plain socket, for what an HTTP client hides or would not send
 * as written: targets it would normalize, bad framing, pipelines, trickled or abandoned bodies, and
 * whether the server closes the connection.
 *
 * <p>A test sends raw bytes and reads responses one at a time ({@link RawHttpResponse}); the
 * connection stays open between them, so requests can be pipelined. Not thread-safe, except that
 * one thread may send while another reads.
 */
public final class RawHttpConnection implements AutoCloseable {

  /** How long a read waits by default: guards against a server that never answers. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private Duration readTimeout = DEFAULT_READ_TIMEOUT;

  private static RawHttpResponse require(RawHttpResponse response) throws IOException {
    if (response == null) {
      throw new IOException("the server closed the connection instead of answering");
    }
    return response;
  }

  private RawHttpConnection(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout((int) DEFAULT_READ_TIMEOUT.toMillis());
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to the host and port of {@code server}.
   *
   * @param server the server, such as {@code http://127.0.0.1:8080}
   * @return the open connection
   * @throws IOException if the connection fails
   */
  public static RawHttpConnection open(URI server) throws IOException {
    return open(server, 0);
  }

  /**
   * Connects with a small socket receive buffer, so that a server writing faster than the test
   * reads soon feels back-pressure.
   *
   * @param server the server, such as {@code http://127.0.0.1:8080}
   * @param receiveBufferBytes the socket's receive buffer size; 0 for the system's, autotuned
   * @return the open connection
   * @throws IOException if the connection fails
   */
  public static RawHttpConnection open(URI server, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    try {
      if (receiveBufferBytes > 0) {
        socket.setReceiveBufferSize(receiveBufferBytes);
      }
      socket.connect(
          new InetSocketAddress(server.getHost(), server.getPort()), CONNECT_TIMEOUT_MILLIS);
      return new RawHttpConnection(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * A minimal {@code GET} request head for {@code target}, with {@code Host: gateway.test}.
   *
   * @param target the request target, sent as written
   * @return the request head, ending with the empty line
   */
  public static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: gateway.test\r\n\r\n";
  }

  /**
   * Sends {@code text} in ISO-8859-1 exactly as written; write heads with {@code \r\n}.
   *
   * @param text the bytes to send, as text
   * @return this connection
   * @throws IOException if the connection was closed
   */
  public RawHttpConnection send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Sends {@code text} over and over, one character per {@code interval}, from a daemon thread of
   * its own until the connection fails: a client that is never idle yet never finishes.
   *
   * @param text the bytes to repeat, as text
   * @param interval the pause after each character
   */
  public void trickle(String text, Duration interval) {
    Thread thread =
        new Thread(
            () -> {
              try {
                for (int i = 0; ; i = (i + 1) % text.length()) {
                  send(text.substring(i, i + 1));
                  Thread.sleep(interval.toMillis());
                }
              } catch (IOException | InterruptedException closed) {
                // the server closed the connection, or the test is over
              }
            },
            "trickling-client");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Sends {@code bytes} as they are.
   *
   * @param bytes the bytes to send
   * @return this connection
   * @throws IOException if the connection was closed
   */
  public RawHttpConnection send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /**
   * Reads the next response whole; a body cut short by a close comes back with {@code complete()}
   * false.
   *
   * @return the response
   * @throws IOException if the server closed the connection instead of answering, or the read timed
   *     out
   */
  public RawHttpResponse read() throws IOException {
    return require(RawHttpResponse.read(in, false));
  }

  /**
   * Reads the next response to a {@code HEAD} request: its head only, since it has no body.
   *
   * @return the response, with an empty body
   * @throws IOException if the server closed the connection instead of answering
   */
  public RawHttpResponse readToHead() throws IOException {
    return require(RawHttpResponse.read(in, true));
  }

  /**
   * Reads the next response, or finds that the server closed (or reset) the connection first.
   *
   * @return the response, or null when the connection was closed before it
   * @throws IOException if reading fails otherwise
   */
  public RawHttpResponse readIfAnswered() throws IOException {
    RawHttpResponse.Head head;
    try {
      head = RawHttpResponse.readHead(in);
    } catch (SocketException reset) {
      return null;
    }
    return head == null ? null : RawHttpResponse.readBody(in, head, false);
  }

  /**
   * Reads the status line and headers of the next response only; its body is left to be read from
   * {@link #input()}.
   *
   * @return the head
   * @throws IOException if the server closed the connection instead of answering
   */
  public RawHttpResponse.Head readHead() throws IOException {
    RawHttpResponse.Head head = RawHttpResponse.readHead(in);
    if (head == null) {
      throw new IOException("the server closed the connection instead of answering");
    }
    return head;
  }

  /**
   * What the server sends, unparsed: for reading a body after {@link #readHead()} at the test's own
   * pace.
   *
   * @return the connection's input stream
   */
  public InputStream input() {
    return in;
  }

  /**
   * Whether the server closes the connection (end of stream or reset) within the read timeout;
   * false when it is still open then, and also when it sends anything instead.
   *
   * @return whether the server closed the connection
   * @throws IOException if reading fails otherwise
   */
  public boolean closedByServer() throws IOException {
    return closedWithin(readTimeout);
  }

  /**
   * Whether the server closes the connection (end of stream or reset) within {@code wait}; false
   * when it is still open then, and also when it sends anything instead.
   *
   * @param wait how long to wait for the close
   * @return whether the server closed the connection
   * @throws IOException if reading fails otherwise
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
        socket.setSoTimeout((int) readTimeout.toMillis());
      }
    }
  }

  /**
   * Sets how long a read waits before it fails with a {@link SocketTimeoutException}.
   *
   * @param timeout the read timeout; {@link #DEFAULT_READ_TIMEOUT} until set
   * @throws SocketException if the connection is closed
   */
  public void setReadTimeout(Duration timeout) throws SocketException {
    socket.setSoTimeout((int) timeout.toMillis());
    readTimeout = timeout;
  }

  /** Closes the connection. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
