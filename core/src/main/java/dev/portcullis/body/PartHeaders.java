package dev.portcullis.body;

import java.util.Locale;
import java.util.Set;

/**
 * The header lines of one multipart part, judged one at a time as they complete. Strict, so that
 * every server reads the same part from them: each line is a token name, a colon and a value of
 * printable ASCII; no folded lines; {@code Content-Disposition} exactly once, as {@code form-data}
 * with a {@code name} and a {@code filename} and no other parameter; {@code Content-Type} at most
 * once and never {@code multipart/*} (Tomcat parses a {@code multipart/mixed} part as a nested body
 * with a boundary of its own).
 *
 * <p>Not thread-safe: one per part.
 */
final class PartHeaders {

  /** A header line the guard refuses, and why, in words that quote nothing from the body. */
  static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    final boolean notAllowed;

    private Refusal(boolean notAllowed, String why) {
      super(why, null, false, false);
      this.notAllowed = notAllowed;
    }

    static Refusal malformed(String why) {
      return new Refusal(false, why);
    }

    static Refusal notAllowed(String why) {
      return new Refusal(true, why);
    }
  }

  private final Set<String> allowedNames;
  private final Set<String> namesSeen;
  private boolean dispositionSeen;
  private boolean typeSeen;

  /**
   * The headers of a part whose name must be in {@code allowedNames} and not in {@code namesSeen},
   * the names of the parts before it, to which it adds its own.
   */
  PartHeaders(Set<String> allowedNames, Set<String> namesSeen) {
    this.allowedNames = allowedNames;
    this.namesSeen = namesSeen;
  }

  /** Judges one complete header line, without its CRLF; it is not empty. */
  void line(String line) throws Refusal {
    char first = line.charAt(0);
    if (first == ' ' || first == '\t') {
      throw Refusal.malformed("a part header is folded over two lines");
    }
    int colon = line.indexOf(':');
    if (colon <= 0 || !Tokens.isToken(line.substring(0, colon))) {
      throw Refusal.malformed("a part header line is not a name, a colon and a value");
    }
    String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
    String value = line.substring(colon + 1).strip();
    if (name.equals("content-disposition")) {
      if (dispositionSeen) {
        throw Refusal.malformed("a part has two Content-Disposition headers");
      }
      dispositionSeen = true;
      disposition(value);
    } else if (name.equals("content-type")) {
      if (typeSeen) {
        throw Refusal.malformed("a part has two Content-Type headers");
      }
      typeSeen = true;
      if (value.toLowerCase(Locale.ROOT).startsWith("multipart")) {
        throw Refusal.malformed("a part is itself multipart");
      }
    }
  }

  /** Called at the blank line that ends the headers. */
  void end() throws Refusal {
    if (!dispositionSeen) {
      throw Refusal.malformed("a part has no Content-Disposition");
    }
  }

  private void disposition(String value) throws Refusal {
    DispositionReader reader = new DispositionReader(value);
    if (!reader.token().equalsIgnoreCase("form-data")) {
      throw Refusal.malformed("a part's Content-Disposition is not form-data");
    }
    String partName = null;
    boolean file = false;
    while (reader.nextParameter()) {
      String parameter = reader.token().toLowerCase(Locale.ROOT);
      reader.expect('=');
      String parameterValue = reader.value();
      if (parameter.equals("name") && partName == null) {
        partName = parameterValue;
      } else if (parameter.equals("filename") && !file) {
        file = true;
      } else {
        // name* or filename* (RFC 2231), a second name, or anything else a parser may read its own
        // way.
        throw Refusal.malformed("a part's Content-Disposition has an unexpected parameter");
      }
    }
    if (partName == null) {
      throw Refusal.malformed("a part's Content-Disposition has no name");
    }
    if (!allowedNames.contains(partName)) {
      throw Refusal.notAllowed("a part has a name the decision does not allow");
    }
    if (!file) {
      // A form field: the server would read its value as a request parameter the policy never saw.
      throw Refusal.notAllowed("a part is a form field, not a file");
    }
    if (!namesSeen.add(partName)) {
      throw Refusal.malformed("two parts have the same name");
    }
  }

  /** Reads {@code type *( OWS ";" OWS token "=" value ) OWS} from a Content-Disposition value. */
  private static final class DispositionReader {
    private final String text;
    private int position;

    DispositionReader(String text) {
      this.text = text;
    }

    String token() throws Refusal {
      int start = position;
      while (position < text.length() && Tokens.isTokenChar(text.charAt(position))) {
        position++;
      }
      if (start == position) {
        throw Refusal.malformed("a part's Content-Disposition is malformed");
      }
      return text.substring(start, position);
    }

    /** Whether a parameter follows; skips the {@code ;} and the blanks around it. */
    boolean nextParameter() throws Refusal {
      skipBlanks();
      if (position == text.length()) {
        return false;
      }
      expect(';');
      skipBlanks();
      return true;
    }

    void expect(char c) throws Refusal {
      if (position == text.length() || text.charAt(position) != c) {
        throw Refusal.malformed("a part's Content-Disposition is malformed");
      }
      position++;
    }

    /** A token, or a quoted-string of printable characters without quotes or backslashes. */
    String value() throws Refusal {
      if (position == text.length() || text.charAt(position) != '"') {
        return token();
      }
      int start = ++position;
      while (position < text.length() && text.charAt(position) != '"') {
        char c = text.charAt(position);
        if (c == '\\' || c < 0x20 || c > 0x7e) {
          throw Refusal.malformed("a part's Content-Disposition has an escaped or odd character");
        }
        position++;
      }
      expect('"');
      return text.substring(start, position - 1);
    }

    private void skipBlanks() {
      while (position < text.length()
          && (text.charAt(position) == ' ' || text.charAt(position) == '\t')) {
        position++;
      }
    }
  }
}
