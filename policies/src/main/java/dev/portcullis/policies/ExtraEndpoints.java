package dev.portcullis.policies;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.PolicyLoadException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The start-time check of the {@code extra_endpoints} configuration key: the same rules by which
 * the policy (config.rego) uses or ignores an entry, with a message that names the entry and the
 * problem.
 *
 * <p>The policy ignores every entry that this check refuses, so data that reaches the policy
 * without this check never opens more; the Rego tables this class mirrors (parameter kinds and
 * denied families) are compared with it by {@code ExtraEndpointsTest}.
 */
final class ExtraEndpoints {

  static final String KEY = "extra_endpoints";

  static final Set<String> FIELDS =
      Set.of("path", "methods", "params", "anonymous", "credential_kinds");

  static final Set<String> METHODS = Set.of("GET", "POST");

  /** The keys of {@code parameter_formats} (parameters.rego). */
  static final Set<String> PARAMETER_KINDS =
      Set.of(
          "project",
          "branch",
          "id",
          "plugin",
          "number",
          "boolean",
          "keys",
          "platform",
          "text",
          "characteristic",
          "file");

  /**
   * The keys of {@code api_families} and {@code api_v2_families} (endpoints.rego), written as
   * {@link #familyName} writes them.
   */
  static final Set<String> DENIED_FAMILIES =
      Set.of(
          "users",
          "users_management",
          "user_tokens",
          "permissions",
          "user_groups",
          "system",
          "monitoring",
          "settings",
          "webhooks",
          "alm_settings",
          "alm_integrations",
          "webservices",
          "projects",
          "components",
          "project_analyses",
          "project_branches",
          "project_pull_requests",
          "issues",
          "hotspots",
          "sources",
          "duplications",
          "navigation",
          "measures",
          "authentication",
          "ce",
          "plugins",
          "qualityprofiles",
          "qualitygates",
          "rules",
          "authorizations",
          "dop_translation");

  static final int MAX_PATH_LENGTH = 200;
  static final int MAX_PARAMETER_NAME_LENGTH = 64;

  // matches() anchors both ends; unlike '$', it does not accept a trailing line break.
  private static final Pattern PATH = Pattern.compile("/api(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+");
  private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");
  private static final String EXAMPLE =
      "{\"path\": \"/api/v2/analysis/licenses\", \"methods\": [\"GET\"], "
          + "\"params\": {\"projectKey\": \"project\"}}";

  private ExtraEndpoints() {}

