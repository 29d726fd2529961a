package dev.portcullis.netty;

import dev.portcullis.testkit.RawHttp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 response as it crossed the wire, parsed by hand so that the tests see exactly the
 * bytes the handler wrote (Content-Length or chunked bodies; 1xx responses have none).
 *
 * @param status the status code
 * @param headers lower-case names to values
 * @param body the body, de-chunked
 */
record WireResponse(int status, Map<String, List<String>> headers, byte[] body) {

  /** The first value of a header, or null. */
  String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  List<String> headerValues(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Every complete response in {@code bytes}; a response still being written is left out. */
  static List<WireResponse> parseAll(byte[] bytes) throws IOException {
    InputStream in = new ByteArrayInputStream(bytes);
    List<WireResponse> responses = new ArrayList<>();
    try {
      WireResponse response;
      while ((response = read(in)) != null) {
        responses.add(response);
      }
    } catch (EOFException incomplete) {
      // the last response is not complete yet
    }
    return responses;
  }

  /** The next response, or null at the end of the stream. */
  static WireResponse read(InputStream in) throws IOException {
    String statusLine = RawHttp.readLine(in);
    if (statusLine == null) {
      return null;
    }
    int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String line;
    while (!(line = requireLine(in)).isEmpty()) {
      int colon = line.indexOf(':');
      headers
          .computeIfAbsent(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    return new WireResponse(status, headers, body(in, status, headers));
  }

  private static byte[] body(InputStream in, int status, Map<String, List<String>> headers)
      throws IOException {
    if (status < 200) {
      return new byte[0];
    }
    List<String> length = headers.getOrDefault("content-length", List.of());
    if (!length.isEmpty()) {
      return readExactly(in, Integer.parseInt(length.get(0)));
    }
    if (!headers.getOrDefault("transfer-encoding", List.of()).toString().contains("chunked")) {
      return in.readAllBytes();
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(requireLine(in).split(";", 2)[0].trim(), 16);
      if (size == 0) {
        while (!requireLine(in).isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      body.write(readExactly(in, size));
      requireLine(in);
    }
  }

  private static byte[] readExactly(InputStream in, int length) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw new EOFException("the body ended early");
    }
    return bytes;
  }

  private static String requireLine(InputStream in) throws IOException {
    String line = RawHttp.readLine(in);
    if (line == null) {
      throw new EOFException("the response ended early");
    }
    return line;
  }
}
