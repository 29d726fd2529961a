package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.FakeSonarQube;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener's probes as the gateway starts, without a gateway around them. */
class GatewayOperationsTest {

  private final HttpClient client = HttpClient.newHttpClient();

  private static GatewayConfig config(CredentialCheck check, boolean reportOnly) {
    return GatewayConfig.builder(URI.create("http://127.0.0.1:9"))
        .credentialCheck(check)
        .operations(
            OperationsConfig.NONE
                .withAdminListen(new InetSocketAddress("127.0.0.1", 0))
                .withReportOnly(reportOnly))
        .build();
  }

  @Test
  void theGatewayIdNamesTheMachineEvenWithoutHostnameInTheEnvironment(@TempDir Path dir)
      throws Exception {
    Path kernel = Files.writeString(dir.resolve("hostname"), "build-agent-7\n");

    assertThat(GatewayOperations.hostName("from-env", kernel)).isEqualTo("from-env");
    assertThat(GatewayOperations.hostName(null, kernel)).isEqualTo("build-agent-7");
    assertThat(GatewayOperations.hostName(" ", kernel)).isEqualTo("build-agent-7");
    assertThat(GatewayOperations.hostName(null, dir.resolve("absent"))).isEqualTo("localhost");
  }

  @Test
  void liveAtOnceReadyOnlyOnceThePolicyIsLoadedAndTheProxyServes() throws Exception {
    try (GatewayOperations operations =
        GatewayOperations.start(config(CredentialCheck.NONE, false), "test-gateway")) {
      URI admin = operations.adminUri();

      assertThat(get(admin, "/health/live").statusCode()).isEqualTo(200);
      HttpResponse<String> loading = get(admin, "/health/ready");
      assertThat(loading.statusCode()).isEqualTo(503);
      assertThat(loading.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(loading.body())
          .contains("\"status\":\"not_ready\"")
          .contains("\"reason\":\"the policy is still loading and warming up\"")
          .contains("\"report_only\":false");

      operations.policyLoaded();
      assertThat(get(admin, "/health/ready").statusCode()).isEqualTo(503);
      operations.serving(null);
      HttpResponse<String> ready = get(admin, "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body())
          .contains("\"status\":\"ready\"")
          .contains("\"sonarqube\":\"not_required\"");
    }
  }

  @Test
  void withSonarQubeVerificationReadinessWaitsForSonarQube() throws Exception {
    try (FakeSonarQube sonar = GatewaySonarQube.start();
        GatewayOperations operations =
            GatewayOperations.start(config(CredentialCheck.SONARQUBE, false), "test-gateway")) {
      URI admin = operations.adminUri();
      operations.policyLoaded();

      assertThat(get(admin, "/health/ready").body()).contains("\"sonarqube\":\"waiting\"");
      operations.serving(sonar.baseUri());

      long deadline = System.nanoTime() + 10_000_000_000L;
      while (get(admin, "/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(get(admin, "/health/ready").body()).contains("\"sonarqube\":\"answered\"");
      assertThat(sonar.received()).contains("GET /api/server/version");
    }
  }

  @Test
  void reportOnlyIsAnnouncedByReadinessAndOnlyGetAndHeadOfKnownPathsAreServed() throws Exception {
    try (GatewayOperations operations =
        GatewayOperations.start(config(CredentialCheck.NONE, true), "test-gateway")) {
      URI admin = operations.adminUri();
      operations.policyLoaded();
      operations.serving(null);

      assertThat(get(admin, "/health/ready").body())
          .contains("\"report_only\":true")
          .contains("REPORT-ONLY");
      assertThat(get(admin, "/metrics").body()).contains("# HELP");
      assertThat(get(admin, "/health/readyz").statusCode()).isEqualTo(404);
      assertThat(get(admin, "/api/server/version").statusCode()).isEqualTo(404);
      HttpResponse<String> post =
          client.send(
              HttpRequest.newBuilder(admin.resolve("/health/live"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  private HttpResponse<String> get(URI admin, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(admin.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
