package dev.portcullis.plan;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Go (RE2) regular expressions on {@code java.util.regex}: translates what the two spell or mean
 * differently ({@code $} is end of text, {@code \s} and {@code \v}, POSIX classes, {@code [} and
 * {@code &&} in classes, named groups) and refuses what Go has no equivalent for (look-around,
 * back-references, possessive quantifiers, the {@code U} flag). A refused pattern is {@link
 * Unsupported}, which the engine turns into a failed evaluation rather than guessing.
 *
 * <p>Thread-safe: compiled patterns are cached in a bounded concurrent map.
 */
final class GoRegex {

  private static final int CACHE_LIMIT = 1024;
  private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();
  private static final String WORD = "[0-9A-Za-z_]";

  private GoRegex() {}

  /** A pattern whose Go meaning this translation cannot reproduce. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message);
    }
  }

  /** An invalid pattern (as Go would also refuse it): the built-in is undefined. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  static Pattern compile(String pattern) {
    Pattern cached = CACHE.get(pattern);
    if (cached != null) {
      return cached;
    }
    String java = translate(pattern);
    Pattern compiled;
    try {
      compiled = Pattern.compile(java, Pattern.UNIX_LINES | Pattern.UNICODE_CASE);
    } catch (PatternSyntaxException e) {
      throw new Unsupported("pattern '" + pattern + "' does not compile: " + e.getDescription());
    }
    if (CACHE.size() >= CACHE_LIMIT) {
      CACHE.clear();
    }
    CACHE.put(pattern, compiled);
    return compiled;
  }

  static String translate(String p) {
    boolean multiline = p.matches("(?s).*\\(\\?[a-zA-Z]*m[a-zA-Z]*[:)].*");
    StringBuilder out = new StringBuilder(p.length() + 16);
    int i = 0;
    int n = p.length();
    while (i < n) {
      char c = p.charAt(i);
      if (c == '\\') {
        i = escape(p, i, out, false);
      } else if (c == '[') {
        i = charClass(p, i, out);
      } else if (c == '$') {
        out.append(multiline ? "$" : "\\z");
        i++;
      } else if (c == '(') {
        if (p.startsWith("(?P<", i)) {
          out.append("(?:");
          i = skipName(p, i + 4);
        } else if (p.startsWith("(?<", i)
            && i + 3 < n
            && p.charAt(i + 3) != '='
            && p.charAt(i + 3) != '!') {
          out.append("(?:");
          i = skipName(p, i + 3);
        } else if (p.startsWith("(?", i)) {
          int j = i + 2;
          while (j < n && (Character.isLetter(p.charAt(j)) || p.charAt(j) == '-')) {
            char flag = p.charAt(j);
            if (flag != 'i' && flag != 'm' && flag != 's' && flag != '-') {
              throw new Unsupported("flag '" + flag + "' in '" + p + "'");
            }
            j++;
          }
          if (j >= n || (p.charAt(j) != ':' && p.charAt(j) != ')')) {
            throw new Unsupported("group syntax in '" + p + "'");
          }
          out.append(p, i, j + 1);
          i = j + 1;
        } else {
          out.append(c);
          i++;
        }
      } else if (c == '*' || c == '+' || c == '?' || c == '}') {
        out.append(c);
        i++;
        if (i < n && p.charAt(i) == '+') {
          throw new Unsupported("possessive quantifier in '" + p + "'");
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static int skipName(String p, int i) {
    int close = p.indexOf('>', i);
    if (close < 0) {
      throw new Invalid("unterminated group name in '" + p + "'");
    }
    return close + 1;
  }

  /** Copies (translated) the escape at {@code i}; returns the index after it. */
  private static int escape(String p, int i, StringBuilder out, boolean inClass) {
    if (i + 1 >= p.length()) {
      throw new Invalid("trailing backslash in '" + p + "'");
    }
    char e = p.charAt(i + 1);
    switch (e) {
      case 's':
        out.append(inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
        return i + 2;
      case 'S':
        if (inClass) {
          throw new Unsupported("\\S inside a class in '" + p + "'");
        }
        out.append("[^\\t\\n\\f\\r ]");
        return i + 2;
      case 'v':
        out.append("\\x0B");
        return i + 2;
      case 'b':
        if (inClass) {
          throw new Unsupported("\\b inside a class in '" + p + "'");
        }
        out.append("(?:(?<=" + WORD + ")(?!" + WORD + ")|(?<!" + WORD + ")(?=" + WORD + "))");
        return i + 2;
      case 'B':
        if (inClass) {
          throw new Unsupported("\\B inside a class in '" + p + "'");
        }
        out.append("(?:(?<=" + WORD + ")(?=" + WORD + ")|(?<!" + WORD + ")(?!" + WORD + "))");
        return i + 2;
      case 'Q':
        {
          int end = p.indexOf("\\E", i + 2);
          String literal = end < 0 ? p.substring(i + 2) : p.substring(i + 2, end);
          out.append(Pattern.quote(literal));
          return end < 0 ? p.length() : end + 2;
        }
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 'A':
      case 'z':
      case 'p':
      case 'P':
      case 'x':
      case 'a':
      case 'f':
      case 't':
      case 'n':
      case 'r':
        out.append('\\').append(e);
        return i + 2;
      default:
        if (e >= '0' && e <= '9') {
          throw new Unsupported("octal escape or back-reference in '" + p + "'");
        }
        if (Character.isLetterOrDigit(e)) {
          throw new Unsupported("escape \\" + e + " in '" + p + "'");
        }
        out.append('\\').append(e); // an escaped punctuation character is itself in both
        return i + 2;
    }
  }

  private static int charClass(String p, int i, StringBuilder out) {
    int n = p.length();
    out.append('[');
    i++;
    if (i < n && p.charAt(i) == '^') {
      out.append('^');
      i++;
    }
    boolean first = true;
    while (i < n) {
      char c = p.charAt(i);
      if (c == ']' && !first) {
        out.append(']');
        return i + 1;
      }
      first = false;
      if (c == '\\') {
        i = escape(p, i, out, true);
      } else if (c == '[' && p.startsWith("[:", i)) {
        int end = p.indexOf(":]", i + 2);
        if (end < 0) {
          out.append("\\[");
          i++;
          continue;
        }
        String name = p.substring(i + 2, end);
        boolean negated = name.startsWith("^");
        out.append(posix(negated ? name.substring(1) : name, negated, p));
        i = end + 2;
      } else if (c == '[' || c == '&' || c == ']') {
        out.append('\\').append(c);
        i++;
      } else {
        out.append(c);
        i++;
      }
    }
    throw new Invalid("missing closing ] in '" + p + "'");
  }

  private static String posix(String name, boolean negated, String p) {
    String property;
    switch (name) {
      case "alnum":
        property = "Alnum";
        break;
      case "alpha":
        property = "Alpha";
        break;
      case "ascii":
        property = "ASCII";
        break;
      case "blank":
        property = "Blank";
        break;
      case "cntrl":
        property = "Cntrl";
        break;
      case "digit":
        property = "Digit";
        break;
      case "graph":
        property = "Graph";
        break;
      case "lower":
        property = "Lower";
        break;
      case "print":
        property = "Print";
        break;
      case "punct":
        property = "Punct";
        break;
      case "space":
        property = "Space";
        break;
      case "upper":
        property = "Upper";
        break;
      case "word":
        return negated ? "\\W" : "\\w";
      case "xdigit":
        property = "XDigit";
        break;
      default:
        throw new Invalid("unknown POSIX class " + name + " in '" + p + "'");
    }
    return (negated ? "\\P{" : "\\p{") + property + "}";
  }
}
