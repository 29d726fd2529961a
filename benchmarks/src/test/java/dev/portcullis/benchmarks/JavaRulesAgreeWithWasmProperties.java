package dev.portcullis.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.policies.SonarQubeCredentialClassifier;
import dev.portcullis.policies.SonarQubePolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The hand-written Java floor and the compiled default policy give the same decision: if they did
 * not, the floor would not be measuring the same work.
 */
class JavaRulesAgreeWithWasmProperties {

  private static OpaWasmPolicyEngine wasm;
  private static final JavaSonarQubeRules JAVA = new JavaSonarQubeRules();

  /** Reasons the generators must reach, so that agreement is not just agreement on a few denies. */
  private static final List<String> REACHED_REASONS =
      List.of(
          "scanner_endpoint",
          "anonymous_bootstrap",
          "side_door_header",
          "credential_invalid",
          "credential_unverified",
          "batch_file_not_allowed",
          "static_resource_not_allowed",
          "credential_missing",
          "credential_kind_not_allowed",
          "endpoint_not_allowed",
          "web_ui_not_allowed",
          "user_directory",
          "permission_management",
          "method_not_allowed",
          "query_parameter_not_allowed",
          "duplicate_project_parameter",
          "report_too_large");

  @BeforeContainer
  static void loadPolicy() {
    wasm = SonarQubePolicy.engine(null).instances(1).warmUp(20).build();
  }

  @AfterContainer
  static void closePolicy() {
    wasm.close();
  }

  @Property(tries = 5000)
  void javaFloorAgreesWithCompiledPolicy(@ForAll("inputs") PolicyInput input) {
    Decision expected = wasm.evaluate(input);
    Decision actual = JAVA.evaluate(input);

    assertThat(actual).as("input %s", input.toJson()).isEqualTo(expected);
    Statistics.label("reason").collect(expected.primaryReason());
    Statistics.label("reason")
        .coverage(
            coverage -> {
              for (String reason : REACHED_REASONS) {
                coverage.check(reason).count(count -> count > 0);
              }
            });
  }

