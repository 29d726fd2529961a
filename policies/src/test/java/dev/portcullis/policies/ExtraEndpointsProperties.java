package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.Decision;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated {@code extra_endpoints} configurations, hostile ones included, given to the bundled
 * policy in the real wasm engine <em>without</em> the start check (as data that reaches the policy
 * another way would): no request to a denied family is ever allowed (and each is denied for the
 * same reason as without extra endpoints), a hostile entry fails the start check, and the policy
 * uses exactly the entries that the start check accepts.
 */
class ExtraEndpointsProperties {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The reasons of api_families and api_v2_families (endpoints.rego). */
  private static final Set<String> FAMILY_REASONS =
      Set.of(
          "user_directory",
          "token_management",
          "permission_management",
          "system_administration",
          "settings_administration",
          "integration_settings",
          "api_enumeration",
          "project_listing",
          "code_and_findings",
          "authentication_endpoints",
          "compute_engine_administration",
          "plugin_administration",
          "quality_configuration");

  /** Requests to denied families, as a client could write them. */
  private static final List<String> DENIED_TARGETS =
      List.of(
          "/api/users/search?q=a",
          "/api/users/current",
          "/api/user_tokens/generate?name=x",
          "/api/user_tokens/search",
          "/api/permissions/add_user?login=x",
          "/api/user_groups/create?name=x",
          "/api/system/info",
          "/api/monitoring/metrics",
          "/api/settings/set?key=k&value=v",
          "/api/settings/values.json?keys=sonar.secret",
          "/api/webhooks/create",
          "/api/alm_settings/list",
          "/api/webservices/list",
          "/api/projects/search",
          "/api/components/search",
          "/api/project_branches/delete?project=demo",
          "/api/issues/search",
          "/api/sources/raw?key=demo",
          "/api/measures/search_history?component=demo",
          "/api/authentication/login",
          "/api/ce/activity",
          "/api/plugins/install?key=evil",
          "/api/qualitygates/select?projectKey=demo",
          "/api/rules/create",
          "/api/v2/users-management/users",
          "/api/v2/authorizations/groups",
          "/api/v2/dop-translation/bound-projects",
          "/api/v2/system/health",
          "/api/%75sers/search",
          "/api/users/search%2ejson",
          "/api/v2/analysis/../../users/search",
          "/api/v2/analysis/%2e%2e/%2e%2e/users/search");

  private static final List<String> KINDS = List.of("sqp", "sqa", "squ", "sqb");

  private static final Map<String, Decision> BASELINE = new ConcurrentHashMap<>();
  private static ExtraEndpointsTest.Gateway baseline;

  @BeforeContainer
  static void loadBaseline() {
    baseline = new ExtraEndpointsTest.Gateway(engine(JSON.createArrayNode()));
  }

  @AfterContainer
  static void close() {
    baseline.close();
  }

  /** One generated entry, and whether its path names a denied family in some spelling. */
  record Entry(ObjectNode json, boolean hostile) {
    String path() {
      return json.path("path").isTextual() ? json.get("path").asText() : null;
    }

    @Override
    public String toString() {
      return json.toString();
    }
  }

