package dev.portcullis.servlet;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** How many values a raw query string gives each parameter name, decoded as containers do. */
final class QueryNames {

  private QueryNames() {}

  /**
   * The names of {@code rawQuery}'s {@code name=value} pairs (a pair without {@code =} is a name
   * with an empty value; an empty name is skipped, as containers skip it) and how often each comes;
   * empty for no query, null when a name cannot be decoded as UTF-8 percent-encoding.
   */
  static Map<String, Integer> count(String rawQuery) {
    Map<String, Integer> counts = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return counts;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int equals = pair.indexOf('=');
      String rawName = equals < 0 ? pair : pair.substring(0, equals);
      if (rawName.isEmpty()) {
        continue;
      }
      try {
        counts.merge(URLDecoder.decode(rawName, StandardCharsets.UTF_8), 1, Integer::sum);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return counts;
  }
}
