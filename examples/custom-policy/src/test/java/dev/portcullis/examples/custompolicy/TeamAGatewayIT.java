package dev.portcullis.examples.custompolicy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.FakeSonarQube;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's deploy step, run: the Jetty gateway's jar started with {@code --policy} on the
 * bundle this module builds, {@code --entrypoint team_a/sonarqube/decision} and {@code --data} the
 * team's data file, in front of a fake SonarQube. The gateway runs behind a trusted proxy
 * (loopback), so the client address the policy judges is the {@code X-Forwarded-For} a test sends.
 */
class TeamAGatewayIT {

  private static final String PROJECT_TOKEN = "sqp_1111111111111111111111111111111111111111";
  private static final String GLOBAL_TOKEN = "sqa_2222222222222222222222222222222222222222";
  private static final String AGENT = "198.51.100.20";
  private static final Pattern LISTENING = Pattern.compile("listening on (http://[^ ,]+)");

  private static FakeSonarQube sonar;
  private static Process gateway;
  private static URI uri;
  private static final StringBuilder output = new StringBuilder();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    sonar =
        FakeSonarQube.builder()
            .reply(PROJECT_TOKEN + ":", FakeSonarQube.Reply.VALID)
            .reply(GLOBAL_TOKEN + ":", FakeSonarQube.Reply.VALID)
            .otherRoutes(
                exchange -> {
                  byte[] body = "{\"from\":\"sonarqube\"}".getBytes(StandardCharsets.UTF_8);
                  exchange.sendResponseHeaders(200, body.length);
                  exchange.getResponseBody().write(body);
                  exchange.close();
                })
            .start();
    Path jar = Path.of(System.getProperty("jetty.gateway.jar"));
    Path bundle = Path.of(System.getProperty("team.bundle"));
    assertThat(jar).as("the Jetty gateway's jar (built before this module)").isRegularFile();
    assertThat(bundle).as("the bundle this module's build writes").isRegularFile();
    gateway =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--upstream",
                sonar.baseUri().toString(),
                "--listen",
                "127.0.0.1:0",
                "--policy",
                bundle.toString(),
                "--entrypoint",
                TeamAPolicy.ENTRYPOINT,
                "--data",
                TeamAPolicy.GATEWAY_DATA.toString(),
                "--trusted-proxy",
                "127.0.0.1")
            .redirectErrorStream(true)
            .start();
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    // Generous: the gateway compiles and warms up the policy on a shared, loaded machine.
    uri = CompletableFuture.supplyAsync(() -> awaitListening(lines)).get(120, TimeUnit.SECONDS);
    Thread drain =
        new Thread(
            () -> {
              try {
                for (String line; (line = lines.readLine()) != null; ) {
                  synchronized (output) {
                    output.append(line).append('\n');
                  }
                }
              } catch (IOException closed) {
                // the gateway stopped
              }
            });
    drain.setDaemon(true);
    drain.start();
  }

  private static URI awaitListening(BufferedReader lines) {
    try {
      for (String line; (line = lines.readLine()) != null; ) {
        synchronized (output) {
          output.append(line).append('\n');
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          return URI.create(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("the gateway stopped before listening:\n" + output);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (gateway != null) {
        gateway.destroy();
        if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
          gateway.destroyForcibly();
        }
      }
    } finally {
      if (sonar != null) {
        sonar.close();
      }
    }
  }

  @Test
  void aTeamScanCallIsForwarded() throws Exception {
    HttpResponse<String> response =
        get("/api/settings/values.protobuf?component=team-a-billing", PROJECT_TOKEN, AGENT);
    assertThat(response.statusCode()).as(logs()).isEqualTo(200);
    assertThat(response.body()).contains("from\":\"sonarqube");
  }

  @Test
  void publishTaskCallsNeedAProjectAnalysisToken() throws Exception {
    assertThat(get("/api/ce/task?id=AYx1", PROJECT_TOKEN, AGENT).statusCode())
        .as(logs())
        .isEqualTo(200);
    HttpResponse<String> global = get("/api/ce/task?id=AYx1", GLOBAL_TOKEN, AGENT);
    assertThat(global.statusCode()).isEqualTo(403);
    assertThat(global.body()).contains("project_analysis_token_required");
    assertThat(get("/api/qualitygates/project_status?analysisId=AYx2", GLOBAL_TOKEN, AGENT).body())
        .contains("project_analysis_token_required");
  }

  @Test
  void theExtraEndpointIsForwarded() throws Exception {
    assertThat(
            get("/api/new_code_periods/show?project=team-a-billing", GLOBAL_TOKEN, AGENT)
                .statusCode())
        .as(logs())
        .isEqualTo(200);
  }

  @Test
  void otherProjectsNetworksAndFamiliesAreRefused() throws Exception {
    assertThat(
            get("/api/settings/values.protobuf?component=team-b-billing", PROJECT_TOKEN, AGENT)
                .body())
        .contains("project_not_allowed");
    assertThat(
            get(
                    "/api/settings/values.protobuf?component=team-a-billing",
                    PROJECT_TOKEN,
                    "203.0.113.10")
                .body())
        .contains("client_ip_not_allowed");
    assertThat(get("/api/users/search?q=a", PROJECT_TOKEN, AGENT).body())
        .contains("user_directory");
    List<String> received = sonar.received();
    assertThat(received).noneMatch(line -> line.contains("team-b-billing"));
    assertThat(received).noneMatch(line -> line.contains("/api/users/search"));
  }

  private HttpResponse<String> get(String target, String token, String clientIp) throws Exception {
    String basic =
        Base64.getEncoder().encodeToString((token + ":").getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(uri.resolve(target))
            .header("Authorization", "Basic " + basic)
            .header("X-Forwarded-For", clientIp)
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String logs() {
    synchronized (output) {
      return "gateway output:\n" + output;
    }
  }
}
