package dev.portcullis.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.policies.SonarQubeCredentialClassifier;
import dev.portcullis.testkit.EndpointFamily;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.ScannerKind;
import dev.portcullis.testkit.ServerGeneration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The plan engine against the wasm engine on the bundled policy: the same {@link Decision} (allow,
 * status, reasons, message, body limit) for generated inputs under generated configurations, and
 * for generated scanner and hostile traffic through the real enforcer.
 */
class PlanAgreesWithWasmProperties {

  static final List<String> TARGETS =
      List.of(
          "/api/server/version",
          "/api/v2/analysis/version",
          "/api/v2/analysis/jres?os=linux&arch=x86_64",
          "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58",
          "/api/v2/analysis/engine",
          "/api/settings/values.protobuf?component=demo",
          "/api/settings/values?keys=sonar.core.serverBaseURL",
          "/api/plugins/installed",
          "/api/plugins/download?plugin=java",
          "/api/qualityprofiles/search.protobuf?project=demo",
          "/api/rules/search.protobuf?f=repo&activation=true&qprofile=q&ps=500&p=1",
          "/api/rules/list.protobuf?qprofile=q&ps=500&p=1",
          "/api/v2/analysis/active_rules?projectKey=demo",
          "/api/analysis_cache/get?project=demo",
          "/batch/index",
          "/batch/file?name=sonar-scanner-engine-shaded-9.9.0.65466-all.jar",
          "/batch/file?name=evil.jar",
          "/batch/project.protobuf?key=demo",
          "/api/metrics/search?ps=500&p=1",
          "/api/ce/submit?projectKey=demo&projectName=Demo",
          "/api/ce/task?id=abc",
          "/api/qualitygates/project_status?analysisId=x",
          "/static/csharp/SonarAnalyzer-csharp.zip",
          "/static/evil/x.js",
          "/api/users/search?q=a",
          "/api/user_tokens/generate?name=x",
          "/api/system/info",
          "/api/settings/set",
          "/api/webservices/list",
          "/api/issues/search",
          "/",
          "/projects",
          "/api/server/version/",
          "/api/ce/submit?projectKey=demo&projectKey=other",
          "/api/project_branches/list?project=demo",
          "/sonarqube/api/server/version",
          "/api/plugins/installed?extra=1",
          "/api/v2/analysis/licenses?projectKey=demo&ps=5",
          "/api/v2/analysis/usage",
          "/api/telemetry/send?x=1");

  /** User data documents: the configurations the engines are built with. */
  static final List<String> CONFIGS =
      List.of(
          "{}",
          "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true,\"allowed_project_keys\":[\"de*\"]}}}}",
          "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[\"203.0.113.0/24\",\"2001:db8::/32\"],"
              + "\"accept_unverified_credentials\":true,\"context_path\":\"/sonarqube\",\"max_report_bytes\":1000}}}}",
          "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"de*\"],\"extra_endpoints\":["
              + "{\"path\":\"/api/v2/analysis/licenses\",\"methods\":[\"GET\"],"
              + "\"params\":{\"projectKey\":\"project\",\"ps\":\"number\"}},"
              + "{\"path\":\"/api/v2/analysis/usage\",\"methods\":[\"GET\",\"POST\"],\"anonymous\":true},"
              + "{\"path\":\"/api/telemetry/send\",\"methods\":[\"GET\"],\"credential_kinds\":[\"sqa\"],"
              + "\"params\":{\"x\":\"number\"}}]}}}}",
          "{\"portcullis\":{\"sonarqube\":{\"config\":{\"reject_unknown_query_parameters\":false,"
              + "\"allow_branch_analysis\":false,\"allowed_credential_kinds\":[\"sqa\"],"
              + "\"static_analyzer_plugins\":[],\"side_door_headers\":[\"x-custom\"]}}}}");

  private static final Map<Integer, Engines> ENGINES = new ConcurrentHashMap<>();

  static Engines engines(int config) {
    return ENGINES.computeIfAbsent(config, i -> new Engines(CONFIGS.get(i)));
  }

  @AfterContainer
  static void close() {
    ENGINES.values().forEach(Engines::close);
    ENGINES.clear();
  }

  @Property(tries = 600)
  void sameDecisionForGeneratedInputsAndConfigurations(
      @ForAll("configs") int config, @ForAll("inputs") PolicyInput input) {
    Engines engines = engines(config);
    assertThat(engines.plan.evaluate(input))
        .as("config %s input %s", CONFIGS.get(config), input.toJson())
        .isEqualTo(engines.wasm.evaluate(input));
  }

  @Property(tries = 300)
  void sameDecisionForScannerAndHostileTraffic(
      @ForAll("configs") int config,
      @ForAll("traffic") RawRequest request,
      @ForAll CredentialValidity validity) {
    Decision[] both = engines(config).decide(request, validity);
    assertThat(both[1]).as("config %s request %s", CONFIGS.get(config), request).isEqualTo(both[0]);
  }

  @Provide
  Arbitrary<Integer> configs() {
    return Arbitraries.integers().between(0, CONFIGS.size() - 1);
  }