  /**
   * Each try builds an engine (seconds on a loaded machine), so the tries are few and each
   * configuration is large: four to ten entries, hostile ones among them, sometimes a path twice.
   */
  @Property(tries = 15)
  void noConfigurationReopensADeniedFamilyAndThePolicyUsesExactlyTheAcceptedEntries(
      @ForAll("entryLists") List<Entry> entries) {
    ArrayNode list = JSON.createArrayNode();
    entries.forEach(entry -> list.add(entry.json()));
    List<String> targets = new ArrayList<>(DENIED_TARGETS);
    for (Entry entry : entries) {
      if (entry.hostile()) {
        targets.add(entry.path());
        targets.add(entry.path() + "?key=k&name=n&project=demo&login=l&value=v");
      }
    }

    Map<String, Long> listings =
        entries.stream()
            .map(Entry::path)
            .filter(Objects::nonNull)
            .collect(Collectors.groupingBy(path -> path, Collectors.counting()));

    try (ExtraEndpointsTest.Gateway gateway = new ExtraEndpointsTest.Gateway(engine(list))) {
      for (String target : targets) {
        for (String method : List.of("GET", "POST")) {
          for (String kind : new String[] {"sqa", null}) {
            Decision after = gateway.decide(method, target, kind);
            Decision before = baselineDecision(method, target, kind);
            // A hostile entry may spell a path the scanner surface already allows (GET
            // /api/qualityprofiles/search): the entry must change nothing, and never open more.
            assertThat(after.allow())
                .as(
                    "%s %s (%s) with %s -> %s, without the entries %s",
                    method, target, kind, list, after, before)
                .isEqualTo(before.allow() && !DENIED_TARGETS.contains(target));
            if (FAMILY_REASONS.containsAll(before.reasons())) {
              assertThat(after.reasons())
                  .as("%s %s (%s)", method, target, kind)
                  .isEqualTo(before.reasons());
            }
          }
        }
      }
      for (Entry entry : entries) {
        if (entry.path() == null) {
          continue;
        }
        // A path listed twice is used by neither entry (and fails the start, checked below).
        boolean accepted = accepted(entry) && listings.get(entry.path()) == 1;
        Statistics.label("entries")
            .collect(entry.hostile() ? "hostile" : accepted ? "accepted" : "malformed");
        Decision decision = gateway.decide(method(entry), entry.path(), tokenKind(entry));
        // A path the scanner surface already allows (GET /api/project_branches/list) stays allowed
        // whatever the entry says; any other path is allowed exactly when the entry is accepted.
        boolean builtIn = baselineDecision(method(entry), entry.path(), tokenKind(entry)).allow();
        assertThat(decision.allow())
            .as(
                "%s: accepted at start %s, built in %s, decision %s",
                entry, accepted, builtIn, decision)
            .isEqualTo(accepted || builtIn);
        if (accepted && !builtIn) {
          assertThat(
                  gateway
                      .decide(method(entry), entry.path() + "?unlisted=1", tokenKind(entry))
                      .reasons())
              .containsExactly("query_parameter_not_allowed");
        }
      }
    }
    if (entries.stream().anyMatch(Entry::hostile)
        || listings.values().stream().anyMatch(n -> n > 1)) {
      assertThatThrownBy(() -> SonarQubePolicy.data(ExtraEndpointsTest.config(list.toString())))
          .isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("extra_endpoints[");
    }
  }

  private static Decision baselineDecision(String method, String target, String kind) {
    return BASELINE.computeIfAbsent(
        method + " " + target + " " + kind, key -> baseline.decide(method, target, kind));
  }

  private static boolean accepted(Entry entry) {
    try {
      SonarQubePolicy.data(ExtraEndpointsTest.config("[" + entry.json() + "]"));
      return true;
    } catch (PolicyLoadException e) {
      return false;
    }
  }

  /** The entry's first method when it lists one, else GET. */
  private static String method(Entry entry) {
    JsonNode first = entry.json().path("methods").path(0);
    return first.isTextual() && !first.asText().isEmpty() ? first.asText() : "GET";
  }

  /** The entry's first credential kind when it is a token kind, else sqp. */
  private static String tokenKind(Entry entry) {
    JsonNode first = entry.json().path("credential_kinds").path(0);
    return first.isTextual() && KINDS.contains(first.asText()) ? first.asText() : "sqp";
  }

