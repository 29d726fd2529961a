package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.examples.gateway.GatewaySonarQube;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.RedisServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes behind one address, as a load balancer would put them, sharing
 * failed-credential counts in a real {@code redis-server}; the fake SonarQube counts the
 * verification calls. Then Redis goes down and comes back.
 *
 * <p>The processes run the Jetty gateway's jar, which the reactor has built by the time this
 * module's tests run (this module's own jar comes after its tests); both gateways build their
 * throttle in the shared {@code GatewayEnforcer}. Their logs tell when each found Redis again.
 */
class SharedThrottleIT {

  private static final int MAX_FAILURES = 10;
  private static final String PASSWORD = "redis-secret-5f3a";
  private static final Path JETTY_JAR = Path.of("../jetty-gateway/target/jetty-gateway.jar");

  @TempDir static Path logs;
  private static RedisServer redis;
  private static FakeSonarQube sonar;
  private static final List<Gateway> gateways = new ArrayList<>();
  private static int nextToken;

  private record Gateway(String name, Process process, int port, int adminPort, Path log) {
    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    assertThat(JETTY_JAR).as("the Jetty gateway is built before this module").exists();
    redis = RedisServer.start(PASSWORD);
    sonar = GatewaySonarQube.start();
    gateways.add(launch("first", JETTY_JAR));
    gateways.add(launch("second", JETTY_JAR));
    for (Gateway gateway : gateways) {
      awaitListening(gateway);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (Gateway gateway : gateways) {
      gateway.process().destroy();
      gateway.process().waitFor(20, TimeUnit.SECONDS);
    }
    if (sonar != null) {
      sonar.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void failuresThroughEitherInstanceAreCountedOnceAndTheOutageKeepsCounting() throws Exception {
    for (Gateway gateway : gateways) {
      assertThat(awaitReadiness(gateway, "200"))
          .startsWith("200")
          .contains("\"throttle_store\":\"available\"");
    }
    // 20 distinct wrong tokens, alternately through both instances, from one client.
    int validations = sonar.validations();
    List<Integer> statuses = alternately("127.0.0.2", 20);
    assertThat(statuses.subList(0, MAX_FAILURES)).containsOnly(401);
    assertThat(statuses.subList(MAX_FAILURES, 20)).containsOnly(429);
    assertThat(sonar.validations() - validations)
        .as("SonarQube verified exactly the shared limit, not the limit per instance")
        .isEqualTo(MAX_FAILURES);
    for (Gateway gateway : gateways) {
      assertThat(send(gateway, "127.0.0.2", GatewaySonarQube.GOOD_TOKEN))
          .as("%s refuses the blocked client even with a good token", gateway.name())
          .isEqualTo(429);
      assertThat(send(gateway, "127.0.0.3", GatewaySonarQube.GOOD_TOKEN))
          .as("%s serves another client", gateway.name())
          .isEqualTo(200);
    }

    // Redis down: each instance counts on its own, with the same limit; valid tokens still pass.
    redis.stop();
    try {
      validations = sonar.validations();
      statuses = alternately("127.0.0.4", 30);
      assertThat(statuses.stream().filter(status -> status == 401).count())
          .as("never unlimited: each instance allows its own limit")
          .isEqualTo(2L * MAX_FAILURES);
      assertThat(statuses.stream().filter(status -> status == 429).count()).isEqualTo(10L);
      assertThat(sonar.validations() - validations).isEqualTo(2 * MAX_FAILURES);
      for (Gateway gateway : gateways) {
        assertThat(send(gateway, "127.0.0.3", GatewaySonarQube.GOOD_TOKEN)).isEqualTo(200);
        assertThat(send(gateway, "127.0.0.5", GatewaySonarQube.GOOD_TOKEN)).isEqualTo(200);
        assertThat(gateway.output())
            .contains("is unavailable")
            .contains("counting failed credentials in this instance only");
        assertThat(readiness(gateway))
            .as("%s reports not ready while it counts on its own", gateway.name())
            .startsWith("503")
            .contains("\"throttle_store\":\"unavailable\"");
      }
    } finally {
      redis.startAgain();
    }

    // Back: once each instance has found Redis again, the counts are shared again.
    awaitRedisAgain();
    for (Gateway gateway : gateways) {
      assertThat(awaitReadiness(gateway, "200")).startsWith("200");
    }
    validations = sonar.validations();
    statuses = alternately("127.0.0.6", 20);
    assertThat(statuses.subList(0, MAX_FAILURES)).containsOnly(401);
    assertThat(statuses.subList(MAX_FAILURES, 20))
        .as("%s%n%s", gateways.get(0).output(), gateways.get(1).output())
        .containsOnly(429);
    assertThat(sonar.validations() - validations).isEqualTo(MAX_FAILURES);
    for (Gateway gateway : gateways) {
      assertThat(gateway.output())
          .as("%s never logs the Redis password", gateway.name())
          .contains("shared in redis://:***@127.0.0.1:")
          .doesNotContain(PASSWORD);
    }
  }

  /** Probes from a spare client until both instances log that Redis answers again. */
  private static void awaitRedisAgain() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      boolean both = true;
      for (Gateway gateway : gateways) {
        if (!gateway.output().contains("answers again; failed credentials are counted there")) {
          both = false;
          send(gateway, "127.0.0.9", wrongToken());
        }
      }
      if (both) {
        return;
      }
      assertThat(System.nanoTime()).as("both instances find Redis again").isLessThan(deadline);
      Thread.sleep(1_000);
    }
  }

  private static List<Integer> alternately(String clientIp, int requests) throws IOException {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      statuses.add(send(gateways.get(i % 2), clientIp, wrongToken()));
    }
    return statuses;
  }

  private static synchronized String wrongToken() {
    return String.format("sqp_%040x", 0xabc000 + nextToken++);
  }

  /**
   * One request from {@code clientIp} (a loopback address the socket binds to, since the gateways
   * trust no forwarding header), answered with its status.
   */
  private static int send(Gateway gateway, String clientIp, String token) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(clientIp, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /api/plugins/installed HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + token
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(response.substring(9, 12));
    }
  }

  private static Gateway launch(String name, Path jar) throws IOException {
    int port = freePort();
    int adminPort = freePort();
    Path log = logs.resolve(name + ".log");
    ProcessBuilder command =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--upstream",
                sonar.baseUri().toString(),
                "--listen",
                "127.0.0.1:" + port,
                "--max-failed-credentials",
                Integer.toString(MAX_FAILURES),
                "--admin-listen",
                "127.0.0.1:" + adminPort)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // The URL holds the password: through the environment, as the option's help advises.
    command.environment().put("PORTCULLIS_THROTTLE_STORE", redis.url());
    Process process = command.start();
    return new Gateway(name, process, port, adminPort, log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The status and body of {@code GET /health/ready} on the gateway's admin listener. */
  private static String readiness(Gateway gateway) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.adminPort() + "/health/ready"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  /** Polls readiness until it starts with {@code status}. */
  private static String awaitReadiness(Gateway gateway, String status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String answer = readiness(gateway);
    while (!answer.startsWith(status) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      answer = readiness(gateway);
    }
    return answer;
  }

  private static void awaitListening(Gateway gateway) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 200);
        return;
      } catch (IOException notYet) {
        assertThat(gateway.process().isAlive())
            .as("%s gateway runs: %s", gateway.name(), gateway.output())
            .isTrue();
        assertThat(System.nanoTime()).as("%s gateway listens", gateway.name()).isLessThan(deadline);
        Thread.sleep(200);
      }
    }
  }
}
