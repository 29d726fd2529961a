package dev.portcullis.testkit;

import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls of one scan, in order (SURFACE.md §1; recorded scans in policies' {@code observed/}).
 */
record Scan(
    ServerGeneration generation,
    ScannerKind kind,
    String project,
    String token,
    String id,
    List<String> plugins) {

  private static final String ENGINE_JAR = "sonar-scanner-engine-shaded-9.9.0.65466-all.jar";
  private static final String RULE_FIELDS =
      "repo,name,severity,lang,internalKey,templateKey,params,actives,createdAt,updatedAt,deprecatedKeys";

  List<RawRequest> calls() {
    List<RawRequest> calls = new ArrayList<>();
    if (kind == ScannerKind.AZURE_DEVOPS) {
      calls.add(basic("GET /api/server/version")); // Prepare task
    }
    if (kind == ScannerKind.DOTNET) {
      dotnetBegin(calls);
    }
    bootstrap(calls);
    engine(calls);
    if (kind == ScannerKind.AZURE_DEVOPS) {
      // Publish task: polls the task as JSON, then reads the gate, the metrics and the measures.
      calls.add(basic("GET /api/ce/task?id=" + id));
      calls.add(basic("GET /api/qualitygates/project_status?analysisId=" + id));
      calls.add(basic("GET /api/metrics/search?f=name&ps=500&p=1"));
      calls.add(
          basic(
              "GET /api/measures/component?component="
                  + project
                  + "&metricKeys=bugs,vulnerabilities,code_smells"));
    }
    return List.copyOf(calls);
  }

  private void dotnetBegin(List<RawRequest> calls) {
    calls.add(basic("GET /api/settings/values?component=unknown")); // the token probe
    calls.add(anonymous("GET /api/server/version"));
    if (generation == ServerGeneration.SONARQUBE_2025) {
      calls.add(basic("GET /api/v2/analysis/version"));
    }
    calls.add(basic("GET /api/editions/is_valid_license"));
    calls.add(basic("GET /api/settings/values?component=" + project));
    calls.add(basic("GET /api/qualityprofiles/search?project=" + project));
    calls.add(
        basic(
            "GET /api/rules/search?f=repo,name,severity,lang,internalKey,templateKey,params,actives"
                + "&ps=500&qprofile="
                + id
                + "&p=1"));
    calls.add(basic("GET /api/languages/list"));
    calls.add(anonymous("GET /static/csharp/SonarAnalyzer-csharp.zip"));
  }

  private void bootstrap(List<RawRequest> calls) {
    if (generation == ServerGeneration.SONARQUBE_2025) {
      calls.add(bearer("GET /api/v2/analysis/version"));
      calls.add(bearer("GET /api/v2/analysis/jres?os=linux&arch=x86_64"));
      calls.add(
          bearer("GET /api/v2/analysis/jres/" + id)
              .withHeader("Accept", "application/octet-stream"));
      calls.add(bearer("GET /api/v2/analysis/engine"));
      calls.add(
          bearer("GET /api/v2/analysis/engine").withHeader("Accept", "application/octet-stream"));
      return;
    }
    // Against servers before 10.6, the legacy bootstrapper (CLI <= 5.0, Maven <= 4.0) sends no
    // credential; the scanner library 3.x does (SONARQUBE_10).
    boolean legacy = generation == ServerGeneration.SONARQUBE_9_9;
    if (!legacy) {
      calls.add(basic("GET /api/server/version"));
    }
    calls.add(legacy ? anonymous("GET /batch/index") : basic("GET /batch/index"));
    calls.add(
        legacy
            ? anonymous("GET /batch/file?name=" + ENGINE_JAR)
            : basic("GET /batch/file?name=" + ENGINE_JAR));
  }

  private void engine(List<RawRequest> calls) {
    calls.add(basic("GET /api/settings/values.protobuf"));
    calls.add(basic("GET /api/plugins/installed"));
    for (String plugin : plugins) {
      calls.add(basic("GET /api/plugins/download?plugin=" + plugin));
    }
    if (generation == ServerGeneration.SONARQUBE_2025) {
      calls.add(basic("GET /api/server/version"));
    }
    calls.add(basic("GET /api/settings/values.protobuf?component=" + project));
    calls.add(basic("GET /api/qualityprofiles/search.protobuf?project=" + project));
    switch (generation) {
      case SONARQUBE_9_9:
        calls.add(
            basic(
                "GET /api/rules/search.protobuf?f="
                    + RULE_FIELDS
                    + "&activation=true&qprofile="
                    + id
                    + "&ps=500&p=1"));
        break;
      case SONARQUBE_10:
        calls.add(basic("GET /api/rules/list.protobuf?qprofile=" + id + "&ps=500&p=1"));
        calls.add(basic("GET /api/languages/list"));
        break;
      default:
        calls.add(basic("GET /api/v2/analysis/active_rules?projectKey=" + project));
        calls.add(basic("GET /api/languages/list"));
        calls.add(basic("GET /api/features/list"));
        break;
    }
    calls.add(
        basic("GET /api/analysis_cache/get?project=" + project)
            .withHeader("Accept-Encoding", "gzip"));
    calls.add(basic("GET /batch/project.protobuf?key=" + project));
    calls.add(basic("GET /api/metrics/search?ps=500&p=1"));
    calls.add(
        basic("POST /api/ce/submit?projectKey=" + project + "&projectName=" + project)
            .withHeader("Accept", "application/x-protobuf")
            .withHeader("Content-Type", "multipart/form-data; boundary=" + id)
            .withHeader("Content-Length", "4096"));
    calls.add(basic("GET /api/ce/task?id=" + id).withHeader("Accept", "application/x-protobuf"));
    calls.add(basic("GET /api/qualitygates/project_status?analysisId=" + id));
  }

  private RawRequest anonymous(String methodAndTarget) {
    return PortcullisArbitraries.request(methodAndTarget);
  }

  private RawRequest basic(String methodAndTarget) {
    return TestCredential.basicToken(
            TestCredential.Kind.PROJECT_ANALYSIS_TOKEN, token, CredentialValidity.VALID)
        .applyTo(anonymous(methodAndTarget));
  }

  private RawRequest bearer(String methodAndTarget) {
    return TestCredential.bearer(
            TestCredential.Kind.PROJECT_ANALYSIS_TOKEN, token, CredentialValidity.VALID)
        .applyTo(anonymous(methodAndTarget));
  }
}
