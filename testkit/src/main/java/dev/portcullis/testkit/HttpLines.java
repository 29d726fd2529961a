package dev.portcullis.testkit;

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

/** Reading the lines and header fields of an HTTP/1.1 head, byte by byte, in ISO-8859-1. */
final class HttpLines {

  private HttpLines() {}

  /** One line without its CRLF (or bare LF); null at the end of the stream. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) >= 0; ) {
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

  /** Like {@link #readLine}, but the stream must not end first. */
  static String requireLine(InputStream in) throws IOException {
    String line = readLine(in);
    if (line == null) {
      throw new EOFException("the stream ended in the middle of a message");
    }
    return line;
  }

  /** The header fields up to the empty line: lower-case names to their values in order. */
  static Map<String, List<String>> readFields(InputStream in) throws IOException {
    Map<String, List<String>> fields = new LinkedHashMap<>();
    for (String line; !(line = requireLine(in)).isEmpty(); ) {
      int colon = line.indexOf(':');
      fields
          .computeIfAbsent(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    return fields;
  }

  /** The values of a field joined with {@code ", "}, as HTTP combines them; null when absent. */
  static String joined(Map<String, List<String>> fields, String name) {
    List<String> values = fields.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : String.join(", ", values);
  }
}
