package dev.portcullis.internal;

/**
 * Writes JSON strings: the one escaping rule for the policy input and the denied-response body.
 *
 * <p>Not for public use. Thread-safe: stateless.
 */
public final class JsonStrings {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonStrings() {}

  /**
   * Appends {@code value} as a JSON string; escapes quotes, backslashes, control characters and
   * lone surrogates.
   */
  public static void append(String value, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append("\\u00").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      } else if (!Character.isSurrogate(c)) {
        out.append(c);
      } else if (validSurrogatePair(value, i)) {
        out.append(c).append(value.charAt(++i));
      } else {
        out.append("\\ufffd");
      }
    }
    out.append('"');
  }

  private static boolean validSurrogatePair(String value, int i) {
    return Character.isHighSurrogate(value.charAt(i))
        && i + 1 < value.length()
        && Character.isLowSurrogate(value.charAt(i + 1));
  }
}
