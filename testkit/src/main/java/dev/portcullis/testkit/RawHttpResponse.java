package dev.portcullis.testkit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 response as it crossed the wire, parsed by hand so that a test sees exactly what the
 * server wrote: bodies framed by {@code Content-Length}, chunked (de-chunked here) or by the close
 * of the connection; none for 1xx, 204 and 304 responses and for answers to {@code HEAD}.
 *
 * <p>Only the first {@value #KEPT_BODY_BYTES} bytes of a body are kept; longer ones are counted.
 *
 * @param head the status and header fields
 * @param body the body, de-chunked; at most {@value #KEPT_BODY_BYTES} bytes
 * @param bodyLength how many body bytes arrived, kept or not
 * @param complete whether the body ended as framed, rather than cut short by a close
 */
public record RawHttpResponse(Head head, byte[] body, long bodyLength, boolean complete) {

  /** How much of a body a response keeps in memory. */
  public static final int KEPT_BODY_BYTES = 1024 * 1024;

  /**
   * A response's status line and header fields.
   *
   * @param statusLine the status line as sent, such as {@code HTTP/1.1 403 Forbidden}
   * @param headers lower-case names to their values, in the order received
   */
  public record Head(String statusLine, Map<String, List<String>> headers) {

    /**
     * The status code.
     *
     * @return the status code from the status line
     */
    public int status() {
      return Integer.parseInt(statusLine.split(" ", 3)[1]);
    }

    /**
     * A header's value; when it was repeated, its values joined with {@code ", "} as HTTP combines
     * them.
     *
     * @param name the header name, in any case
     * @return the value, or null when absent
     */
    public String header(String name) {
      return HttpLines.joined(headers, name);
    }

    /**
     * Every value of a header, in order.
     *
     * @param name the header name, in any case
     * @return the values; empty when absent
     */
    public List<String> headerValues(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
  }

  /**
   * The status code.
   *
   * @return the status code
   */
  public int status() {
    return head.status();
  }

  /**
   * The header fields.
   *
   * @return lower-case names to their values
   */
  public Map<String, List<String>> headers() {
    return head.headers();
  }

  /**
   * A header's value, repeated values joined; see {@link Head#header(String)}.
   *
   * @param name the header name, in any case
   * @return the value, or null when absent
   */
  public String header(String name) {
    return head.header(name);
  }

  /**
   * Every value of a header, in order.
   *
   * @param name the header name, in any case
   * @return the values; empty when absent
   */
  public List<String> headerValues(String name) {
    return head.headerValues(name);
  }

  /**
   * The kept body as UTF-8 text.
   *
   * @return the body text
   */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * Every complete response in {@code bytes}, such as what a server wrote to an embedded channel; a
   * response still being written is left out.
   *
   * @param bytes the bytes a server wrote
   * @return the responses, in order
   * @throws IOException if the bytes are not HTTP/1.1 responses
   */
  public static List<RawHttpResponse> parseAll(byte[] bytes) throws IOException {
    InputStream in = new ByteArrayInputStream(bytes);
    List<RawHttpResponse> responses = new ArrayList<>();
    try {
      for (RawHttpResponse response; (response = read(in, false)) != null; ) {
        if (!response.complete()) {
          break;
        }
        responses.add(response);
      }
    } catch (EOFException incomplete) {
      // the last head is not complete yet
    }
    return responses;
  }

  /**
   * Reads the next response from {@code in}.
   *
   * @param in the stream, positioned at a status line
   * @param toHead whether the response answers a {@code HEAD} request, so has no body
   * @return the response, or null when the stream ended before it
   * @throws EOFException if the stream ended within the head
   * @throws IOException if reading fails
   */
  public static RawHttpResponse read(InputStream in, boolean toHead) throws IOException {
    Head head = readHead(in);
    return head == null ? null : readBody(in, head, toHead);
  }

  /**
   * Reads the status line and header fields only, leaving the body in {@code in}.
   *
   * @param in the stream, positioned at a status line
   * @return the head, or null when the stream ended before it
   * @throws EOFException if the stream ended within the head
   * @throws IOException if reading fails
   */
  public static Head readHead(InputStream in) throws IOException {
    String statusLine = HttpLines.readLine(in);
    if (statusLine == null) {
      return null;
    }
    return new Head(statusLine, HttpLines.readFields(in));
  }

  static RawHttpResponse readBody(InputStream in, Head head, boolean toHead) throws IOException {
    int status = head.status();
    if (toHead || status < 200 || status == 204 || status == 304) {
      return new RawHttpResponse(head, new byte[0], 0, true);
    }
    Body body = new Body();
    boolean complete;
    if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
      complete = body.copyChunks(in);
    } else if (head.header("content-length") != null) {
      long length = Long.parseLong(head.header("content-length"));
      complete = body.copy(in, length) == length;
    } else {
      body.copyToEnd(in);
      complete = true;
    }
    return new RawHttpResponse(head, body.kept.toByteArray(), body.length, complete);
  }

  /** A body being read: the bytes kept, and the count of all of them. */
  private static final class Body {
    final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    final byte[] buffer = new byte[64 * 1024];
    long length;

    /** Copies up to {@code size} bytes; returns how many there were before the stream ended. */
    long copy(InputStream in, long size) throws IOException {
      long copied = 0;
      while (copied < size) {
        int read = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied));
        if (read < 0) {
          break;
        }
        kept.write(buffer, 0, Math.min(read, Math.max(0, KEPT_BODY_BYTES - kept.size())));
        copied += read;
        length += read;
      }
      return copied;
    }

    /** Copies a chunked body and skips its trailers; false when the stream ended first. */
    boolean copyChunks(InputStream in) throws IOException {
      for (String sizeLine; (sizeLine = HttpLines.readLine(in)) != null; ) {
        long size = Long.parseLong(sizeLine.split(";", 2)[0].trim(), 16);
        if (size == 0) {
          for (String trailer; (trailer = HttpLines.readLine(in)) != null; ) {
            if (trailer.isEmpty()) {
              return true;
            }
          }
          return false;
        }
        if (copy(in, size) < size || HttpLines.readLine(in) == null) {
          return false;
        }
      }
      return false;
    }

    /** A body framed by the close of the connection; a reset ends it too. */
    void copyToEnd(InputStream in) throws IOException {
      try {
        copy(in, Long.MAX_VALUE);
      } catch (SocketException reset) {
        // the server closed abruptly; what arrived is the body
      }
    }
  }
}
