package dev.portcullis;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request target in its one canonical form: the decoded path, its segments, the decoded query,
 * and the re-encoded origin-form target that is forwarded upstream.
 *
 * <p>{@link #parse} refuses every target whose meaning could differ between Portcullis and the
 * upstream server: percent-encoded {@code /}, {@code \}, {@code .}, {@code %} or {@code ;}, dot
 * segments, empty segments, {@code ;} path parameters, backslashes, fragments, control characters,
 * raw non-ASCII and invalid UTF-8. What is left decodes one way only, so the policy judges exactly
 * what the upstream will serve. Parsing is idempotent: parsing {@link #forwardTarget()} again gives
 * an equal target.
 *
 * @param path the decoded path, starting with {@code /}; may end with {@code /}
 * @param pathSegments the decoded segments after the leading {@code /}; a trailing {@code /} gives
 *     a final empty segment
 * @param query decoded parameter names to their decoded values, in order of appearance
 * @param forwardTarget the canonical re-encoded path and query to send upstream
 */
public record CanonicalTarget(
    String path, List<String> pathSegments, Map<String, List<String>> query, String forwardTarget) {

  /** The longest target accepted by default, in characters. */
  public static final int DEFAULT_MAX_LENGTH = 8192;

  public CanonicalTarget {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(forwardTarget, "forwardTarget");
    pathSegments = List.copyOf(pathSegments);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    query.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    query = Collections.unmodifiableMap(copy);
  }

  /** Parses a raw origin-form request target of at most {@link #DEFAULT_MAX_LENGTH} characters. */
  public static CanonicalTarget parse(String rawTarget) {
    return parse(rawTarget, DEFAULT_MAX_LENGTH);
  }

  /**
   * Parses a raw origin-form request target ({@code /path?query}) as received on the wire, before
   * any decoding.
   *
   * @throws RequestRejectedException with status 400 (or 414 when longer than {@code maxLength})
   *     and a reason code when the target is malformed or ambiguous
   */
  public static CanonicalTarget parse(String rawTarget, int maxLength) {
    if (rawTarget == null || rawTarget.isEmpty()) {
      throw RequestRejectedException.badRequest("empty_target", "The request target is empty.");
    }
    if (rawTarget.length() > maxLength) {
      throw new RequestRejectedException(
          414,
          "target_too_long",
          "The request target is longer than " + maxLength + " characters.");
    }
    if (rawTarget.charAt(0) != '/') {
      throw RequestRejectedException.badRequest(
          "target_not_origin_form", "The request target must be a path starting with '/'.");
    }
    checkCharacters(rawTarget);
    int questionMark = rawTarget.indexOf('?');
    String rawPath = questionMark < 0 ? rawTarget : rawTarget.substring(0, questionMark);
    String rawQuery = questionMark < 0 ? "" : rawTarget.substring(questionMark + 1);

    List<String> segments = parsePathSegments(rawPath);
    Map<String, List<String>> query = parseQuery(rawQuery);

    StringBuilder path = new StringBuilder(rawPath.length());
    StringBuilder forward = new StringBuilder(rawTarget.length());
    for (String segment : segments) {
      path.append('/').append(segment);
      forward.append('/');
      encode(segment, PATH_SAFE, forward);
    }
    if (!query.isEmpty()) {
      forward.append('?');
      appendEncodedQuery(query, forward);
    }
    return new CanonicalTarget(path.toString(), segments, query, forward.toString());
  }

  private static void checkCharacters(String rawTarget) {
    for (int i = 0; i < rawTarget.length(); i++) {
      char c = rawTarget.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw RequestRejectedException.badRequest(
            "control_character", "The request target contains a control character.");
      }
      if (c > 0x7e) {
        throw RequestRejectedException.badRequest(
            "non_ascii_target", "The request target contains a raw non-ASCII character.");
      }
      if (c == '\\') {
        throw RequestRejectedException.badRequest(
            "backslash", "The request target contains a backslash.");
      }
      if (c == '#') {
        throw RequestRejectedException.badRequest(
            "fragment_in_target", "The request target contains a fragment ('#').");
      }
      if (c == ';') {
        throw RequestRejectedException.badRequest(
            "semicolon", "The request target contains ';' (path parameters are ambiguous).");
      }
      if (!ALLOWED_RAW[c]) {
        throw RequestRejectedException.badRequest(
            "invalid_character",
            "The request target contains a character that must be percent-encoded.");
      }
    }
  }

  private static List<String> parsePathSegments(String rawPath) {
    List<String> segments = new ArrayList<>();
    int start = 1;
    while (true) {
      int slash = rawPath.indexOf('/', start);
      int end = slash < 0 ? rawPath.length() : slash;
      String raw = rawPath.substring(start, end);
      boolean last = slash < 0;
      if (raw.isEmpty() && !last) {
        throw RequestRejectedException.badRequest(
            "empty_segment", "The request path contains an empty segment ('//').");
      }
      String segment = decode(raw, false, true);
      if (segment.equals(".") || segment.equals("..")) {
        throw RequestRejectedException.badRequest(
            "dot_segment", "The request path contains a '.' or '..' segment.");
      }
      segments.add(segment);
      if (last) {
        return segments;
      }
      start = slash + 1;
    }
  }

  private static Map<String, List<String>> parseQuery(String rawQuery) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (rawQuery.isEmpty()) {
      return query;
    }
    if (rawQuery.indexOf('?') >= 0) {
      // RFC 3986 allows '?' in a query, but no scanner sends one and servers disagree on it.
      throw RequestRejectedException.badRequest(
          "question_mark_in_query", "The query contains a second '?'.");
    }
    int start = 0;
    while (start <= rawQuery.length()) {
      int ampersand = rawQuery.indexOf('&', start);
      int end = ampersand < 0 ? rawQuery.length() : ampersand;
      if (end > start) {
        String pair = rawQuery.substring(start, end);
        int equals = pair.indexOf('=');
        String name = decode(equals < 0 ? pair : pair.substring(0, equals), true, false);
        String value = equals < 0 ? "" : decode(pair.substring(equals + 1), true, false);
        if (name.isEmpty()) {
          throw RequestRejectedException.badRequest(
              "empty_parameter_name", "The query contains a parameter without a name.");
        }
        query.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
      }
      if (ampersand < 0) {
        break;
      }
      start = ampersand + 1;
    }
    return query;
  }

  /**
   * Percent-decodes one path segment or query component and checks the result. In a path segment an
   * encoded separator, dot, percent or semicolon is refused: those are exactly the encodings that
   * servers decode differently. {@code plusIsSpace} applies form encoding to query components.
   */
  private static String decode(String raw, boolean plusIsSpace, boolean pathSegment) {
    if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) {
      return raw;
    }
    byte[] bytes = new byte[raw.length()];
    int length = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw badEncoding();
        }
        int high = Character.digit(raw.charAt(i + 1), 16);
        int low = Character.digit(raw.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          throw badEncoding();
        }
        int decoded = (high << 4) | low;
        checkDecodedByte(decoded, pathSegment);
        bytes[length++] = (byte) decoded;
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes[length++] = ' ';
      } else {
        bytes[length++] = (byte) c;
      }
    }
    return decodeUtf8(bytes, length);
  }

  private static void checkDecodedByte(int decoded, boolean pathSegment) {
    if (decoded < 0x20 || decoded == 0x7f) {
      throw RequestRejectedException.badRequest(
          "encoded_control_character", "The request target encodes a control character.");
    }
    if (!pathSegment) {
      return;
    }
    switch (decoded) {
      case '/':
      case '\\':
        throw RequestRejectedException.badRequest(
            "encoded_separator", "The request path encodes a '/' or '\\' separator.");
      case '.':
        throw RequestRejectedException.badRequest("encoded_dot", "The request path encodes a '.'.");
      case '%':
        throw RequestRejectedException.badRequest(
            "double_encoding", "The request path encodes a '%' (double encoding).");
      case ';':
        throw RequestRejectedException.badRequest(
            "semicolon", "The request path encodes a ';' (path parameters are ambiguous).");
      default:
    }
  }

  private static RequestRejectedException badEncoding() {
    return RequestRejectedException.badRequest(
        "bad_percent_encoding", "The request target has a malformed percent-encoding.");
  }

  private static String decodeUtf8(byte[] bytes, int length) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, 0, length));
      String decoded = chars.toString();
      for (int i = 0; i < decoded.length(); i++) {
        char c = decoded.charAt(i);
        if (c >= 0x80 && c <= 0x9f) {
          throw RequestRejectedException.badRequest(
              "encoded_control_character", "The request target encodes a control character.");
        }
      }
      return decoded;
    } catch (CharacterCodingException e) {
      throw RequestRejectedException.badRequest(
          "invalid_utf8", "The request target decodes to invalid UTF-8.");
    }
  }

  private static void appendEncodedQuery(Map<String, List<String>> query, StringBuilder out) {
    boolean first = true;
    for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
      for (String value : parameter.getValue()) {
        if (!first) {
          out.append('&');
        }
        first = false;
        encode(parameter.getKey(), QUERY_SAFE, out);
        out.append('=');
        encode(value, QUERY_SAFE, out);
      }
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static void encode(String decoded, boolean[] safe, StringBuilder out) {
    byte[] bytes = null;
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (c < 0x80 && safe[c]) {
        continue;
      }
      bytes = decoded.getBytes(StandardCharsets.UTF_8);
      break;
    }
    if (bytes == null) {
      out.append(decoded);
      return;
    }
    for (byte b : bytes) {
      int unsigned = b & 0xff;
      if (unsigned < 0x80 && safe[unsigned]) {
        out.append((char) unsigned);
      } else {
        out.append('%').append(HEX[unsigned >> 4]).append(HEX[unsigned & 0xf]);
      }
    }
  }

  private static final boolean[] ALLOWED_RAW = new boolean[128];
  private static final boolean[] PATH_SAFE = new boolean[128];
  private static final boolean[] QUERY_SAFE = new boolean[128];

  static {
    String unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    // RFC 3986 pchar without ';', plus the delimiters '/', '?', '%', '=' and '&' that give the
    // target its structure.
    for (char c : (unreserved + "!$&'()*+,=:@/?%").toCharArray()) {
      ALLOWED_RAW[c] = true;
    }
    for (char c : (unreserved + "!$'()*,=:@").toCharArray()) {
      PATH_SAFE[c] = true;
    }
    // '+' stays encoded in a query because form decoding reads a raw '+' as a space.
    for (char c : (unreserved + ":/,").toCharArray()) {
      QUERY_SAFE[c] = true;
    }
  }
}
