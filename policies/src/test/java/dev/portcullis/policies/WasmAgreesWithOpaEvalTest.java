package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.testkit.OpaEvalDifferential;
import dev.portcullis.testkit.PolicyHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The compiled wasm policy this jar ships and OPA's own evaluator ({@code opa eval}, the pinned
 * CLI, over the Rego sources this jar ships) give the same decision for a few hundred generated
 * inputs, so compiling to wasm changes nothing. The comparison is the testkit's {@link
 * OpaEvalDifferential}.
 */
class WasmAgreesWithOpaEvalTest {

  static final List<String> TARGETS =
      List.of(
          "/api/server/version",
          "/api/v2/analysis/version",
          "/api/v2/analysis/jres?os=linux&arch=x86_64",
          "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58",
          "/api/v2/analysis/engine",
          "/api/settings/values.protobuf?component=demo",
          "/api/settings/values?component=unknown",
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
          "/api/measures/component?component=demo&metricKeys=bugs",
          "/static/csharp/SonarAnalyzer-csharp.zip",
          "/static/evil/x.js",
          "/api/users/search?q=a",
          "/api/user_tokens/generate?name=x",
          "/api/permissions/add_user",
          "/api/system/info",
          "/api/settings/set",
          "/api/webservices/list",
          "/api/components/search?qualifiers=TRK",
          "/api/issues/search",
          "/api/authentication/validate",
          "/",
          "/projects",
          "/api/server/version/",
          "/api/ce/submit?projectKey=demo&projectKey=other",
          "/api/project_branches/list?project=demo",
          "/api/new_code_periods/show.protobuf?project=demo&branch=main",
          "/sonarqube/api/server/version",
          "/api/plugins/installed?extra=1",
          "/api/v2/analysis/licenses?projectKey=demo&ps=5",
          "/api/v2/analysis/licenses?login=x",
          "/api/v2/analysis/usage",
          "/api/telemetry/send?x=1");
  static final List<String> METHODS = List.of("GET", "GET", "GET", "POST", "HEAD", "PUT", "DELETE");
  static final List<String> IPS = List.of("203.0.113.7", "10.1.2.3", "2001:db8::7", "127.0.0.1");
  static final List<List<String>> HEADER_NAMES =
      List.of(
          List.of("host"),
          List.of("authorization", "host"),
          List.of("cookie", "host"),
          List.of("host", "x-sonar-passcode"));
  static final List<String> DATA =
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
              + "\"params\":{\"x\":\"number\"}}]}}}}");

  @Test
  void wasmAndOpaEvalAgree() {
    for (String userData : DATA) {
      List<PolicyInput> inputs = generate(new Random(7 + userData.length()), 150);
      // The reference: the Rego sources this jar ships, evaluated by opa eval with the same data.
      try (OpaWasmPolicyEngine shipped =
              SonarQubePolicy.engine(userData).instances(1).warmUp(0).build();
          PolicyHarness sources =
              PolicyHarness.builder()
                  .regoFromClasspath(SonarQubePolicy.REGO_RESOURCES)
                  .entrypoint(SonarQubePolicy.ENTRYPOINT)
                  .data(SonarQubePolicy.data(userData))
                  .instances(1)
                  .build()) {
        assertThat(sources.data()).as("the harness's data").contains("allowed_credential_kinds");
        OpaEvalDifferential.of(shipped, sources).assertAgreement(inputs);
      }
    }
  }

  private static List<PolicyInput> generate(Random random, int count) {
    List<PolicyInput> inputs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String method = pick(random, METHODS);
      CanonicalTarget target = CanonicalTarget.parse(pick(random, TARGETS));
      List<String> headerNames = new ArrayList<>(pick(random, HEADER_NAMES));
      boolean present = random.nextInt(4) > 0;
      if (present && !headerNames.contains("authorization")) {
        headerNames.add("authorization");
        headerNames.sort(null);
      }
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
      inputs.add(
          new PolicyInput(
              PolicyInput.Request.of(method, target, headers, headerNames, contentLength),
              new PolicyInput.Client(pick(random, IPS)),
              credential));
    }
    return inputs;
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