  /**
   * Checks the value of {@code extra_endpoints}, a list the caller has already found to be a list.
   *
   * @throws PolicyLoadException naming the first malformed entry and what is wrong with it
   */
  static void check(JsonNode entries) {
    Set<String> paths = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonNode entry = entries.get(i);
      String path = checkEntry(i, entry);
      if (!paths.add(path)) {
        throw problem(i, entry, "lists the same path as an earlier entry; give each path once");
      }
    }
  }

  /** Checks one entry and returns its path. */
  private static String checkEntry(int index, JsonNode entry) {
    if (!entry.isObject()) {
      throw problem(index, entry, "must be an object such as " + EXAMPLE);
    }
    for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw problem(
            index,
            entry,
            "has an unknown field '" + name + "'; known fields: " + List.copyOf(sorted(FIELDS)));
      }
    }
    JsonNode path = entry.path("path");
    if (!path.isTextual()) {
      throw problem(index, entry, "needs a \"path\" string, such as \"/api/v2/analysis/licenses\"");
    }
    checkPath(index, entry, path.asText());
    checkMethods(index, entry, entry.path("methods"));
    if (entry.has("params")) {
      checkParams(index, entry, entry.get("params"));
    }
    if (entry.has("anonymous") && !entry.get("anonymous").isBoolean()) {
      throw problem(index, entry, "\"anonymous\" must be true or false");
    }
    if (entry.has("credential_kinds")) {
      JsonNode kinds = entry.get("credential_kinds");
      if (!kinds.isArray() || kinds.isEmpty() || !allTextual(kinds)) {
        throw problem(
            index,
            entry,
            "\"credential_kinds\" must be a non-empty list of credential kinds, such as [\"sqa\"]");
      }
    }
    return path.asText();
  }

  private static void checkPath(int index, JsonNode entry, String path) {
    if (path.length() > MAX_PATH_LENGTH || !PATH.matcher(path).matches()) {
      throw problem(
          index,
          entry,
          "has a path that is not an exact canonical path under /api/ (segments of letters,"
              + " digits, '_', '-' and '.', none empty or starting with '.', no trailing '/', no"
              + " wildcard or percent-encoding, at most "
              + MAX_PATH_LENGTH
              + " characters)");
    }
    String family = deniedFamily(path);
    if (family != null) {
      throw problem(
          index,
          entry,
          "lies in the denied endpoint family '"
              + family
              + "'; extra_endpoints cannot re-open a denied family (user directory, tokens,"
              + " permissions, system, settings, integrations, web service list, project listing,"
              + " code and findings, authentication, compute engine, plugins, quality"
              + " configuration)");
    }
  }

  private static void checkMethods(int index, JsonNode entry, JsonNode methods) {
    if (!methods.isArray() || methods.isEmpty()) {
      throw problem(index, entry, "needs \"methods\", a non-empty list such as [\"GET\"]");
    }
    for (JsonNode method : methods) {
      if (!method.isTextual() || !METHODS.contains(method.asText())) {
        throw problem(
            index,
            entry,
            "has the method " + method + "; extra endpoints take only \"GET\" and \"POST\"");
      }
    }
  }

  private static void checkParams(int index, JsonNode entry, JsonNode params) {
    if (!params.isObject()) {
      throw problem(
          index,
          entry,
          "\"params\" must be an object of parameter names to kinds, such as"
              + " {\"projectKey\": \"project\"}");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> param = it.next();
      String name = param.getKey();
      if (name.length() > MAX_PARAMETER_NAME_LENGTH || !PARAMETER_NAME.matcher(name).matches()) {
        throw problem(
            index,
            entry,
            "has the parameter name '"
                + name
                + "'; a name starts with a letter and has letters, digits, '_', '-' and '.'");
      }
      JsonNode kind = param.getValue();
      if (!kind.isTextual() || !PARAMETER_KINDS.contains(kind.asText())) {
        throw problem(
            index,
            entry,
            "gives parameter '"
                + name
                + "' the kind "
                + kind
                + "; known kinds: "
                + List.copyOf(sorted(PARAMETER_KINDS)));
      }
    }
  }

  /**
   * The denied family a path lies in, or {@code null}: its family segment in any case, with '-' for
   * '_' or the reverse and without a '.suffix', under /api/ or /api/v2/.
   */
  static String deniedFamily(String path) {
    String[] segments = path.toLowerCase(Locale.ROOT).split("/", -1);
    if (segments.length > 2 && DENIED_FAMILIES.contains(familyName(segments[2]))) {
      return segments[2];
    }
    if (segments.length > 3
        && familyName(segments[2]).equals("v2")
        && DENIED_FAMILIES.contains(familyName(segments[3]))) {
      return segments[3];
    }
    return null;
  }

  static String familyName(String segment) {
    int dot = segment.indexOf('.');
    return (dot < 0 ? segment : segment.substring(0, dot))
        .toLowerCase(Locale.ROOT)
        .replace('-', '_');
  }

  private static boolean allTextual(JsonNode array) {
    for (JsonNode element : array) {
      if (!element.isTextual()) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> sorted(Set<String> values) {
    return new java.util.TreeSet<>(values);
  }

  private static PolicyLoadException problem(int index, JsonNode entry, String what) {
    JsonNode path = entry.path("path");
    String name =
        "extra_endpoints["
            + index
            + "]"
            + (path.isTextual() ? " (path '" + printable(path.asText()) + "')" : "");
    return new PolicyLoadException(
        "Policy configuration key '" + KEY + "': entry " + name + " " + what + ".");
  }

  /** The path for a message, without control characters that could forge log lines. */
  private static String printable(String path) {
    String shown =
        path.length() > MAX_PATH_LENGTH ? path.substring(0, MAX_PATH_LENGTH) + "..." : path;
    return shown.replaceAll("[\\p{Cntrl}]", "?");
  }
}
