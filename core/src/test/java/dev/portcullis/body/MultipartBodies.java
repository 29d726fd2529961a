package dev.portcullis.body;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds multipart bodies for the guard's tests, as a scanner's HTTP client writes them. */
final class MultipartBodies {

  static final String BOUNDARY = "a7f3c2e1-9b4d-4c2a-8e6f-0d1b2c3d4e5f";
  static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private final String boundary;

  MultipartBodies(String boundary) {
    this.boundary = boundary;
  }

  static MultipartBodies body() {
    return new MultipartBodies(BOUNDARY);
  }

  /** A file part as OkHttp writes it. */
  MultipartBodies file(String name, byte[] content) {
    return part(
        content,
        "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"scanner-report.zip\"",
        "Content-Type: application/zip",
        "Content-Length: " + content.length);
  }

  /** A form field. */
  MultipartBodies field(String name, String value) {
    return part(
        value.getBytes(StandardCharsets.UTF_8),
        "Content-Disposition: form-data; name=\"" + name + "\"");
  }

  /** A part with these header lines. */
  MultipartBodies part(byte[] content, String... headerLines) {
    raw((body.size() == 0 ? "--" : "\r\n--") + boundary + "\r\n");
    for (String line : headerLines) {
      raw(line + "\r\n");
    }
    raw("\r\n");
    body.writeBytes(content);
    return this;
  }

  MultipartBodies raw(String text) {
    body.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    return this;
  }

  /** The body, closed with its final delimiter and a CRLF. */
  byte[] close() {
    raw("\r\n--" + boundary + "--\r\n");
    return body.toByteArray();
  }

  byte[] bytes() {
    return body.toByteArray();
  }
}
