package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.testkit.OpaEvalDifferential;
import dev.portcullis.testkit.PolicyHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The shipped policy decides as the policy did before its tables and configuration-derived values
 * moved into data (issue 14), whatever the configuration: the Rego before that change is kept in
 * {@code src/test/resources/reference-policy} and judges the same generated requests under the same
 * generated {@code portcullis.sonarqube.config}. Compared: allow, status, reasons, message and the
 * body limit of an allow.
 *
 * <p>Three policies decide each request: the shipped engine, with the data {@link
 * SonarQubePolicy#data} writes (the normalized configuration included); the shipped Rego with the
 * configuration merged as is, without the normalized document, so with the Rego computing those
 * values itself (as under {@code opa eval} or a remote OPA); and the reference. The first property
 * runs all three compiled to wasm, for many configurations; the second compares the shipped engine
 * with {@code opa eval} of the reference, for fewer.
 */
class ReferencePolicyProperties {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REFERENCE = Path.of("src/test/resources/reference-policy");

  private static final List<String> PREFIXES =
      List.of("", "", "", "/sonarqube", "/sonar/qube", "/SonarQube", "/sq");
  private static final List<String> TARGETS = new ArrayList<>(WasmAgreesWithOpaEvalTest.TARGETS);

  static {
    TARGETS.addAll(
        List.of(
            "/api/v2/analysis/extra?branch=main",
            "/api/v2/analysis/extra?branch=caf%C3%A9",
            "/api/plugins/download?plugin=java%2F..",
            "/api/plugins/download?plugin=",
            "/api/metrics/search?ps=1234567890",
            "/api/qualityprofiles/search?defaults=yes&project=demo",
            "/api/qualityprofiles/search?defaults=TRUE",
            "/api/v2/analysis/jres?os=linux&arch=x86%2064",
            "/api/ce/task?id=",
            "/api/measures/component?component=other&metricKeys=a,b:c",
            "/api/v2/sca/clis/abc",
            "/static/custom/x.zip",
            "/static/vbnet/.zip",
            "/batch/file?name=sonar-scanner-engine-community-13.7.0.4455.jar",
            "/sonarqube",
            "/sonarqube/",
            "/sq/api/server/version"));
  }

  private static final List<List<String>> HEADER_NAMES =
      List.of(
          List.of("host"),
          List.of("accept", "host", "user-agent"),
          List.of("cookie", "host"),
          List.of("host", "x-sonar-passcode"),
          List.of("host", "x-custom-login"),
          List.of("host", "x-http-method-override"),
          List.of("host", "x-key"),
          List.of("host", "transfer-encoding"));

  private static final List<String> SIDE_DOOR_HEADERS =
      List.of(
          "cookie",
          "Cookie",
          "X-Sonar-Passcode",
          "x-custom-login",
          "X-CUSTOM-LOGIN",
          "user-agent",
          "X-\u212aey",
          "x-hub-signature");

  private static final List<String> EXTRA_ENDPOINTS =
      List.of(
          "{\"path\":\"/api/v2/analysis/licenses\",\"methods\":[\"GET\"],"
              + "\"params\":{\"projectKey\":\"project\",\"ps\":\"number\"}}",
          "{\"path\":\"/api/v2/analysis/usage\",\"methods\":[\"GET\",\"POST\"],\"anonymous\":true}",
          "{\"path\":\"/api/telemetry/send\",\"methods\":[\"GET\"],\"credential_kinds\":[\"sqa\"],"
              + "\"params\":{\"x\":\"number\"}}",
          "{\"path\":\"/api/v2/analysis/extra\",\"methods\":[\"POST\",\"GET\"],"
              + "\"params\":{\"branch\":\"branch\"},\"anonymous\":false}");

  @Property(tries = 80)
  void theShippedPolicyDecidesAsTheReference(
      @ForAll("configurations") String userData, @ForAll long seed) {
    List<PolicyInput> inputs = inputs(new Random(seed), 60);
    try (OpaWasmPolicyEngine shipped = shipped(userData);
        PolicyHarness computing = harness(userData, null);
        PolicyHarness reference = harness(userData, REFERENCE)) {
      for (PolicyInput input : inputs) {
        String expected = describe(reference.evaluate(input));
        assertThat(describe(shipped.evaluate(input)))
            .as("shipped engine, config %s, input %s", userData, input.toJson())
            .isEqualTo(expected);
        assertThat(describe(computing.evaluate(input)))
            .as(
                "shipped Rego without normalized data, config %s, input %s",
                userData, input.toJson())
            .isEqualTo(expected);
      }
    }
  }

  @Property(tries = 12)
  void theShippedEngineDecidesAsOpaEvalOfTheReference(
      @ForAll("configurations") String userData, @ForAll long seed) {
    try (OpaWasmPolicyEngine shipped = shipped(userData);
        PolicyHarness reference = harness(userData, REFERENCE)) {
      OpaEvalDifferential.of(shipped, reference).assertAgreement(inputs(new Random(seed), 150));
    }
  }

  @Provide
  Arbitrary<String> configurations() {
    Arbitrary<ObjectNode> first =
        Combinators.combine(
                optional(Arbitraries.of(true, false)),
                optional(Arbitraries.of(true, false)),
                optional(subset("sqp", "sqa", "squ", "sqb")),
                // SonarQubePolicy refuses what the policy could not use (a bare address, a
                // non-positive or fractional size) before it reaches the Rego
                optional(
                    subset(
                        "203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32", "127.0.0.1/32", "::/0")),
                optional(subset("de*", "demo", "other*", "*")),
                optional(Arbitraries.of(1, 500, 1000, 1073741824)),
                optional(Arbitraries.of(true, false)),
                optional(Arbitraries.of(true, false)))
            .as(
                (strict, unverified, kinds, cidrs, keys, maxBytes, rejectUnknown, branches) -> {
                  ObjectNode config = JSON.createObjectNode();
                  put(config, "strict_mode", strict);
                  put(config, "accept_unverified_credentials", unverified);
                  put(config, "allowed_credential_kinds", kinds);
                  put(config, "allowed_client_cidrs", cidrs);
                  put(config, "allowed_project_keys", keys);
                  put(config, "max_report_bytes", maxBytes);
                  put(config, "reject_unknown_query_parameters", rejectUnknown);
                  put(config, "allow_branch_analysis", branches);
                  return config;
                });
    return Combinators.combine(
            first,
            optional(subset("csharp", "vbnet", "custom")),
            optional(subset(SIDE_DOOR_HEADERS.toArray(String[]::new))),
            optional(Arbitraries.of("", "/", "/sonarqube", "sonarqube/", "/sonar/qube", "//sq//")),
            optional(subset(EXTRA_ENDPOINTS.toArray(String[]::new))))
        .as(
            (config, plugins, sideDoors, contextPath, extras) -> {
              put(config, "static_analyzer_plugins", plugins);
              put(config, "side_door_headers", sideDoors);
              put(config, "context_path", contextPath);
              if (extras != null) {
                ArrayNode entries = config.putArray("extra_endpoints");
                for (Object entry : (List<?>) extras) {
                  entries.add(read((String) entry));
                }
              }
              ObjectNode document = JSON.createObjectNode();
              document.putObject("portcullis").putObject("sonarqube").set("config", config);
              return document.toString();
            });
  }

  private static Arbitrary<Object> optional(Arbitrary<?> values) {
    return Arbitraries.oneOf(Arbitraries.just(null), values.map(Object.class::cast));
  }

  private static Arbitrary<List<String>> subset(String... values) {
    return Arbitraries.of(values).list().uniqueElements().ofMaxSize(values.length);
  }

  private static void put(ObjectNode config, String key, Object value) {
    if (value != null) {
      config.set(key, JSON.valueToTree(value));
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static OpaWasmPolicyEngine shipped(String userData) {
    return SonarQubePolicy.engine(userData).instances(1).warmUp(0).build();
  }

  /**
   * The Rego under {@code rego} (the shipped sources when {@code null}) with its own data files and
   * {@code userData} merged over them, without {@link SonarQubePolicy#data}: no normalized
   * document.
   */
  private static PolicyHarness harness(String userData, Path rego) {
    PolicyHarness.Builder builder =
        PolicyHarness.builder().entrypoint(SonarQubePolicy.ENTRYPOINT).data(userData).instances(1);
    builder =
        rego == null
            ? builder.regoFromClasspath(SonarQubePolicy.REGO_RESOURCES)
            : builder.rego(rego);
    return builder.build();
  }

  private static String describe(Decision decision) {
    return decision.allow()
        + " "
        + decision.status()
        + " "
        + decision.reasons()
        + " "
        + decision.message()
        + " max_body_bytes="
        + decision.maxBodyBytes();
  }

  private static List<PolicyInput> inputs(Random random, int count) {
    List<PolicyInput> inputs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String method = pick(random, WasmAgreesWithOpaEvalTest.METHODS);
      CanonicalTarget target =
          CanonicalTarget.parse(pick(random, PREFIXES) + pick(random, TARGETS));
      List<String> headerNames = new ArrayList<>(pick(random, HEADER_NAMES));
      boolean present = random.nextInt(4) > 0;
      if (present) {
        headerNames.add("authorization");
      }
      headerNames.sort(null);
      CredentialKind kind =
          present ? pick(random, SonarQubeCredentialClassifier.KINDS) : CredentialKind.NONE;
      PolicyInput.CredentialSummary credential =
          present
              ? new PolicyInput.CredentialSummary(
                  true,
                  random.nextBoolean() ? CredentialScheme.BASIC : CredentialScheme.BEARER,
                  kind.equals(CredentialKind.NONE)
                      ? SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN
                      : kind,
                  pick(random, List.of(CredentialValidity.values())),
                  "asserted")
              : PolicyInput.CredentialSummary.NONE;
      long contentLength =
          method.equals("POST") ? random.nextInt(3) * 700L : PolicyInput.NO_CONTENT_LENGTH;
      Map<String, String> headers = new TreeMap<>();
      if (random.nextBoolean()) {
        headers.put("accept", "application/x-protobuf");
      }
      if (method.equals("POST") && random.nextBoolean()) {
        headers.put(
            "content-type",
            pick(
                random,
                List.of(
                    "multipart/form-data; boundary=x",
                    "application/x-www-form-urlencoded",
                    "text/plain")));
      }
      inputs.add(
          new PolicyInput(
              PolicyInput.Request.of(method, target, headers, headerNames, contentLength),
              new PolicyInput.Client(pick(random, WasmAgreesWithOpaEvalTest.IPS)),
              credential));
    }
    return inputs;
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
