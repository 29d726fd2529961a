package dev.portcullis.body;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The boundary of a {@code multipart/*} {@code Content-Type}, read strictly: a {@code type/subtype}
 * of tokens, then {@code ;}-separated {@code name=value} pairs with a token or a plain
 * quoted-string value (no {@code \} escapes), at most one of each name, {@code boundary} exactly
 * once and nothing beside it but a {@code charset} of UTF-8, US-ASCII or ISO-8859-1 (Tomcat decodes
 * part headers in it). A comma anywhere is refused, since Tomcat's parser also splits the
 * parameters on commas and would then read another boundary than this one. The boundary itself is 1
 * to 70 of RFC 2046's characters without the space, {@code =} and {@code ?}: Tomcat decodes an RFC
 * 2047 encoded word ({@code =?UTF-8?Q?X?=}) in any parameter value, the boundary included.
 */
final class MultipartBoundary {

  private static final int MAX_LENGTH = 70;

  /** Charsets in which the part headers' printable ASCII reads as itself. */
  private static final Set<String> CHARSETS = Set.of("utf-8", "us-ascii", "iso-8859-1");

  private MultipartBoundary() {}

  /**
   * The boundary of {@code contentType} as bytes, or null when it has none or is not in the strict
   * form above.
   */
  static byte[] of(String contentType) {
    if (contentType == null || contentType.indexOf(',') >= 0) {
      return null;
    }
    String[] fields = contentType.split(";", -1);
    if (!isMediaType(fields[0].strip())) {
      return null;
    }
    String boundary = null;
    Set<String> seen = new HashSet<>();
    for (int i = 1; i < fields.length; i++) {
      String field = fields[i].strip();
      int equals = field.indexOf('=');
      if (equals <= 0) {
        return null;
      }
      String name = field.substring(0, equals).toLowerCase(Locale.ROOT);
      String value = valueOf(field.substring(equals + 1));
      if (!Tokens.isToken(name) || value == null || !seen.add(name)) {
        return null;
      }
      if (name.equals("boundary")) {
        boundary = value;
      } else if (!name.equals("charset") || !CHARSETS.contains(value.toLowerCase(Locale.ROOT))) {
        return null;
      }
    }
    return boundary != null && isBoundary(boundary)
        ? boundary.getBytes(StandardCharsets.US_ASCII)
        : null;
  }

  private static boolean isMediaType(String type) {
    int slash = type.indexOf('/');
    return slash > 0
        && Tokens.isToken(type.substring(0, slash))
        && Tokens.isToken(type.substring(slash + 1));
  }

  /** A token, or a quoted-string without quotes or backslashes inside; null when neither. */
  private static String valueOf(String raw) {
    if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
      String inner = raw.substring(1, raw.length() - 1);
      return inner.indexOf('"') < 0 && inner.indexOf('\\') < 0 ? inner : null;
    }
    return Tokens.isToken(raw) ? raw : null;
  }

  /**
   * RFC 2046 section 5.1.1's bchars without the space (no parser trims or splits them), {@code =}
   * and {@code ?} (no parser decodes the boundary then).
   */
  private static boolean isBoundary(String boundary) {
    if (boundary.isEmpty() || boundary.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < boundary.length(); i++) {
      char c = boundary.charAt(i);
      boolean alphanumeric =
          (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alphanumeric && "'()+_-./:".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }
}
