package dev.portcullis.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.PolicyEngine;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The default SonarQube policy ({@code policies/src/main/rego/portcullis/sonarqube/*.rego}) written
 * by hand in Java: the floor that the wasm engine is measured against.
 *
 * <p>It follows the Rego rule by rule, with the same configuration fallbacks, but checks the
 * denials in the order of their catalog priority and stops at the first that fires, which gives the
 * same decision because no two denials of equal priority can fire together (the priority-80 family
 * reasons need an unlisted path, {@code branch_analysis_disabled} a listed one). {@code
 * JavaRulesAgreeWithWasmProperties} holds it to the compiled policy. Project-key patterns support
 * the glob wildcards {@code *} and {@code ?} only; other glob syntax is refused at construction
 * rather than matched differently.
 *
 * <p>Thread-safe: immutable after construction.
 */
public final class JavaSonarQubeRules implements PolicyEngine {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final List<String> DEFAULT_SIDE_DOOR_HEADERS =
      List.of(
          "x-sonar-passcode",
          "cookie",
          "x-forwarded-login",
          "x-forwarded-name",
          "x-forwarded-email",
          "x-forwarded-groups",
          "x-hub-signature",
          "x-hub-signature-256");

  private static final Map<String, Endpoint> ENDPOINTS = endpoints();
  private static final Map<String, String> API_FAMILIES = apiFamilies();
  private static final Map<String, String> API_V2_FAMILIES =
      Map.of(
          "users-management", "user_directory",
          "authorizations", "permission_management",
          "dop-translation", "integration_settings",
          "system", "system_administration");
  private static final Map<String, Decision> DENIALS = denialCatalog();
  private static final Set<String> METHOD_OVERRIDE_HEADERS =
      Set.of("x-http-method-override", "x-http-method", "x-method-override");
  private static final Set<String> FORM_MEDIA_TYPES =
      Set.of("multipart/form-data", "application/x-www-form-urlencoded");
  private static final java.util.regex.Pattern ENGINE_JAR =
      java.util.regex.Pattern.compile(
          "sonar-scanner-engine-(shaded-[0-9]+(\\.[0-9]+){1,4}-all|[a-z]{3,16}-[0-9]+(\\.[0-9]+){1,4})\\.jar");

  /** parameters.rego's formats, by parameter name (each name has one kind in the policy). */
  private static final Map<String, ParameterFormat> PARAMETER_FORMATS = parameterFormats();

  private static final Decision ALLOW_SCANNER =
      Decision.allow(List.of("scanner_endpoint"), "Allowed.");
  private static final Decision ALLOW_ANONYMOUS =
      Decision.allow(List.of("anonymous_bootstrap"), "Allowed.");

  private final boolean strictMode;
  private final boolean acceptUnverifiedCredentials;
  private final Set<String> allowedCredentialKinds;
  private final List<Cidr> allowedClientCidrs;
  private final boolean anyClient;
  private final List<String> allowedProjectKeys;
  private final boolean anyProject;
  private final double maxReportBytes;
  private final boolean rejectUnknownQueryParameters;
  private final boolean allowBranchAnalysis;
  private final Set<String> staticAnalyzerPlugins;
  private final Set<String> sideDoorHeaders;

  /** "" or "/a[/b...]"; null when undefined (a non-string value), which puts every path outside. */
  private final String contextPath;

  /** The rules with the shipped default configuration. */
  public JavaSonarQubeRules() {
    this(SonarQubePolicy.defaultData());
  }

  /**
   * The rules with the configuration at {@code data.portcullis.sonarqube.config} of a data
   * document.
   *
   * @throws IllegalArgumentException when the document is not JSON or uses glob syntax this floor
   *     does not implement
   */
  public JavaSonarQubeRules(String dataJson) {
    JsonNode data;
    try {
      data = JSON.readTree(dataJson);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the data document is not valid JSON", e);
    }
    JsonNode config = data.path("portcullis").path("sonarqube").path("config");
    if (!config.isObject()) {
      config = JSON.createObjectNode();
    }
    JsonNode strict = config.get("strict_mode");
    // strict_mode is on unless exactly false; a missing key reads as false.
    strictMode = strict != null && !(strict.isBoolean() && !strict.booleanValue());
    acceptUnverifiedCredentials = isTrue(config.get("accept_unverified_credentials"));
    allowedCredentialKinds =
        strings(config.get("allowed_credential_kinds"), List.of("sqp", "sqa", "squ"));
    JsonNode cidrs = config.get("allowed_client_cidrs");
    anyClient = cidrs == null || (cidrs.isArray() && cidrs.isEmpty());
    allowedClientCidrs = new ArrayList<>();
    if (cidrs != null && cidrs.isArray()) {
      for (JsonNode cidr : cidrs) {
        Cidr parsed = cidr.isTextual() ? Cidr.parse(cidr.textValue()) : null;
        if (parsed != null) {
          allowedClientCidrs.add(parsed);
        }
      }
    }
    JsonNode projects = config.get("allowed_project_keys");
    anyProject = projects == null || (projects.isArray() && projects.isEmpty());
    allowedProjectKeys = new ArrayList<>();
    if (projects != null && projects.isArray()) {
      for (JsonNode pattern : projects) {
        if (pattern.isTextual()) {
          allowedProjectKeys.add(checkGlob(pattern.textValue()));
        }
      }
    }
    JsonNode max = config.get("max_report_bytes");
    maxReportBytes = max == null ? 1073741824 : max.isNumber() ? max.doubleValue() : 0;
    JsonNode reject = config.get("reject_unknown_query_parameters");
    rejectUnknownQueryParameters =
        reject == null || !(reject.isBoolean() && !reject.booleanValue());
    JsonNode branches = config.get("allow_branch_analysis");
    allowBranchAnalysis = branches == null || isTrue(branches);
    staticAnalyzerPlugins =
        strings(
            config.get("static_analyzer_plugins"),
            List.of("csharp", "vbnet", "securitycsharpfrontend", "securityvbnetfrontend"));
    JsonNode sideDoors = config.get("side_door_headers");
    Set<String> headers = new HashSet<>();
    if (sideDoors != null && sideDoors.isArray()) {
      for (JsonNode header : sideDoors) {
        if (header.isTextual()) {
          headers.add(header.textValue().toLowerCase(Locale.ROOT));
        }
      }
    } else {
      headers.addAll(DEFAULT_SIDE_DOOR_HEADERS);
    }
    sideDoorHeaders = Set.copyOf(headers);
    JsonNode context = config.get("context_path");
    if (context == null) {
      contextPath = "";
    } else if (!context.isTextual()) {
      contextPath = null;
    } else {
      String trimmed = trimSlashes(context.textValue());
      contextPath = trimmed.isEmpty() ? "" : "/" + trimmed;
    }
  }

  @Override
  public Decision evaluate(PolicyInput input) {
    PolicyInput.Request request = input.request();
    PolicyInput.CredentialSummary credential = input.credential();
    List<String> headerNames = request.headerNames();
    boolean credentialPresent = credential.present() || headerNames.contains("authorization");

    // 10: client address.
    if (!clientAllowed(input.client().ip())) {
      return DENIALS.get("client_ip_not_allowed");
    }
    // 20: side-door headers.
    for (int i = 0; i < headerNames.size(); i++) {
      if (sideDoorHeaders.contains(headerNames.get(i))
          || METHOD_OVERRIDE_HEADERS.contains(headerNames.get(i))) {
        return DENIALS.get("side_door_header");
      }
    }
    // 30: context path.
    String relPath = relativePath(request.path());
    if (relPath == null) {
      return DENIALS.get("outside_context_path");
    }
    // 40, 41: a presented credential must be good.
    if (credentialPresent) {
      if (credential.validity() == CredentialValidity.INVALID) {
        return DENIALS.get("credential_invalid");
      }
      if (credential.validity() == CredentialValidity.UNKNOWN && !acceptUnverifiedCredentials) {
        return DENIALS.get("credential_unverified");
      }
    }
    String[] segments = split(relPath);
    boolean staticResourceAllowed = staticResourceAllowed(segments);
    String route = route(relPath, segments, staticResourceAllowed);
    Map<String, List<String>> query = request.query();
    // 50, 51: path-level refusals for every caller.
    if ("/batch/file".equals(route) && !batchFileNameAllowed(query)) {
      return DENIALS.get("batch_file_not_allowed");
    }
    if (segments.length > 1 && segments[1].equals("static") && !staticResourceAllowed) {
      return DENIALS.get("static_resource_not_allowed");
    }
    Endpoint endpoint = route == null ? null : ENDPOINTS.get(route);
    // 60: everything but the anonymous bootstrap needs a credential.
    if (!credentialPresent && !(!strictMode && endpoint != null && endpoint.anonymous)) {
      return DENIALS.get("credential_missing");
    }
    // 70: credential kind.
    if (credentialPresent && !allowedCredentialKinds.contains(credential.kind().wireName())) {
      return DENIALS.get("credential_kind_not_allowed");
    }
    // 80: endpoint allow-list (an unlisted path and branch analysis cannot fire together).
    if (endpoint == null) {
      return DENIALS.get(unlistedPathReason(segments));
    }
    if (endpoint.branchAnalysis && !allowBranchAnalysis) {
      return DENIALS.get("branch_analysis_disabled");
    }
    // 90: method.
    if (!endpoint.method.equals(request.method())) {
      return DENIALS.get("method_not_allowed");
    }
    // 95: a body only where the endpoint takes one (report uploads, as multipart), no form type
    // elsewhere.
    PolicyInput.Body body = request.body();
    boolean takesMultipart = "/api/ce/submit".equals(route);
    boolean declaredType = takesMultipart && "multipart/form-data".equals(body.mediaType());
    if ((body.present() || FORM_MEDIA_TYPES.contains(body.mediaType())) && !declaredType) {
      return DENIALS.get("body_not_allowed");
    }
    // 100, 101, 102: query parameters, each check over all parameters before the next.
    if (rejectUnknownQueryParameters) {
      for (String name : query.keySet()) {
        if (!endpoint.params.containsKey(name)) {
          return DENIALS.get("query_parameter_not_allowed");
        }
      }
    }
    boolean projectNotAllowed = false;
    for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
      if (!"project".equals(endpoint.params.get(parameter.getKey()))) {
        continue;
      }
      if (parameter.getValue().size() > 1) {
        return DENIALS.get("duplicate_project_parameter");
      }
      if (!projectNotAllowed) {
        for (String key : parameter.getValue()) {
          if (!projectKeyAllowed(key)
              && !dotnetAuthenticationProbe(route, parameter.getKey(), key)) {
            projectNotAllowed = true;
          }
        }
      }
    }
    for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
      if (!endpoint.params.containsKey(parameter.getKey())) {
        continue; // only the endpoint's own parameters have a format
      }
      ParameterFormat format = PARAMETER_FORMATS.get(parameter.getKey());
      for (String value : parameter.getValue()) {
        if (format == null || !format.matches(value)) {
          return DENIALS.get("parameter_value_invalid");
        }
      }
    }
    if (takesMultipart && !query.containsKey("projectKey")) {
      return DENIALS.get("project_parameter_not_in_query");
    }
    if (projectNotAllowed) {
      return DENIALS.get("project_not_allowed");
    }
    // 110: declared report size.
    if ("/api/ce/submit".equals(route)
        && request.contentLength() != PolicyInput.NO_CONTENT_LENGTH
        && request.contentLength() > maxReportBytes) {
      return DENIALS.get("report_too_large");
    }
    Decision allow = credentialPresent ? ALLOW_SCANNER : ALLOW_ANONYMOUS;
    // The report upload's body may carry the report file part only (body_parts).
    return takesMultipart
        ? allow.withMaxBodyBytes(reportLimit()).withBodyParts(Set.of("report"))
        : allow;
  }

  /** max_report_bytes as the allow's body limit: whole bytes, 0 when negative. */
  private long reportLimit() {
    return maxReportBytes < 0 ? 0 : (long) Math.floor(maxReportBytes);
  }

  /**
   * A value format: an anchored pattern and a length limit counted in code points, like count() in
   * Rego.
   */
  private record ParameterFormat(java.util.regex.Pattern pattern, int max) {
    boolean matches(String value) {
      return value.codePointCount(0, value.length()) <= max && pattern.matcher(value).matches();
    }
  }

  private static Map<String, ParameterFormat> parameterFormats() {
    ParameterFormat project = format("[A-Za-z0-9_.:/-]+", 400);
    ParameterFormat branch = format("[^\\x00-\\x1f\\x7f]+", 255);
    ParameterFormat id = format("[A-Za-z0-9_-]+", 64);
    ParameterFormat number = format("[0-9]+", 9);
    ParameterFormat bool = format("true|false|yes|no", 5);
    ParameterFormat keys = format("[A-Za-z0-9_.:,-]*", 1000);
    ParameterFormat platform = format("[A-Za-z0-9_.-]+", 32);
    Map<String, ParameterFormat> f = new HashMap<>();
    for (String name : List.of("projectKey", "component", "project", "key")) {
      f.put(name, project);
    }
    f.put("branch", branch);
    f.put("pullRequest", branch);
    f.put("id", id);
    f.put("analysisId", id);
    f.put("plugin", format("[A-Za-z0-9]+", 64));
    f.put("ps", number);
    f.put("p", number);
    f.put("defaults", bool);
    f.put("activation", bool);
    for (String name :
        List.of(
            "acceptCompressions",
            "organization",
            "f",
            "qprofile",
            "metricKeys",
            "additionalFields")) {
      f.put(name, keys);
    }
    f.put("os", platform);
    f.put("arch", platform);
    f.put("projectName", format("[^\\x00-\\x1f\\x7f]*", 500));
    f.put("characteristic", format("[A-Za-z]+=[^\\x00-\\x1f\\x7f]*", 300));
    f.put("name", format("[^\\x00-\\x1f\\x7f/\\\\]+", 255));
    return Map.copyOf(f);
  }

  private static ParameterFormat format(String regex, int max) {
    return new ParameterFormat(java.util.regex.Pattern.compile(regex), max);
  }

  @Override
  public String describe() {
    return "java-floor policy=sonarqube";
  }

  private boolean clientAllowed(String ip) {
    if (anyClient) {
      return true;
    }
    byte[] address = Cidr.literal(ip);
    if (address == null) {
      return false;
    }
    for (Cidr cidr : allowedClientCidrs) {
      if (cidr.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** {@code rel_path}: null when the path lies outside the context path. */
  private String relativePath(String path) {
    if (contextPath == null) {
      return null;
    }
    if (contextPath.isEmpty()) {
      return path;
    }
    if (path.startsWith(contextPath + "/")) {
      return path.substring(contextPath.length());
    }
    return path.equals(contextPath) ? "/" : null;
  }

  /** Rego's {@code split(s, "/")}: keeps empty leading and trailing parts. */
  private static String[] split(String path) {
    return path.split("/", -1);
  }

  private String route(String relPath, String[] segments, boolean staticResourceAllowed) {
    if (ENDPOINTS.containsKey(relPath)) {
      return relPath;
    }
    if (opaqueIdUnder(relPath, segments, "/api/v2/analysis/jres/", 6)) {
      return "/api/v2/analysis/jres/{id}";
    }
    if (opaqueIdUnder(relPath, segments, "/api/v2/sca/clis/", 6)) {
      return "/api/v2/sca/clis/{id}";
    }
    return staticResourceAllowed ? "/static/{plugin}/{file}" : null;
  }

  private static boolean opaqueIdUnder(String relPath, String[] segments, String prefix, int n) {
    return relPath.startsWith(prefix) && segments.length == n && !segments[n - 1].isEmpty();
  }

  private boolean staticResourceAllowed(String[] segments) {
    return segments.length == 4
        && segments[1].equals("static")
        && staticAnalyzerPlugins.contains(segments[2])
        && segments[3].endsWith(".zip")
        && !segments[3].equals(".zip");
  }

  /** request.rego's engine jar names of every server generation. */
  private static boolean batchFileNameAllowed(Map<String, List<String>> query) {
    List<String> names = query.get("name");
    return names != null && names.size() == 1 && ENGINE_JAR.matcher(names.get(0)).matches();
  }

  private static String unlistedPathReason(String[] segments) {
    String first = segments.length > 1 ? segments[1] : null;
    String second = segments.length > 2 ? segments[2] : null;
    if ("api".equals(first) && second != null && API_FAMILIES.containsKey(second)) {
      return API_FAMILIES.get(second);
    }
    if ("api".equals(first)
        && "v2".equals(second)
        && segments.length > 3
        && API_V2_FAMILIES.containsKey(segments[3])) {
      return API_V2_FAMILIES.get(segments[3]);
    }
    if ("api".equals(first) || "batch".equals(first)) {
      return "endpoint_not_allowed";
    }
    return "web_ui_not_allowed";
  }

  private boolean projectKeyAllowed(String key) {
    if (anyProject) {
      return true;
    }
    for (String pattern : allowedProjectKeys) {
      if (globMatches(pattern, 0, key, 0)) {
        return true;
      }
    }
    return false;
  }

  private static boolean dotnetAuthenticationProbe(String route, String name, String key) {
    return name.equals("component")
        && key.equals("unknown")
        && "/api/settings/values".equals(route);
  }

  /** A glob without delimiters: {@code *} matches any run of characters, {@code ?} any one. */
  private static boolean globMatches(String pattern, int p, String text, int t) {
    while (p < pattern.length()) {
      char c = pattern.charAt(p);
      if (c == '*') {
        for (int i = t; i <= text.length(); i++) {
          if (globMatches(pattern, p + 1, text, i)) {
            return true;
          }
        }
        return false;
      }
      if (t >= text.length() || (c != '?' && c != text.charAt(t))) {
        return false;
      }
      p++;
      t++;
    }
    return t == text.length();
  }

  private static String checkGlob(String pattern) {
    for (char c : new char[] {'[', ']', '{', '}', '\\', '!'}) {
      if (pattern.indexOf(c) >= 0) {
        throw new IllegalArgumentException(
            "project key pattern '"
                + pattern
                + "' uses glob syntax the Java floor does not implement (only * and ?)");
      }
    }
    return pattern;
  }

  private static String trimSlashes(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && value.charAt(start) == '/') {
      start++;
    }
    while (end > start && value.charAt(end - 1) == '/') {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isTrue(JsonNode node) {
    return node != null && node.isBoolean() && node.booleanValue();
  }

  private static Set<String> strings(JsonNode node, List<String> fallback) {
    if (node == null) {
      return Set.copyOf(fallback);
    }
    Set<String> values = new HashSet<>();
    for (JsonNode value : node) {
      if (value.isTextual()) {
        values.add(value.textValue());
      }
    }
    return Set.copyOf(values);
  }

  /** An endpoint of the allow-list (endpoints.rego). */
  private static final class Endpoint {
    final String method;
    final Map<String, String> params;
    final boolean anonymous;
    final boolean branchAnalysis;

    Endpoint(String method, Map<String, String> params, boolean anonymous, boolean branchAnalysis) {
      this.method = method;
      this.params = params;
      this.anonymous = anonymous;
      this.branchAnalysis = branchAnalysis;
    }

    static Endpoint get(Map<String, String> params) {
      return new Endpoint("GET", params, false, false);
    }

    static Endpoint anonymousGet(Map<String, String> params) {
      return new Endpoint("GET", params, true, false);
    }

    static Endpoint branchGet(Map<String, String> params) {
      return new Endpoint("GET", params, false, true);
    }
  }

  private static Map<String, Endpoint> endpoints() {
    Map<String, Endpoint> e = new HashMap<>();
    e.put("/api/v2/analysis/version", Endpoint.get(Map.of()));
    e.put("/api/v2/analysis/jres", Endpoint.get(Map.of("os", "other", "arch", "other")));
    e.put("/api/v2/analysis/jres/{id}", Endpoint.get(Map.of()));
    e.put("/api/v2/analysis/engine", Endpoint.get(Map.of()));
    e.put("/api/v2/analysis/active_rules", Endpoint.get(Map.of("projectKey", "project")));
    e.put("/api/v2/sca/clis", Endpoint.get(Map.of("os", "other", "arch", "other")));
    e.put("/api/v2/sca/clis/{id}", Endpoint.get(Map.of()));
    e.put("/api/server/version", Endpoint.anonymousGet(Map.of()));
    e.put("/batch/index", Endpoint.anonymousGet(Map.of()));
    e.put("/batch/file", Endpoint.anonymousGet(Map.of("name", "other")));
    e.put("/static/{plugin}/{file}", Endpoint.anonymousGet(Map.of()));
    e.put("/api/settings/values", Endpoint.get(Map.of("component", "project")));
    e.put("/api/settings/values.protobuf", Endpoint.get(Map.of("component", "project")));
    e.put("/api/plugins/installed", Endpoint.get(Map.of()));
    e.put(
        "/api/plugins/download",
        Endpoint.get(Map.of("plugin", "other", "acceptCompressions", "other")));
    Endpoint qualityProfiles =
        Endpoint.get(
            Map.of(
                "project",
                "project",
                "projectKey",
                "project",
                "defaults",
                "other",
                "organization",
                "other"));
    e.put("/api/qualityprofiles/search", qualityProfiles);
    e.put("/api/qualityprofiles/search.protobuf", qualityProfiles);
    Endpoint rulesSearch =
        Endpoint.get(
            Map.of(
                "f",
                "other",
                "activation",
                "other",
                "qprofile",
                "other",
                "ps",
                "other",
                "p",
                "other"));
    e.put("/api/rules/search", rulesSearch);
    e.put("/api/rules/search.protobuf", rulesSearch);
    e.put(
        "/api/rules/list.protobuf",
        Endpoint.get(Map.of("qprofile", "other", "ps", "other", "p", "other")));
    e.put("/api/languages/list", Endpoint.get(Map.of()));
    e.put("/api/features/list", Endpoint.get(Map.of()));
    e.put("/api/metrics/search", Endpoint.get(Map.of("ps", "other", "p", "other", "f", "other")));
    e.put(
        "/api/new_code_periods/show.protobuf",
        Endpoint.get(Map.of("project", "project", "branch", "other")));
    e.put(
        "/batch/project.protobuf",
        Endpoint.get(Map.of("key", "project", "branch", "other", "pullRequest", "other")));
    e.put("/api/project_branches/list", Endpoint.branchGet(Map.of("project", "project")));
    e.put("/api/project_pull_requests/list", Endpoint.branchGet(Map.of("project", "project")));
    e.put("/api/analysis_cache/get", Endpoint.get(Map.of("project", "project", "branch", "other")));
    e.put("/api/editions/is_valid_license", Endpoint.get(Map.of()));
    e.put(
        "/api/ce/submit",
        new Endpoint(
            "POST",
            Map.of(
                "projectKey",
                "project",
                "projectName",
                "other",
                "characteristic",
                "other",
                "organization",
                "other"),
            false,
            false));
    e.put("/api/ce/task", Endpoint.get(Map.of("id", "other", "additionalFields", "other")));
    e.put(
        "/api/qualitygates/project_status",
        Endpoint.get(
            Map.of(
                "analysisId",
                "other",
                "projectKey",
                "project",
                "branch",
                "other",
                "pullRequest",
                "other")));
    e.put(
        "/api/measures/component",
        Endpoint.get(
            Map.of(
                "component",
                "project",
                "metricKeys",
                "other",
                "branch",
                "other",
                "pullRequest",
                "other",
                "additionalFields",
                "other")));
    return Map.copyOf(e);
  }

  /** The allow-listed paths, for generators. */
  static Set<String> endpointPaths() {
    return ENDPOINTS.keySet();
  }

  /** The query parameters of an allow-listed path, name to "project" or "other", for generators. */
  static Map<String, String> endpointParams(String path) {
    return ENDPOINTS.get(path).params;
  }

  /** The method of an allow-listed path, for generators. */
  static String endpointMethod(String path) {
    return ENDPOINTS.get(path).method;
  }

  /** The denied families under /api/, for generators. */
  static Set<String> apiFamilyNames() {
    return API_FAMILIES.keySet();
  }

  /** The denied families under /api/v2/, for generators. */
  static Set<String> apiV2FamilyNames() {
    return API_V2_FAMILIES.keySet();
  }

  private static Map<String, String> apiFamilies() {
    Map<String, String> f = new HashMap<>();
    f.put("users", "user_directory");
    f.put("users_management", "user_directory");
    f.put("user_tokens", "token_management");
    f.put("permissions", "permission_management");
    f.put("user_groups", "permission_management");
    f.put("system", "system_administration");
    f.put("monitoring", "system_administration");
    f.put("settings", "settings_administration");
    f.put("webhooks", "integration_settings");
    f.put("alm_settings", "integration_settings");
    f.put("alm_integrations", "integration_settings");
    f.put("webservices", "api_enumeration");
    f.put("projects", "project_listing");
    f.put("components", "project_listing");
    f.put("project_analyses", "project_listing");
    f.put("project_branches", "project_listing");
    f.put("project_pull_requests", "project_listing");
    f.put("issues", "code_and_findings");
    f.put("hotspots", "code_and_findings");
    f.put("sources", "code_and_findings");
    f.put("duplications", "code_and_findings");
    f.put("navigation", "code_and_findings");
    f.put("measures", "code_and_findings");
    f.put("authentication", "authentication_endpoints");
    f.put("ce", "compute_engine_administration");
    f.put("plugins", "plugin_administration");
    f.put("qualityprofiles", "quality_configuration");
    f.put("qualitygates", "quality_configuration");
    f.put("rules", "quality_configuration");
    return Map.copyOf(f);
  }

  private static Map<String, Decision> denialCatalog() {
    Map<String, Decision> d = new HashMap<>();
    deny(d, "client_ip_not_allowed", 403, "Requests from this client address are not allowed.");
    deny(
        d,
        "side_door_header",
        403,
        "The request carries a header that could bypass token authentication or override the method.");
    deny(d, "outside_context_path", 403, "The path is outside the SonarQube context path.");
    deny(d, "credential_invalid", 401, "The credential was rejected.");
    deny(d, "credential_unverified", 401, "The credential could not be verified.");
    deny(
        d,
        "batch_file_not_allowed",
        403,
        "Only the scanner engine jar can be downloaded from /batch/file.");
    deny(
        d,
        "static_resource_not_allowed",
        403,
        "Only analyzer archives of allowed plugins can be downloaded from /static.");
    deny(d, "credential_missing", 401, "A SonarQube token is required.");
    deny(
        d,
        "credential_kind_not_allowed",
        403,
        "This kind of credential is not allowed through the gateway.");
    deny(
        d,
        "branch_analysis_disabled",
        403,
        "Branch and pull request analysis is disabled at the gateway.");
    deny(d, "endpoint_not_allowed", 403, "This endpoint is not needed by scanners.");
    deny(
        d,
        "web_ui_not_allowed",
        403,
        "The web interface is not available through the scanner gateway.");
    deny(d, "user_directory", 403, "User directory endpoints are not available to scanners.");
    deny(d, "token_management", 403, "Token management is not available to scanners.");
    deny(d, "permission_management", 403, "Permission management is not available to scanners.");
    deny(d, "system_administration", 403, "System administration is not available to scanners.");
    deny(
        d, "settings_administration", 403, "Only reading setting values is available to scanners.");
    deny(
        d,
        "integration_settings",
        403,
        "Webhooks and DevOps integrations are not available to scanners.");
    deny(d, "api_enumeration", 403, "The web service catalogue is not available to scanners.");
    deny(
        d,
        "project_listing",
        403,
        "Project administration and listing are not available to scanners.");
    deny(d, "code_and_findings", 403, "Source code and findings are not available to scanners.");
    deny(
        d,
        "authentication_endpoints",
        403,
        "Authentication endpoints are not available to scanners.");
    deny(
        d,
        "compute_engine_administration",
        403,
        "Only submitting reports and reading their tasks is available to scanners.");
    deny(
        d,
        "plugin_administration",
        403,
        "Only listing and downloading plugins is available to scanners.");
    deny(
        d,
        "quality_configuration",
        403,
        "Only the quality profile, rule and gate reads that scanners need are available.");
    deny(d, "method_not_allowed", 403, "This method is not allowed on this endpoint.");
    deny(
        d,
        "query_parameter_not_allowed",
        403,
        "A query parameter is not allowed on this endpoint.");
    deny(d, "duplicate_project_parameter", 403, "A project parameter is given more than once.");
    deny(
        d,
        "body_not_allowed",
        403,
        "This endpoint takes no request body, or not of this content type.");
    deny(d, "parameter_value_invalid", 400, "A parameter value does not have the expected format.");
    deny(
        d,
        "project_parameter_not_in_query",
        403,
        "The project key must be given in the query string.");
    deny(d, "project_not_allowed", 403, "This project is not allowed through the gateway.");
    deny(d, "report_too_large", 413, "The analysis report is larger than the gateway allows.");
    return Map.copyOf(d);
  }

  private static void deny(
      Map<String, Decision> catalog, String reason, int status, String message) {
    catalog.put(reason, Decision.deny(status, reason, message));
  }

  /** An IPv4 or IPv6 network, for {@code net.cidr_contains}. */
  private static final class Cidr {
    private final BigInteger network;
    private final int length;
    private final int bits;

    private Cidr(byte[] address, int length) {
      this.bits = address.length * 8;
      this.length = length;
      this.network = mask(new BigInteger(1, address));
    }

    /** The network, or null when the text is not a CIDR (which then matches no client). */
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      byte[] address = literal(slash < 0 ? text : text.substring(0, slash));
      if (address == null) {
        return null;
      }
      int length = address.length * 8;
      if (slash >= 0) {
        try {
          length = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return length < 0 || length > address.length * 8 ? null : new Cidr(address, length);
    }

    /** The bytes of an IP literal, never resolving a name; null when it is not one. */
    static byte[] literal(String text) {
      if (text.isEmpty()
          || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
        return null;
      }
      try {
        return InetAddress.getByName(text).getAddress();
      } catch (UnknownHostException e) {
        return null;
      }
    }

    boolean contains(byte[] address) {
      return address.length * 8 == bits && mask(new BigInteger(1, address)).equals(network);
    }

    private BigInteger mask(BigInteger value) {
      return value.shiftRight(bits - length);
    }
  }
}
