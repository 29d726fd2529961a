package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.OpaServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway with {@code --engine remote=URL} in front of a fake SonarQube, asking a real {@code opa
 * run --server} with the default policy: ready once OPA has answered, allows and denies what the
 * policy says, and denies everything with 503 (and is not ready) once OPA is gone.
 */
public abstract class AbstractRemoteEngineIT {

  private static final String BASIC_GOOD =
      "Basic "
          + Base64.getEncoder()
              .encodeToString((GatewaySonarQube.GOOD_TOKEN + ":").getBytes(StandardCharsets.UTF_8));

  private FakeSonarQube sonar;
  private OpaServer opa;
  private RunningGateway gateway;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Starts the gateway under test; it is closed by the test. */
  protected abstract RunningGateway start(GatewayConfig config) throws Exception;

  @BeforeEach
  void startAll() throws Exception {
    sonar = GatewaySonarQube.start();
    opa = OpaServer.builder().policy(policyRego()).data(SonarQubePolicy.defaultData()).start();
    gateway =
        start(
            GatewayConfig.builder(sonar.baseUri())
                .remoteOpa(RemoteOpa.parse("remote=" + opa.url(), null))
                .operations(
                    OperationsConfig.NONE.withAdminListen(new InetSocketAddress("127.0.0.1", 0)))
                .build());
  }

  @AfterEach
  void stopAll() throws Exception {
    try {
      gateway.close();
    } finally {
      try {
        opa.close();
      } finally {
        sonar.close();
      }
    }
  }

  @Test
  void theRemoteOpaDecidesAndReadinessFollowsIt() throws Exception {
    assertThat(gateway.describe()).contains("opa-remote url=" + opa.url());
    awaitReady(true);
    assertThat(send(gateway.adminUri(), "/health/ready", null).body())
        .contains("\"remote_engine\":\"answering\"");

    HttpResponse<String> allowed =
        send(gateway.uri(), "/api/settings/values.protobuf?component=demo", BASIC_GOOD);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("echo GET /api/settings/values.protobuf?component=demo");

    HttpResponse<String> denied = send(gateway.uri(), "/api/users/search?q=a", BASIC_GOOD);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).contains("\"reasons\":[\"user_directory\"]");
    assertThat(sonar.received()).noneMatch(line -> line.contains("/api/users"));

    opa.stop();

    HttpResponse<String> withoutOpa = send(gateway.uri(), "/api/server/version", null);
    assertThat(withoutOpa.statusCode()).isEqualTo(503);
    assertThat(withoutOpa.body()).contains("engine_unavailable");
    awaitReady(false);
    assertThat(send(gateway.adminUri(), "/health/ready", null).body())
        .contains("\"remote_engine\":\"not_answering\"");
  }

  /** The default policy's Rego in this checkout, above the module being tested. */
  private static Path policyRego() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path rego = dir.resolve("policies/src/main/rego");
      if (Files.isDirectory(rego)) {
        return rego;
      }
    }
    throw new IllegalStateException(
        "policies/src/main/rego not found above " + Path.of("").toAbsolutePath());
  }

  private void awaitReady(boolean ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((send(gateway.adminUri(), "/health/ready", null).statusCode() == 200) != ready) {
      assertThat(System.nanoTime()).as("ready is " + ready + " in time").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private HttpResponse<String> send(URI base, String target, String authorization)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(target)).timeout(Duration.ofSeconds(30));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