  /** The policy with the given extra_endpoints as they are, without the start check. */
  private static OpaWasmPolicyEngine engine(ArrayNode extraEndpoints) {
    ObjectNode data;
    try {
      data = (ObjectNode) JSON.readTree(SonarQubePolicy.defaultData());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    ObjectNode config = (ObjectNode) data.at("/portcullis/sonarqube/config");
    config.set("extra_endpoints", extraEndpoints);
    ArrayNode kinds = config.putArray("allowed_credential_kinds");
    KINDS.forEach(kinds::add);
    return OpaWasmPolicyEngine.builder()
        .policy(SonarQubePolicy.source())
        .entrypoint(SonarQubePolicy.ENTRYPOINT)
        .data(data.toString())
        .instances(1)
        .warmUp(0)
        .build();
  }

  @Provide
  Arbitrary<List<Entry>> entryLists() {
    return entries().list().ofMinSize(4).ofMaxSize(10);
  }

  private Arbitrary<Entry> entries() {
    // Mostly well-formed fields, so that about one entry in five is accepted.
    Arbitrary<JsonNode> methods =
        field(
            List.of("[\"GET\"]", "[\"POST\"]", "[\"GET\",\"POST\"]", "[\"POST\",\"GET\"]"),
            List.of(
                "-",
                "[]",
                "\"GET\"",
                "[\"get\"]",
                "[\"GET\",\"DELETE\"]",
                "[\"HEAD\"]",
                "[1]",
                "null"));
    Arbitrary<JsonNode> params =
        field(
            List.of(
                "-",
                "{}",
                "{\"projectKey\":\"project\"}",
                "{\"ps\":\"number\",\"f\":\"keys\",\"branch\":\"branch\"}",
                "{\"key\":\"text\",\"login\":\"text\",\"value\":\"text\"}"),
            List.of("{\"x\":\"anything\"}", "{\"a b\":\"text\"}", "{\"p\":1}", "[\"p\"]", "null"));
    Arbitrary<JsonNode> anonymous =
        field(List.of("-", "true", "false"), List.of("\"true\"", "null", "1"));
    Arbitrary<JsonNode> credentialKinds =
        field(
            List.of("-", "[\"sqp\",\"sqa\",\"squ\"]", "[\"sqa\"]", "[\"sqb\"]"),
            List.of("[]", "\"sqp\"", "[1]", "null"));
    Arbitrary<Boolean> unknownField = Arbitraries.integers().between(1, 12).map(n -> n == 1);
    return Combinators.combine(paths(), methods, params, anonymous, credentialKinds, unknownField)
        .as(
            (path, method, param, anon, kinds, unknown) -> {
              ObjectNode entry = NODES.objectNode();
              if (path.value() != null) {
                entry.set("path", path.value());
              }
              putIfPresent(entry, "methods", method);
              putIfPresent(entry, "params", param);
              putIfPresent(entry, "anonymous", anon);
              putIfPresent(entry, "credential_kinds", kinds);
              if (unknown) {
                entry.set("body", json("[\"application/json\"]"));
              }
              return new Entry(entry, path.hostile());
            });
  }

  /** A path value for an entry, and whether it names a denied family. */
  record PathChoice(JsonNode value, boolean hostile) {}

  private Arbitrary<PathChoice> paths() {
    Arbitrary<PathChoice> usable =
        Combinators.combine(
                Arbitraries.of(
                    "/api/v2/analysis/",
                    "/api/v2/sca/",
                    "/api/telemetry/",
                    "/api/l10n/",
                    "/api/x-y_z/"),
                Arbitraries.of("licenses", "usage", "send", "Index", "a.protobuf", "b-c_d", "v2"))
            .as((prefix, name) -> new PathChoice(NODES.textNode(prefix + name), false));
    Arbitrary<PathChoice> notCanonical =
        Combinators.combine(
                Arbitraries.of("/api/v2/analysis/licenses", "/api/telemetry/send"),
                Arbitraries.of(
                    "%s/",
                    "%s//x",
                    "%s/../x",
                    "%s/./x",
                    "%s/%%2e%%2e",
                    "%s;x=1",
                    "%s*",
                    "%s/*",
                    "%s x",
                    "%s\n",
                    "%s/.x",
                    "/API%s",
                    "%s?x=1",
                    "/batch%s",
                    "/sonar%s"))
            .as((path, form) -> String.format(form, path).replace("/API/api", "/API"))
            .map(path -> new PathChoice(NODES.textNode(path), false));
    Arbitrary<PathChoice> notAString =
        Arbitraries.of("7", "[\"/api/x\"]", "null", "-")
            .map(text -> new PathChoice(text.equals("-") ? null : json(text), false));
    return Arbitraries.frequencyOf(
        Tuple.of(4, usable),
        Tuple.of(5, hostilePaths()),
        Tuple.of(2, notCanonical),
        Tuple.of(1, notAString));
  }

  /** Paths in a denied family, in any spelling a configuration could use. */
  private Arbitrary<PathChoice> hostilePaths() {
    Arbitrary<String> family =
        Arbitraries.of(
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
            "users-management",
            "authorizations",
            "dop-translation");
    Arbitrary<String> spelling =
        Arbitraries.of("as is", "upper", "capital", "swap separators", "suffix");
    Arbitrary<String> prefix = Arbitraries.of("/api/", "/api/v2/", "/api/V2/", "/api/v2.json/");
    Arbitrary<String> action =
        Arbitraries.of("search", "generate", "set", "list", "info", "x.json", "");
    return Combinators.combine(prefix, family, spelling, action)
        .as((pre, name, how, act) -> pre + spell(name, how) + (act.isEmpty() ? "" : "/" + act))
        .map(path -> new PathChoice(NODES.textNode(path), true));
  }

  private static String spell(String family, String how) {
    switch (how) {
      case "upper":
        return family.toUpperCase(Locale.ROOT);
      case "capital":
        return Character.toUpperCase(family.charAt(0)) + family.substring(1);
      case "swap separators":
        return family.contains("_") ? family.replace('_', '-') : family.replace('-', '_');
      case "suffix":
        return family + ".protobuf";
      default:
        return family;
    }
  }

  /** A field's value: well-formed 9 times in 10; "-" stands for a missing field. */
  private static Arbitrary<JsonNode> field(List<String> wellFormed, List<String> malformed) {
    return Arbitraries.frequencyOf(
            Tuple.of(9, Arbitraries.of(wellFormed)), Tuple.of(1, Arbitraries.of(malformed)))
        .map(text -> text.equals("-") ? null : json(text));
  }

  private static void putIfPresent(ObjectNode entry, String field, JsonNode value) {
    if (value != null) {
      entry.set(field, value);
    }
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