  @Provide
  Arbitrary<RawRequest> traffic() {
    Arbitrary<RawRequest> scanner =
        Combinators.combine(
                Arbitraries.of(ServerGeneration.values()), Arbitraries.of(ScannerKind.values()))
            .flatAs(PortcullisArbitraries::scannerTraffic);
    Arbitrary<RawRequest> sensitive =
        Arbitraries.of(EndpointFamily.values()).flatMap(PortcullisArbitraries::sensitiveEndpoints);
    Arbitrary<RawRequest> base = Arbitraries.oneOf(scanner, sensitive);
    Arbitrary<RawRequest> hostile = base.flatMap(PortcullisArbitraries::hostileVariants);
    Arbitrary<RawRequest> variants = base.flatMap(PortcullisArbitraries::pathVariants);
    Arbitrary<RawRequest> any = Arbitraries.oneOf(base, hostile, variants);
    return Combinators.combine(any, PortcullisArbitraries.credentials())
        .as(
            (request, credential) ->
                credential.present()
                    ? request.withHeader("Authorization", credential.authorization())
                    : request);
  }

  @Provide
  Arbitrary<PolicyInput> inputs() {
    return inputs(false);
  }

  /**
   * Generated inputs; with {@code mappedAddresses}, client addresses may also be IPv4-mapped IPv6
   * ({@code ::ffff:203.0.113.9}). Those are left out against the wasm engine: OPA's wasm {@code
   * net.cidr_contains} does not match them against an IPv4 CIDR while OPA itself (Go's {@code net})
   * does, and the plan engine follows OPA (checked against {@code opa eval}). The enforcer never
   * sends them: core canonicalizes a mapped address to its IPv4 form.
   */
  static Arbitrary<PolicyInput> inputs(boolean mappedAddresses) {
    Arbitrary<String> methods =
        Arbitraries.of("GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");
    Arbitrary<String> targets =
        Arbitraries.oneOf(
            Arbitraries.of(TARGETS),
            Arbitraries.of(TARGETS)
                .flatMap(
                    t ->
                        Arbitraries.strings()
                            .withChars("abcXYZ019-_.~%*/?&=,;é\u00a0")
                            .ofMaxLength(12)
                            .map(s -> t + (t.contains("?") ? "&" : "?") + "p" + s)),
            Arbitraries.strings()
                .withChars("abcdefghijklmnopqrstuvwxyz0123456789-_./")
                .ofMaxLength(30)
                .map(s -> "/" + s));
    Arbitrary<List<String>> headerNames =
        Arbitraries.of(
                "host",
                "authorization",
                "cookie",
                "x-sonar-passcode",
                "x-forwarded-login",
                "content-type",
                "accept",
                "x-custom",
                "x-hub-signature")
            .set()
            .ofMaxSize(4)
            .map(
                set -> {
                  List<String> names = new ArrayList<>(set);
                  names.add("host");
                  return names.stream().distinct().sorted().toList();
                });
    Arbitrary<Map<String, String>> headers =
        Arbitraries.maps(
                Arbitraries.of("content-type", "accept", "user-agent"),
                Arbitraries.of(
                    "application/json",
                    "multipart/form-data; boundary=x",
                    "application/x-protobuf",
                    "application/x-www-form-urlencoded",
                    "ScannerCLI/5",
                    "*/*"))
            .ofMaxSize(3)
            .map(TreeMap::new);
    Arbitrary<PolicyInput.CredentialSummary> credentials =
        Arbitraries.oneOf(
            Arbitraries.just(PolicyInput.CredentialSummary.NONE),
            Combinators.combine(
                    Arbitraries.of(CredentialScheme.BASIC, CredentialScheme.BEARER),
                    Arbitraries.oneOf(
                        Arbitraries.of(SonarQubeCredentialClassifier.KINDS),
                        Arbitraries.of(CredentialKind.OTHER_TOKEN, CredentialKind.PASSWORD)),
                    Arbitraries.of(CredentialValidity.values()))
                .as(
                    (scheme, kind, validity) ->
                        new PolicyInput.CredentialSummary(true, scheme, kind, validity, "test")));
    Arbitrary<Long> lengths =
        Arbitraries.of(PolicyInput.NO_CONTENT_LENGTH, 0L, 10L, 999L, 1000L, 1001L, 5_000_000L);
    Arbitrary<String> ips =
        Arbitraries.of(
            "203.0.113.7",
            "203.0.114.7",
            "10.1.2.3",
            "2001:db8::7",
            "2001:db9::7",
            mappedAddresses ? "::ffff:203.0.113.9" : "203.0.113.9",
            "127.0.0.1",
            "unknown");
    return Combinators.combine(methods, targets, headerNames, headers, credentials, lengths, ips)
        .as(
            (method, target, names, headerMap, credential, length, ip) -> {
              CanonicalTarget parsed;
              try {
                parsed = CanonicalTarget.parse(target);
              } catch (RuntimeException e) {
                parsed = CanonicalTarget.parse("/api/server/version");
              }
              return new PolicyInput(
                  PolicyInput.Request.of(method, parsed, headerMap, names, length),
                  new PolicyInput.Client(ip),
                  credential);
            });
  }
}
