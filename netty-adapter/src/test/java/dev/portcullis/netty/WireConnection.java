package dev.portcullis.netty;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One client connection over a plain socket, for pipelining and for what no HTTP client sends as
 * written.
 */
final class WireConnection implements AutoCloseable {

  /** Guards against a server that never answers; not a timing assertion. */
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  private final Socket socket;
  private final InputStream in;

  WireConnection(URI server) throws IOException {
    socket = new Socket(server.getHost(), server.getPort());
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    in = new BufferedInputStream(socket.getInputStream());
  }

  void send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** The next response; fails if the server closed the connection instead. */
  WireResponse read() throws IOException {
    WireResponse response = WireResponse.read(in);
    if (response == null) {
      throw new IOException("the server closed the connection instead of answering");
    }
    return response;
  }

  /**
   * Whether the server closed the connection (end of stream or reset) before sending anything more.
   */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