  @Example
  void benchmarkRequestsDecideAsIntended() {
    for (ScannerRequests request : ScannerRequests.values()) {
      PolicyInput input = request.input();
      assertThat(JAVA.evaluate(input)).isEqualTo(wasm.evaluate(input));
    }
    PolicyEnforcer enforcer = ScannerRequests.enforcer(wasm);
    Decision allowed = enforcer.decide(ScannerRequests.ALLOWED.raw(), RawRequest.ACCESSOR);
    Decision denied = enforcer.decide(ScannerRequests.DENIED.raw(), RawRequest.ACCESSOR);

    assertThat(allowed.allow()).isTrue();
    assertThat(allowed.reasons()).containsExactly("scanner_endpoint");
    assertThat(allowed.forwardTarget()).isEqualTo("/api/settings/values.protobuf?component=demo");
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.reasons()).containsExactly("user_directory");
  }

  @Provide
  Arbitrary<PolicyInput> inputs() {
    return Arbitraries.oneOf(anyInputs(), scannerLikeInputs());
  }

  /**
   * Mostly well-formed scanner calls, so that the later checks (method, query, size) are reached
   * too.
   */
  private static Arbitrary<PolicyInput> scannerLikeInputs() {
    Arbitrary<String> listed =
        Arbitraries.of(new ArrayList<>(new TreeSet<>(JavaSonarQubeRules.endpointPaths())));
    Arbitrary<String> scannerPaths =
        Arbitraries.frequencyOf(
            Tuple.of(3, listed),
            Tuple.of(
                2,
                Arbitraries.of(
                    "/api/ce/submit", "/api/server/version", "/batch/index", "/batch/file")),
            Tuple.of(2, paths()));
    Arbitrary<PolicyInput.Request> requests =
        scannerPaths.flatMap(
            path -> {
              boolean isListed = JavaSonarQubeRules.endpointPaths().contains(path);
              List<String> params =
                  isListed
                      ? new ArrayList<>(
                          new TreeSet<>(JavaSonarQubeRules.endpointParams(path).keySet()))
                      : new ArrayList<>(List.of("component", "name"));
              params.add("q");
              Arbitrary<Map<String, List<String>>> query =
                  Arbitraries.frequencyOf(
                      Tuple.of(1, Arbitraries.just(Map.<String, List<String>>of())),
                      Tuple.of(
                          3,
                          Arbitraries.maps(
                                  Arbitraries.of(params),
                                  Arbitraries.of(
                                          "demo",
                                          "unknown",
                                          "sonar-scanner-engine-shaded-10.1-all.jar")
                                      .list()
                                      .ofMinSize(1)
                                      .ofMaxSize(2))
                              .ofMaxSize(2)
                              .map(LinkedHashMap::new)));
              Arbitrary<String> method =
                  Arbitraries.frequencyOf(
                      Tuple.of(
                          9,
                          Arbitraries.just(
                              isListed ? JavaSonarQubeRules.endpointMethod(path) : "GET")),
                      Tuple.of(1, Arbitraries.of("GET", "POST", "HEAD")));
              Arbitrary<List<String>> headers =
                  Arbitraries.of(
                      List.of("accept", "authorization", "host"), List.of("accept", "host"));
              return Combinators.combine(method, query, headers, contentLengths())
                  .as(
                      (m, q, h, length) ->
                          new PolicyInput.Request(
                              m,
                              path,
                              segments(path),
                              q,
                              // a scanner's POST is a report upload, a multipart body
                              m.equals("POST")
                                  ? Map.of("content-type", "multipart/form-data; boundary=x")
                                  : Map.of(),
                              h,
                              length));
            });
    // Well-formed report uploads (project key in the query, a multipart body), so the size check is
    // reached.
    Arbitrary<PolicyInput.Request> uploads =
        contentLengths()
            .map(
                length ->
                    new PolicyInput.Request(
                        "POST",
                        "/api/ce/submit",
                        segments("/api/ce/submit"),
                        Map.of("projectKey", List.of("demo")),
                        Map.of("content-type", "multipart/form-data; boundary=x"),
                        List.of("authorization", "content-type", "host"),
                        length));
    Arbitrary<PolicyInput.Request> scannerRequests =
        Arbitraries.frequencyOf(Tuple.of(9, requests), Tuple.of(1, uploads));
    Arbitrary<PolicyInput.CredentialSummary> tokens =
        Combinators.combine(
                Arbitraries.of(CredentialScheme.BASIC, CredentialScheme.BEARER),
                Arbitraries.of(
                    SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN,
                    SonarQubeCredentialClassifier.GLOBAL_ANALYSIS_TOKEN,
                    SonarQubeCredentialClassifier.USER_TOKEN,
                    SonarQubeCredentialClassifier.BADGE_TOKEN))
            .as(
                (scheme, kind) ->
                    new PolicyInput.CredentialSummary(
                        true, scheme, kind, CredentialValidity.VALID, "asserted"));
    Arbitrary<PolicyInput.CredentialSummary> credentials =
        Arbitraries.frequencyOf(
            Tuple.of(3, tokens), Tuple.of(1, Arbitraries.just(PolicyInput.CredentialSummary.NONE)));
    return Combinators.combine(
            scannerRequests, Arbitraries.just(new PolicyInput.Client("203.0.113.7")), credentials)
        .as(PolicyInput::new);
  }

  private static Arbitrary<PolicyInput> anyInputs() {
    Arbitrary<PolicyInput.Request> requests =
        Combinators.combine(methods(), paths(), queries(), headerNames(), contentLengths())
            .as(
                (method, path, query, headerNames, contentLength) ->
                    new PolicyInput.Request(
                        method, path, segments(path), query, Map.of(), headerNames, contentLength));
    Arbitrary<PolicyInput.Client> clients =
        Arbitraries.of("203.0.113.7", "2001:db8::7", "127.0.0.1", "10.1.2.3")
            .map(PolicyInput.Client::new);
    Arbitrary<PolicyInput.CredentialSummary> credentials =
        Arbitraries.oneOf(
            Arbitraries.just(PolicyInput.CredentialSummary.NONE),
            Combinators.combine(
                    Arbitraries.of(true, true, false),
                    Arbitraries.of(CredentialScheme.class),
                    Arbitraries.of(SonarQubeCredentialClassifier.KINDS),
                    Arbitraries.of(
                        CredentialValidity.VALID,
                        CredentialValidity.VALID,
                        CredentialValidity.INVALID,
                        CredentialValidity.UNKNOWN))
                .as(
                    (present, scheme, kind, validity) ->
                        new PolicyInput.CredentialSummary(
                            present, scheme, kind, validity, "asserted")));
    return Combinators.combine(requests, clients, credentials).as(PolicyInput::new);
  }

  private static Arbitrary<String> methods() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.just("GET")),
        Tuple.of(2, Arbitraries.just("POST")),
        Tuple.of(1, Arbitraries.of("HEAD", "PUT", "DELETE", "get", "PATCH")));
  }

  private static Arbitrary<String> paths() {
    Arbitrary<String> allowList =
        Arbitraries.of(new ArrayList<>(new TreeSet<>(JavaSonarQubeRules.endpointPaths())));
    Arbitrary<String> opaque =
        Arbitraries.of(
            "/api/v2/analysis/jres/0123-abc",
            "/api/v2/sca/clis/linux-x64",
            "/api/v2/analysis/jres/",
            "/api/v2/analysis/jres/a/b",
            "/api/v2/sca/clis/",
            "/static/csharp/SonarAnalyzer-CSharp.zip",
            "/static/vbnet/x.zip",
            "/static/securitycsharpfrontend/a.zip",
            "/static/csharp/.zip",
            "/static/csharp/x.jar",
            "/static/java/x.zip",
            "/static/csharp/x.zip/",
            "/static/csharp",
            "/static");
    Arbitrary<String> families =
        Combinators.combine(
                Arbitraries.of(new ArrayList<>(new TreeSet<>(JavaSonarQubeRules.apiFamilyNames()))),
                Arbitraries.of("search", "list", "", "create", "values"))
            .as((family, action) -> "/api/" + family + (action.isEmpty() ? "" : "/" + action));
    Arbitrary<String> v2Families =
        Combinators.combine(
                Arbitraries.of(
                    new ArrayList<>(new TreeSet<>(JavaSonarQubeRules.apiV2FamilyNames()))),
                Arbitraries.of("users", "", "x"))
            .as((family, action) -> "/api/v2/" + family + (action.isEmpty() ? "" : "/" + action));
    Arbitrary<String> others =
        Arbitraries.of(
            "/",
            "/api",
            "/api/",
            "/api/v2",
            "/api/v2/",
            "/api/v2/analysis",
            "/batch",
            "/batch/",
            "/batch/other",
            "/sessions/new",
            "/project/overview",
            "/api/unknown/x",
            "/api/server/version/",
            "/api/ce/submit/x",
            "/api/settings/set",
            "/api/settings/values.json",
            "/batch/file/x");
    Arbitrary<String> random =
        Arbitraries.strings()
            .withChars("abv2/_.-")
            .ofMinLength(0)
            .ofMaxLength(16)
            .map(s -> "/" + s);
    return Arbitraries.frequencyOf(
        Tuple.of(6, allowList),
        Tuple.of(2, opaque),
        Tuple.of(3, families),
        Tuple.of(1, v2Families),
        Tuple.of(2, others),
        Tuple.of(1, random));
  }

  private static Arbitrary<Map<String, List<String>>> queries() {
    Arbitrary<String> names =
        Arbitraries.of(
            "component",
            "project",
            "projectKey",
            "key",
            "name",
            "q",
            "branch",
            "pullRequest",
            "os",
            "arch",
            "f",
            "ps",
            "p",
            "keys",
            "id",
            "characteristic",
            "plugin",
            "qprofile",
            "metricKeys");
    Arbitrary<String> values =
        Arbitraries.of(
            "demo",
            "unknown",
            "a",
            "my:project",
            "sonar-scanner-engine-shaded-10.1.0.1234-all.jar",
            "sonar-scanner-engine-shaded-all.jar",
            "sonar-scanner-engine-shaded-x/y-all.jar",
            "sonar-scanner-engine-shaded-x\\y-all.jar",
            "sonar-scanner-engine-shaded--all.jar",
            "");
    Arbitrary<List<String>> valueLists =
        Arbitraries.frequencyOf(
            Tuple.of(6, values.list().ofSize(1)),
            Tuple.of(1, values.list().ofMinSize(2).ofMaxSize(3)),
            Tuple.of(1, values.list().ofSize(0)));
    return Arbitraries.maps(names, valueLists).ofMaxSize(3).map(LinkedHashMap::new);
  }

  private static Arbitrary<List<String>> headerNames() {
    return Arbitraries.of(
            "accept",
            "authorization",
            "host",
            "user-agent",
            "content-type",
            "content-length",
            "cookie",
            "x-sonar-passcode",
            "x-forwarded-login",
            "x-forwarded-groups",
            "x-hub-signature-256",
            "x-custom",
            "X-Sonar-Passcode")
        .set()
        .ofMaxSize(4)
        .map(names -> new ArrayList<>(new TreeSet<>(names)));
  }

  private static Arbitrary<Long> contentLengths() {
    return Arbitraries.of(PolicyInput.NO_CONTENT_LENGTH, 0L, 32264L, 1073741824L, 1073741825L);
  }

  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>(Arrays.asList(path.split("/", -1)));
    if (!segments.isEmpty() && segments.get(0).isEmpty()) {
      segments.remove(0);
    }
    return segments;
  }
}
