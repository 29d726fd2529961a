package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations side of every example gateway: the admin listener's probes and metrics, the
 * decision log and report-only mode, with the real gateway in front of a {@link FakeSonarQube}.
 * Each gateway's test extends it and says how to start that gateway.
 */
public abstract class AbstractOperationsIT {

  private static final String PASSWORD = "correct-horse-battery-staple";
  private static final String BASIC_GOOD =
      "Basic "
          + Base64.getEncoder()
              .encodeToString((GatewaySonarQube.GOOD_TOKEN + ":").getBytes(StandardCharsets.UTF_8));
  private static final String BASIC_PASSWORD =
      "Basic "
          + Base64.getEncoder()
              .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir protected Path dir;
  protected FakeSonarQube sonar;
  private final List<RunningGateway> started = new ArrayList<>();
  protected final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Starts the gateway under test. */
  protected abstract RunningGateway start(GatewayConfig config) throws Exception;

  @BeforeEach
  void startSonarQube() throws Exception {
    sonar = GatewaySonarQube.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    try {
      for (RunningGateway gateway : started) {
        gateway.close();
      }
    } finally {
      sonar.close();
    }
  }

  private RunningGateway gateway(OperationsConfig operations) throws Exception {
    return timedStart(
        GatewayConfig.builder(sonar.baseUri())
            .operations(operations.withAdminListen(new InetSocketAddress("127.0.0.1", 0)))
            .build());
  }

  /** How long the last gateway took to start: mostly loading and warming up its policy. */
  private Duration lastStart = Duration.ZERO;

  private RunningGateway timedStart(GatewayConfig config) throws Exception {
    long begun = System.nanoTime();
    RunningGateway gateway = start(config);
    lastStart = Duration.ofNanos(System.nanoTime() - begun);
    started.add(gateway);
    return gateway;
  }

  @Test
  void probesAndMetricsAreServedOnTheAdminListenerOnly() throws Exception {
    RunningGateway gateway = gateway(OperationsConfig.NONE);
    URI admin = gateway.adminUri();
    assertThat(admin).isNotNull();
    assertThat(admin.getPort()).isNotEqualTo(gateway.uri().getPort());

    assertThat(send(admin, "/health/live", null).statusCode()).isEqualTo(200);
    awaitReady(admin);
    assertThat(send(admin, "/health/ready", null).body())
        .contains("\"policy\":\"loaded\"")
        .contains("\"sonarqube\":\"answered\"");

    assertThat(
            send(gateway.uri(), "/api/settings/values.protobuf?component=demo", BASIC_GOOD)
                .statusCode())
        .isEqualTo(200);
    assertThat(send(gateway.uri(), "/api/users/search?q=a", BASIC_GOOD).statusCode())
        .isEqualTo(403);

    // The proxied port knows nothing of the admin paths: the policy judges them like any request.
    for (String path : List.of("/health/live", "/health/ready", "/metrics")) {
      HttpResponse<String> proxied = send(gateway.uri(), path, null);
      assertThat(proxied.statusCode()).as(path).isBetween(400, 499);
      assertThat(proxied.body())
          .as(path)
          .doesNotContain("\"status\":\"live\"")
          .doesNotContain("# HELP");
    }

    String metrics = send(admin, "/metrics", null).body();
    assertThat(metrics)
        .contains(
            "portcullis_decisions_total{enforced=\"true\",reason=\"scanner_endpoint\",result=\"allow\"} 1.0")
        .contains(
            "portcullis_decisions_total{enforced=\"true\",reason=\"user_directory\",result=\"deny\"}")
        .contains("portcullis_decision_duration_seconds_bucket{result=\"allow\"")
        .contains(
            "portcullis_credential_verifications_total{cached=\"false\",outcome=\"valid\"} 1.0")
        .contains("portcullis_credential_verifications_total{cached=\"true\",outcome=\"valid\"}")
        .contains("portcullis_throttle_refusals_total 0.0")
        .contains("portcullis_engine_pool_timeouts_total{kind=\"borrow\"} 0.0")
        .contains("portcullis_upstream_responses_total{status_class=\"2xx\"} 1.0")
        .contains("portcullis_upstream_duration_seconds_count{status_class=\"2xx\"} 1")
        .doesNotContain("/api/")
        .doesNotContain(GatewaySonarQube.GOOD_TOKEN);
  }

