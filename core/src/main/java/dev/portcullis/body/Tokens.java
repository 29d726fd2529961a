package dev.portcullis.body;

/** RFC 9110 tokens, as header names and unquoted parameter values are written. */
final class Tokens {

  private static final String SEPARATORS_ALLOWED = "!#$%&'*+-.^_`|~";

  private Tokens() {}

  static boolean isToken(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (!isTokenChar(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean isTokenChar(char c) {
    return (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || SEPARATORS_ALLOWED.indexOf(c) >= 0;
  }
}
