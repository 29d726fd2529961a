package dev.portcullis.plan;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@code glob.match} patterns (the gobwas/glob syntax OPA uses) as anchored Java regular
 * expressions: {@code *} any run of non-delimiters, {@code **} any run, {@code ?} one
 * non-delimiter, {@code [abc]}, {@code [a-z]}, {@code [!...]}, {@code {a,b}} alternatives, and
 * {@code \} escapes. Thread-safe: compiled patterns are cached in a bounded concurrent map.
 */
final class Glob {

  private static final int CACHE_LIMIT = 1024;
  private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

  private Glob() {}

  /** A malformed glob: the built-in is undefined, as in OPA. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid() {
      super(null, null, false, false);
    }
  }

  static Pattern compile(String glob, List<Integer> delimiters) {
    String key = delimiters + "\u0000" + glob;
    Pattern cached = CACHE.get(key);
    if (cached != null) {
      return cached;
    }
    StringBuilder out = new StringBuilder();
    int end = translate(glob, 0, delimiters, out, false);
    if (end != glob.length()) {
      throw new Invalid();
    }
    Pattern compiled = Pattern.compile(out.toString(), Pattern.DOTALL);
    if (CACHE.size() >= CACHE_LIMIT) {
      CACHE.clear();
    }
    CACHE.put(key, compiled);
    return compiled;
  }

  private static String notDelimiter(List<Integer> delimiters) {
    if (delimiters.isEmpty()) {
      return ".";
    }
    StringBuilder out = new StringBuilder("[^");
    for (int d : delimiters) {
      out.append(Pattern.quote(new String(Character.toChars(d))));
    }
    return out.append(']').toString();
  }

  /** Translates from {@code i} up to the end, or (in alternatives) to the next ',' or '}'. */
  private static int translate(
      String g, int i, List<Integer> delimiters, StringBuilder out, boolean inAlternative) {
    int n = g.length();
    while (i < n) {
      char c = g.charAt(i);
      if (inAlternative && (c == ',' || c == '}')) {
        return i;
      }
      switch (c) {
        case '*':
          if (i + 1 < n && g.charAt(i + 1) == '*') {
            out.append(".*");
            i += 2;
          } else {
            out.append(notDelimiter(delimiters)).append('*');
            i++;
          }
          break;
        case '?':
          out.append(notDelimiter(delimiters));
          i++;
          break;
        case '\\':
          if (i + 1 >= n) {
            throw new Invalid();
          }
          int cp = g.codePointAt(i + 1);
          out.append(Pattern.quote(new String(Character.toChars(cp))));
          i += 1 + Character.charCount(cp);
          break;
        case '[':
          i = range(g, i + 1, out);
          break;
        case '{':
          {
            out.append("(?:");
            i++;
            while (true) {
              i = translate(g, i, delimiters, out, true);
              if (i >= n) {
                throw new Invalid();
              }
              if (g.charAt(i) == '}') {
                out.append(')');
                i++;
                break;
              }
              out.append('|');
              i++;
            }
            break;
          }
        default:
          {
            int code = g.codePointAt(i);
            out.append(Pattern.quote(new String(Character.toChars(code))));
            i += Character.charCount(code);
          }
      }
    }
    return i;
  }

  private static int range(String g, int i, StringBuilder out) {
    int n = g.length();
    out.append('[');
    if (i < n && g.charAt(i) == '!') {
      out.append('^');
      i++;
    }
    boolean empty = true;
    while (i < n && g.charAt(i) != ']') {
      int cp = g.codePointAt(i);
      if (cp == '\\') {
        if (i + 1 >= n) {
          throw new Invalid();
        }
        i++;
        cp = g.codePointAt(i);
      }
      i += Character.charCount(cp);
      out.append(classChar(cp));
      if (i + 1 < n && g.charAt(i) == '-' && g.charAt(i + 1) != ']') {
        int hi = g.codePointAt(i + 1);
        out.append('-').append(classChar(hi));
        i += 1 + Character.charCount(hi);
      }
      empty = false;
    }
    if (i >= n || empty) {
      throw new Invalid();
    }
    out.append(']');
    return i + 1;
  }

  private static String classChar(int cp) {
    return String.format("\\x{%x}", cp);
  }
}