  @Test
  void notReadyWhileSonarQubeDoesNotAnswer() throws Exception {
    sonar.close();
    RunningGateway gateway = gateway(OperationsConfig.NONE);

    assertThat(send(gateway.adminUri(), "/health/live", null).statusCode()).isEqualTo(200);
    HttpResponse<String> ready = send(gateway.adminUri(), "/health/ready", null);
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(ready.body()).path("reason").asText())
        .isEqualTo("SonarQube has not answered yet");
  }

  @Test
  void everyDecisionIsLoggedWithoutASecret() throws Exception {
    Path log = dir.resolve("decisions.jsonl");
    RunningGateway gateway =
        gateway(OperationsConfig.NONE.withDecisionLog(log.toString(), 1).withGatewayId("gw-test"));

    send(gateway.uri(), "/api/settings/values.protobuf?component=demo", BASIC_GOOD);
    send(gateway.uri(), "/api/users/search?q=a", BASIC_GOOD);
    send(gateway.uri(), "/api/plugins/installed", BASIC_PASSWORD);
    gateway.close();
    started.remove(gateway);

    String text = Files.readString(log);
    List<JsonNode> lines = lines(text);
    assertThat(lines).hasSize(3);
    assertThat(lines)
        .allSatisfy(
            line -> {
              assertThat(line.path("decision_id").asText()).isNotEmpty();
              assertThat(line.path("path").asText()).isEqualTo("portcullis/sonarqube/decision");
              assertThat(line.path("labels").path("id").asText()).isEqualTo("gw-test");
              assertThat(line.path("labels").path("version").asText()).isNotEmpty();
              assertThat(line.path("revision").asText()).matches("[0-9a-f]{64}\\+[0-9a-f]{16}");
            });
    assertThat(lines)
        .anySatisfy(
            line -> {
              assertThat(line.path("input").path("request").path("path").asText())
                  .isEqualTo("/api/users/search");
              assertThat(line.path("result").path("reasons").get(0).asText())
                  .isEqualTo("user_directory");
              assertThat(line.path("enforced").asBoolean()).isTrue();
            });
    assertThat(lines)
        .anySatisfy(
            line -> {
              assertThat(line.path("input").path("credential").path("kind").asText())
                  .isEqualTo("password");
              assertThat(line.path("result").path("allow").asBoolean()).isFalse();
            });
    assertThat(text)
        .doesNotContain(GatewaySonarQube.GOOD_TOKEN)
        .doesNotContain(PASSWORD)
        .doesNotContain(BASIC_GOOD.substring(6))
        .doesNotContain(BASIC_PASSWORD.substring(6));
  }

  @Test
  void reportOnlyForwardsPolicyDeniesLogsThemAsNotEnforcedAndStillRefusesBadFraming()
      throws Exception {
    Path log = dir.resolve("decisions.jsonl");
    RunningGateway gateway =
        gateway(OperationsConfig.NONE.withDecisionLog(log.toString(), 0).withReportOnly(true));

    HttpResponse<String> denied = send(gateway.uri(), "/api/users/search?q=a", BASIC_GOOD);
    assertThat(denied.statusCode()).isEqualTo(200);
    assertThat(sonar.received()).contains("GET /api/users/search?q=a");
    // Refused by the server's parser or by the enforcer, depending on the gateway: either way, 400.
    HttpResponse<String> ambiguous = send(gateway.uri(), "/api/..%2Fusers/search", BASIC_GOOD);
    assertThat(ambiguous.statusCode()).isEqualTo(400);
    assertThat(sonar.received()).noneMatch(line -> line.contains("%2F"));
    awaitReady(gateway.adminUri());
    assertThat(send(gateway.adminUri(), "/health/ready", null).body())
        .contains("\"report_only\":true")
        .contains("REPORT-ONLY");
    gateway.close();
    started.remove(gateway);

    List<JsonNode> lines = lines(Files.readString(log));
    assertThat(lines)
        .anySatisfy(
            line -> {
              assertThat(line.path("input").path("request").path("path").asText())
                  .isEqualTo("/api/users/search");
              assertThat(line.path("result").path("allow").asBoolean()).isFalse();
              assertThat(line.path("enforced").asBoolean()).isFalse();
            });
    assertThat(lines)
        .filteredOn(line -> !line.path("enforced").asBoolean())
        .allSatisfy(line -> assertThat(line.path("result").path("status").asInt()).isLessThan(500))
        .noneSatisfy(line -> assertThat(line.path("result").path("status").asInt()).isEqualTo(400));
  }

  @Test
  void everyRequestGetsOneAccessLogLineWithoutQueryValuesOrCredentials() throws Exception {
    List<JsonNode> lines =
        accessLinesOf(
            logged -> logged.size() >= 2,
            gateway -> {
              send(
                  gateway.uri(),
                  "/api/settings/values.protobuf?component=secret-project",
                  BASIC_GOOD);
              send(gateway.uri(), "/api/users/search?q=secret-user", BASIC_GOOD);
            });

    assertThat(lines).hasSize(2);
    JsonNode allowed = lines.get(0);
    assertThat(allowed.path("method").asText()).isEqualTo("GET");
    assertThat(allowed.path("path").asText()).isEqualTo("/api/settings/values.protobuf");
    assertThat(allowed.path("status").asInt()).isEqualTo(200);
    assertThat(allowed.path("bytes").asLong()).isPositive();
    assertThat(allowed.path("client_ip").asText()).isEqualTo("127.0.0.1");
    assertThat(allowed.path("decision").asText()).isEqualTo("allow");
    assertThat(allowed.path("reasons").isArray()).isTrue();
    assertThat(allowed.path("reasons")).as("an allow has no reasons").isEmpty();
    assertThat(allowed.path("upstream_status").asInt()).isEqualTo(200);
    assertThat(allowed.path("duration_ms").isNumber()).isTrue();
    JsonNode denied = lines.get(1);
    assertThat(denied.path("path").asText()).isEqualTo("/api/users/search");
    assertThat(denied.path("status").asInt()).isEqualTo(403);
    assertThat(denied.path("decision").asText()).isEqualTo("deny");
    assertThat(denied.path("reasons").get(0).asText()).isEqualTo("user_directory");
    assertThat(denied.path("client_ip").asText()).isEqualTo("127.0.0.1");
    assertThat(denied.has("upstream_status")).isFalse();
    assertThat(lines.toString())
        .doesNotContain("secret-project")
        .doesNotContain("secret-user")
        .doesNotContain(GatewaySonarQube.GOOD_TOKEN)
        .doesNotContain(BASIC_GOOD.substring(6));
  }

  /**
   * A pipelining client sends its requests before the first is answered: each line still carries
   * its own request's decision, in the order of the requests.
   */
  @Test
  void pipelinedRequestsEachGetTheirOwnDecisionInTheAccessLog() throws Exception {
    String auth = "Authorization: " + BASIC_GOOD + "\r\n";
    List<JsonNode> lines =
        accessLinesOf(
            logged -> logged.size() >= 4,
            gateway -> {
              try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
                client.send(
                    pipelined("/api/server/version", "")
                        + pipelined("/api/settings/values.protobuf?component=demo", auth)
                        + pipelined("/api/users/search", auth)
                        + pipelined("/api/server/version", ""));
                for (int i = 0; i < 4; i++) {
                  assertThat(client.read().status()).isBetween(200, 499);
                }
              }
            });

    assertThat(lines)
        .extracting(line -> line.path("path").asText() + " " + line.path("decision").asText())
        .containsExactly(
            "/api/server/version allow",
            "/api/settings/values.protobuf allow",
            "/api/users/search deny",
            "/api/server/version allow");
  }

  /**
   * Targets refused for what they carry (user information, path parameters, a fragment) are logged
   * without it. A last allowed call marks the end, since a refusal by the HTTP parser itself may
   * not be logged at all.
   */
  @Test
  void refusedTargetsAreLoggedWithoutWhatTheyCarried() throws Exception {
    List<String> targets =
        List.of(
            "http://admin:secret-password@gateway.test/api/server/version",
            "/api/server/version;jsessionid=secret-session",
            "/api/server/version#access_token=secret-fragment",
            "/api/server/version");
    List<JsonNode> lines =
        accessLinesOf(
            logged -> logged.stream().anyMatch(line -> line.path("status").asInt() == 200),
            gateway -> {
              for (String target : targets) {
                try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
                  client.send(pipelined(target, "Connection: close\r\n")).readIfAnswered();
                }
              }
            });

    assertThat(lines).extracting(line -> line.path("status").asInt()).contains(400, 200);
    assertThat(lines.toString()).doesNotContain("secret");
  }

  /** A request the HTTP parser refuses is logged with the size of the refusal it was sent. */
  @Test
  void aParserRefusalIsLoggedWithTheBytesItSent() throws Exception {
    long[] sent = new long[1];
    List<JsonNode> lines =
        accessLinesOf(
            logged -> logged.stream().anyMatch(line -> line.path("status").asInt() == 200),
            gateway -> {
              try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
                RawHttpResponse refused =
                    client.send(pipelined("/api/server/version", "X-Folded: a\r\n b\r\n")).read();
                assertThat(refused.status()).isEqualTo(400);
                sent[0] = refused.bodyLength();
              }
              send(gateway.uri(), "/api/server/version", null);
            });

    assertThat(sent[0]).isPositive();
    assertThat(lines)
        .filteredOn(line -> line.path("status").asInt() == 400)
        .singleElement()
        .satisfies(line -> assertThat(line.path("bytes").asLong()).isEqualTo(sent[0]));
  }

  private static String pipelined(String target, String headers) {
    return "GET " + target + " HTTP/1.1\r\nHost: gateway.test\r\n" + headers + "\r\n";
  }

  /** What a test does against a gateway without operations; any exception fails it. */
  private interface GatewayCalls {
    void run(RunningGateway gateway) throws Exception;
  }

  /**
   * Starts a gateway without operations, runs {@code calls} against it and returns the access log
   * lines written to standard error, waiting up to 10 s until they are {@code complete}.
   */
  private List<JsonNode> accessLinesOf(
      java.util.function.Predicate<List<JsonNode>> complete, GatewayCalls calls) throws Exception {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(
        new java.io.PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
    try {
      calls.run(gateway(OperationsConfig.NONE));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!complete.test(accessLines(captured)) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    } finally {
      System.setErr(original);
    }
    return accessLines(captured);
  }

  private static List<JsonNode> accessLines(java.io.ByteArrayOutputStream captured)
      throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    String text;
    synchronized (captured) {
      text = captured.toString(StandardCharsets.UTF_8);
    }
    String marker = " " + AccessLog.LOGGER + " - ";
    for (String line : text.split("\n")) {
      int at = line.indexOf(marker);
      if (at >= 0) {
        lines.add(JSON.readTree(line.substring(at + marker.length())));
      }
    }
    return lines;
  }

  /** Writes to both streams, so the build's output stays whole while a test reads it. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream first;
    private final java.io.ByteArrayOutputStream second;

    TeeStream(java.io.OutputStream first, java.io.ByteArrayOutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      first.write(b, off, len);
      synchronized (second) {
        second.write(b, off, len);
      }
    }
  }

  /** The bound the issue sets: a changed file decides requests within 10 s. */
  private static final Duration RELOAD_BOUND = Duration.ofSeconds(10);

  /**
   * The 10 s, unless the machine is so loaded that loading the policy at start already took
   * longer: a reload is one poll (500 ms) and one load, and two looping clients compete with it, so
   * it may take up to twice the start. An unloaded 2-core machine starts in a few seconds, so the
   * bound there is the issue's.
   */
  private Duration reloadBound() {
    Duration scaled = lastStart.multipliedBy(2).plusSeconds(1);
    return scaled.compareTo(RELOAD_BOUND) > 0 ? scaled : RELOAD_BOUND;
  }

  private void assertWithinBound(String what, Duration applied) {
    System.out.println(
        "reload under load: the new "
            + what
            + " applied "
            + applied.toMillis()
            + " ms after the change; the gateway started in "
            + lastStart.toMillis()
            + " ms; bound "
            + reloadBound().toMillis()
            + " ms");
    assertThat(applied).as("the new " + what + " applies in time").isLessThan(reloadBound());
  }

  @Test
  void aChangedDataFileIsReloadedAndABrokenOneKeepsTheLastGoodPolicy() throws Exception {
    Path data = dir.resolve("data.json");
    String onlyAlpha =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"alpha\"]}}}}";
    Files.writeString(data, onlyAlpha);
    RunningGateway gateway =
        timedStart(
            GatewayConfig.builder(sonar.baseUri())
                .policyData(onlyAlpha)
                .operations(
                    OperationsConfig.NONE
                        .withAdminListen(new InetSocketAddress("127.0.0.1", 0))
                        .withDataFile(data))
                .build());
    String demo = "/api/settings/values.protobuf?component=demo";

    Duration applied =
        swapUnderLoad(
            gateway,
            demo,
            () ->
                replace(
                    data,
                    onlyAlpha
                        .replace("\"alpha\"", "\"alpha\",\"demo\"")
                        .getBytes(StandardCharsets.UTF_8)));
    assertWithinBound("data", applied);

    Files.writeString(data, "{\"portcullis\": ");
    awaitReloadFailure(gateway);
    assertThat(send(gateway.adminUri(), "/metrics", null).body())
        .contains("portcullis_policy_reloads_total{outcome=\"success\"} 1.0");
    assertThat(send(gateway.uri(), demo, BASIC_GOOD).statusCode()).isEqualTo(200);
    assertThat(
            send(gateway.uri(), "/api/settings/values.protobuf?component=gamma", BASIC_GOOD)
                .statusCode())
        .isEqualTo(403);
  }

  @Test
  void aChangedPolicyFileIsReloadedAndABrokenOneKeepsTheLastGoodPolicy() throws Exception {
    Path denying = compile("denying", constantDecision(false, 403, "policy_v1"));
    Path allowing = compile("allowing", constantDecision(true, 200, "policy_v2"));
    Path policy = dir.resolve("policy.tar.gz");
    Files.copy(denying, policy);
    Path log = dir.resolve("decisions.jsonl");
    RunningGateway gateway =
        gateway(
            OperationsConfig.NONE
                .withPolicyFile(new PolicyFile("--policy", policy, null))
                .withDecisionLog(log.toString(), 1));
    String demo = "/api/settings/values.protobuf?component=demo";

    Duration applied =
        swapUnderLoad(gateway, demo, () -> replace(policy, Files.readAllBytes(allowing)));
    assertWithinBound("policy", applied);

    Files.writeString(policy, "not a bundle");
    awaitReloadFailure(gateway);
    assertThat(send(gateway.uri(), demo, BASIC_GOOD).statusCode()).isEqualTo(200);
    gateway.close();
    started.remove(gateway);

    // Every decision names the revision that made it: the two policies' revisions, in that order.
    List<String> revisions =
        lines(Files.readString(log)).stream()
            .map(line -> line.path("revision").asText())
            .distinct()
            .toList();
    assertThat(revisions).hasSize(2);
  }

  @Test
  void aBrokenPolicyFileStopsTheStartNamingTheFile() throws Exception {
    Path broken = dir.resolve("policy.wasm");
    Files.writeString(broken, "not a wasm module");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                gateway(
                    OperationsConfig.NONE.withPolicyFile(new PolicyFile("--policy", broken, null))))
        .hasMessageContaining("--policy " + broken);
    Path bundle = compile("other", constantDecision(true, 200, "other"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                gateway(
                    OperationsConfig.NONE.withPolicyFile(
                        new PolicyFile("--policy", bundle, "other/entrypoint"))))
        .hasMessageContaining("--policy " + bundle)
        .hasMessageContaining("other/entrypoint");
  }

  /** A file change must never be seen half-written: write beside it, then rename over it. */
  private static void replace(Path file, byte[] content) throws Exception {
    Path next = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(next, content);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A change to the files the gateway watches. */
  @FunctionalInterface
  private interface Change {
    void apply() throws Exception;
  }

  /**
   * Two clients loop on {@code target} (403 before the change, 200 after) while {@code change}
   * runs: no request may fail or get another answer. Returns how long after the change the first
   * 200 came.
   */
  private Duration swapUnderLoad(RunningGateway gateway, String target, Change change)
      throws Exception {
    assertThat(send(gateway.uri(), target, BASIC_GOOD).statusCode()).isEqualTo(403);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong firstNewNanos = new AtomicLong();
    ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    AtomicInteger answered = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(2);
    for (int client = 0; client < 2; client++) {
      clients.execute(
          () -> {
            while (!stop.get()) {
              try {
                int status = send(gateway.uri(), target, BASIC_GOOD).statusCode();
                answered.incrementAndGet();
                if (status == 200) {
                  firstNewNanos.compareAndSet(0, System.nanoTime());
                } else if (status != 403) {
                  unexpected.add("status " + status);
                }
              } catch (Exception e) {
                unexpected.add(e.toString());
              }
            }
          });
    }
    Thread.sleep(300);
    long changedNanos = System.nanoTime();
    change.apply();
    long deadline = changedNanos + Duration.ofSeconds(60).toNanos();
    while (firstNewNanos.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(500);
    stop.set(true);
    clients.shutdown();
    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(firstNewNanos.get()).as("the change applies").isNotZero();
    assertThat(unexpected).as("no request failed or got another answer").isEmpty();
    assertThat(send(gateway.uri(), target, BASIC_GOOD).statusCode()).isEqualTo(200);
    System.out.println("reload under load: " + answered.get() + " requests answered meanwhile");
    return Duration.ofNanos(firstNewNanos.get() - changedNanos);
  }

  private void awaitReloadFailure(RunningGateway gateway) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!send(gateway.adminUri(), "/metrics", null)
        .body()
        .contains("portcullis_policy_reloads_total{outcome=\"failure\"} 1.0")) {
      assertThat(System.nanoTime()).as("the broken file is noticed").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aShadowPolicyIsJudgedBesideTheEnforcedOneAndOnlyLogged() throws Exception {
    Path candidate = denyEverythingCandidate();
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(
        new java.io.PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
    try {
      RunningGateway gateway = gateway(OperationsConfig.NONE.withShadowPolicy(candidate));
      assertThat(gateway.describe()).contains("shadow policy " + candidate);

      HttpResponse<String> served =
          send(gateway.uri(), "/api/settings/values.protobuf?component=secret-project", BASIC_GOOD);
      assertThat(served.statusCode()).as("the enforced policy decides").isEqualTo(200);
      assertThat(sonar.received()).anyMatch(line -> line.contains("/api/settings/values.protobuf"));

      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (!send(gateway.adminUri(), "/metrics", null)
          .body()
          .contains("portcullis_shadow_decisions_total{outcome=\"disagree\"} 1.0")) {
        assertThat(System.nanoTime()).as("the disagreement is counted").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(send(gateway.adminUri(), "/metrics", null).body())
          .contains("portcullis_shadow_decisions_total{outcome=\"agree\"} 0.0")
          .contains("portcullis_shadow_decisions_total{outcome=\"dropped\"} 0.0");
    } finally {
      System.setErr(original);
    }
    String text;
    synchronized (captured) {
      text = captured.toString(StandardCharsets.UTF_8);
    }
    String line =
        text.lines()
            .filter(l -> l.contains(" " + ShadowPolicy.LOGGER + " - "))
            .findFirst()
            .orElseThrow();
    assertThat(line)
        .contains("method=GET path=/api/settings/values.protobuf ")
        .contains("enforced_allow=true enforced_status=200 enforced_reasons=[scanner_endpoint]")
        .contains("candidate_allow=false candidate_status=403 candidate_reasons=[shadow_candidate]")
        .doesNotContain("secret-project")
        .doesNotContain(GatewaySonarQube.GOOD_TOKEN);
  }

  @Test
  void aBrokenShadowPolicyStopsTheStartNamingTheFile() throws Exception {
    Path broken = dir.resolve("broken.wasm");
    Files.writeString(broken, "not a wasm module");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> gateway(OperationsConfig.NONE.withShadowPolicy(broken)))
        .hasMessageContaining("--shadow-policy " + broken);
  }

  /** A candidate that denies everything, compiled as a bundle by the pinned OPA CLI. */
  private Path denyEverythingCandidate() throws Exception {
    return compile(
        "candidate",
        "decision := {\"allow\": false, \"status\": 403, \"reasons\": [\"shadow_candidate\"],"
            + " \"message\": \"Denied by the candidate.\"}\n");
  }

  private static String constantDecision(boolean allow, int status, String reason) {
    return "decision := {\"allow\": "
        + allow
        + ", \"status\": "
        + status
        + ", \"reasons\": [\""
        + reason
        + "\"], \"message\": \"Constant.\"}\n";
  }

  /**
   * {@code rules} in package {@code portcullis.sonarqube}, compiled as a bundle by the pinned OPA
   * CLI with the entrypoint {@code portcullis/sonarqube/decision}.
   */
  private Path compile(String name, String rules) throws Exception {
    Path rego = Files.createDirectories(dir.resolve(name));
    Files.writeString(rego.resolve(name + ".rego"), "package portcullis.sonarqube\n\n" + rules);
    Path bundle = dir.resolve(name + ".tar.gz");
    Path opa = Path.of("").toAbsolutePath();
    while (!Files.isRegularFile(opa.resolve("tools/opa"))) {
      opa = opa.getParent();
      assertThat(opa).as("tools/opa above the module").isNotNull();
    }
    Path output = dir.resolve(name + "-opa.log");
    Process build =
        new ProcessBuilder(
                "bash",
                opa.resolve("tools/opa").toString(),
                "build",
                "-t",
                "wasm",
                "-e",
                "portcullis/sonarqube/decision",
                "-o",
                bundle.toString(),
                rego.toString())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    assertThat(build.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(build.exitValue()).as(Files.readString(output)).isZero();
    return bundle;
  }

  private void awaitReady(URI admin) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (send(admin, "/health/ready", null).statusCode() != 200) {
      assertThat(System.nanoTime()).as("ready within 15 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private HttpResponse<String> send(URI base, String target, String authorization)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + target));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<JsonNode> lines(String text) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }
}
