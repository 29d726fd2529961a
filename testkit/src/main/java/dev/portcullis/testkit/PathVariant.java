package dev.portcullis.testkit;

import java.util.Locale;

/**
 * A hostile way of writing a request path that a lax front end and SonarQube could read as
 * different paths: encodings, case, suffixes, matrix parameters, dot segments, slashes.
 *
 * <p>Portcullis' canonicalization refuses most of these with a 400 before any policy runs; the rest
 * reach the policy as a path that is not on an allow-list. Either way no variant of a denied path
 * may be allowed, which is what the generators built on this are for.
 */
public enum PathVariant {
  /** The path unchanged. */
  AS_IS,
  /** One character percent-encoded ({@code /api/u%73ers/search}). */
  PERCENT_ENCODED,
  /** One character percent-encoded twice ({@code /api/u%2573ers/search}). */
  DOUBLE_PERCENT_ENCODED,
  /** Every {@code /} after the first encoded as {@code %2F}. */
  ENCODED_SLASHES,
  /** Upper case ({@code /API/USERS/SEARCH}). */
  UPPER_CASE,
  /** A {@code .json} suffix, as SonarQube's web services accept. */
  JSON_SUFFIX,
  /** A {@code .protobuf} suffix. */
  PROTOBUF_SUFFIX,
  /** A trailing slash. */
  TRAILING_SLASH,
  /** A matrix parameter inside a segment ({@code /api;x=1/users/search}). */
  MATRIX_PARAMETER,
  /**
   * Dot segments that climb out of an allowed path ({@code /api/server/../../api/users/search}).
   */
  DOT_SEGMENTS,
  /** Encoded dot segments ({@code /api/server/%2e%2e/...}). */
  ENCODED_DOT_SEGMENTS,
  /** An allow-listed prefix, then dot segments ({@code /api/plugins/installed/../../...}). */
  ALLOWED_PREFIX_DOT_SEGMENTS,
  /** A leading double slash. */
  DOUBLE_SLASH,
  /** Backslashes for slashes. */
  BACKSLASHES,
  /** An encoded NUL after the path. */
  ENCODED_NUL;

  /**
   * This variant of {@code path}.
   *
   * @param path an origin-form path without a query, starting with {@code /}
   * @param position which character the single-character variants change; taken modulo the path's
   *     length, never the leading {@code /}
   */
  public String apply(String path, int position) {
    int at = 1 + Math.floorMod(position, Math.max(1, path.length() - 1));
    at = Math.min(at, path.length() - 1);
    char c = path.charAt(at);
    String before = path.substring(0, at);
    String after = path.substring(Math.min(at + 1, path.length()));
    switch (this) {
      case PERCENT_ENCODED:
        return before + String.format("%%%02X", (int) c) + after;
      case DOUBLE_PERCENT_ENCODED:
        return before + String.format("%%25%02X", (int) c) + after;
      case ENCODED_SLASHES:
        return "/" + path.substring(1).replace("/", "%2F");
      case UPPER_CASE:
        return path.toUpperCase(Locale.ROOT);
      case JSON_SUFFIX:
        return path + ".json";
      case PROTOBUF_SUFFIX:
        return path + ".protobuf";
      case TRAILING_SLASH:
        return path + "/";
      case MATRIX_PARAMETER:
        return before + ";x=1" + path.substring(at);
      case DOT_SEGMENTS:
        return "/api/server/../.." + path;
      case ENCODED_DOT_SEGMENTS:
        return "/api/server/%2e%2e/%2E%2E" + path;
      case ALLOWED_PREFIX_DOT_SEGMENTS:
        return "/api/plugins/installed/../.." + path;
      case DOUBLE_SLASH:
        return "/" + path;
      case BACKSLASHES:
        return path.replace('/', '\\');
      case ENCODED_NUL:
        return path + "%00";
      default:
        return path;
    }
  }
}
