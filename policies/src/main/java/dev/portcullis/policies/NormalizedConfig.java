package dev.portcullis.policies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The configuration values the policy's hot path derives from {@code
 * data.portcullis.sonarqube.config}, computed once at load time into {@code
 * data.portcullis.sonarqube.normalized}: the compiled policy keeps nothing between evaluations, so
 * it would otherwise build them again on every request.
 *
 * <p>Only normalisation, no decision: the Rego reads these values in place of its own computation
 * (request.rego, denials.rego), and computes them itself (config.rego) whenever one is missing or
 * was written from another setting than the configured one. A value is written only where this
 * class's result is sure to be the Rego's: a setting of another type, or a side-door header with a
 * non-ASCII character (whose lower case Java and Go may write differently), is left to the Rego.
 */
final class NormalizedConfig {

  /** The key under {@code data.portcullis.sonarqube}. */
  static final String KEY = "normalized";

  private NormalizedConfig() {}

  /**
   * The normalized document for {@code config}, the merged configuration object: each value with
   * the setting it was written from ({@code from}), which the Rego compares with the configured one
   * before it uses the value, so that a configuration changed afterwards is never judged by stale
   * values.
   */
  static ObjectNode of(JsonNode config) {
    ObjectNode normalized = JsonNodeFactory.instance.objectNode();
    if (!config.isObject()) {
      return normalized;
    }
    JsonNode sideDoorSetting = config.path("side_door_headers");
    ObjectNode sideDoors = sideDoorHeaders(sideDoorSetting);
    if (sideDoors != null) {
      ObjectNode value = normalized.putObject("side_door_headers");
      value.set("from", sideDoorSetting.deepCopy());
      value.set("set", sideDoors);
    }
    JsonNode contextPath = config.path("context_path");
    if (contextPath.isTextual()) {
      String path = contextPath(contextPath.asText());
      ObjectNode value = normalized.putObject("context_path");
      value.put("from", contextPath.asText());
      value.put("path", path);
      value.put("prefix", path + "/");
    }
    return normalized;
  }

  /**
   * {@code {lower(h): true}} for a list of ASCII strings, as side_door_headers (config.rego)
   * computes it; {@code null} for anything else, which the Rego handles itself (the defaults for a
   * value that is not a list, and so on).
   */
  private static ObjectNode sideDoorHeaders(JsonNode configured) {
    if (!configured.isArray()) {
      return null;
    }
    ObjectNode set = JsonNodeFactory.instance.objectNode();
    for (JsonNode header : configured) {
      if (!header.isTextual() || !isAscii(header.asText())) {
        return null;
      }
      set.put(header.asText().toLowerCase(Locale.ROOT), true);
    }
    return set;
  }

  /** As context_path (config.rego): "" or "/" and the setting without leading or trailing '/'. */
  private static String contextPath(String setting) {
    int start = 0;
    int end = setting.length();
    while (start < end && setting.charAt(start) == '/') {
      start++;
    }
    while (end > start && setting.charAt(end - 1) == '/') {
      end--;
    }
    return start == end ? "" : "/" + setting.substring(start, end);
  }

  private static boolean isAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }
}
