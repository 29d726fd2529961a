package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.Decision;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.StaticCredentialVerifier;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateways' enforcer: the bundled policy, the configured verifier and throttling. */
class GatewayEnforcerTest {

  private static final String TARGET = "/api/settings/values.protobuf?component=demo";
  private static final String WRONG = "sqp_9999999999999999999999999999999999999999";

  @TempDir Path dir;

  private static Decision send(GatewayEnforcer gateway, String token) {
    return gateway
        .enforcer()
        .decide(
            RawRequest.of("GET", TARGET, "203.0.113.7")
                .withHeader("Authorization", "Bearer " + token),
            RawRequest.ACCESSOR);
  }

  @Test
  void staticTokenFileAllowsItsTokensOnly() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, StaticCredentialVerifier.fileEntry(FakeSonarQube.GOOD_TOKEN) + "\n");
    GatewayConfig config =
        GatewayConfig.builder(java.net.URI.create("http://127.0.0.1:9"))
            .credentialCheck(new CredentialCheck(CredentialCheck.Mode.STATIC, tokens))
            .build();

    try (GatewayEnforcer gateway = GatewayEnforcer.create(config)) {
      assertThat(gateway.describe()).contains("token hashes in " + tokens);
      assertThat(send(gateway, FakeSonarQube.GOOD_TOKEN).allow()).isTrue();
      assertThat(send(gateway, WRONG).status()).isEqualTo(401);
    }
  }

  @Test
  void wrongTokensFromOneClientAreThrottledBeforeSonarQubeIsAsked() throws Exception {
    try (FakeSonarQube sonar = new FakeSonarQube();
        GatewayEnforcer gateway =
            GatewayEnforcer.create(
                GatewayConfig.builder(sonar.uri()).throttle(3, Duration.ofMinutes(1)).build())) {
      for (int i = 0; i < 3; i++) {
        assertThat(send(gateway, "sqp_" + "%040d".formatted(i)).status()).isEqualTo(401);
      }
      Decision throttled = send(gateway, "sqp_" + "%040d".formatted(3));

      assertThat(throttled.status()).isEqualTo(429);
      assertThat(throttled.reasons()).containsExactly("too_many_failed_credentials");
      assertThat(throttled.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(sonar.validations).hasValue(3);
    }
  }

  @Test
  void throttlingCanBeTurnedOff() throws Exception {
    try (FakeSonarQube sonar = new FakeSonarQube();
        GatewayEnforcer gateway =
            GatewayEnforcer.create(
                GatewayConfig.builder(sonar.uri()).throttle(0, Duration.ofMinutes(1)).build())) {
      for (int i = 0; i < 15; i++) {
        assertThat(send(gateway, WRONG).status()).isEqualTo(401);
      }
      assertThat(gateway.describe()).contains("no throttling");
    }
  }

  @Test
  void underAContextPathTheVerifierAsksSonarQubeThere() throws Exception {
    HttpServer sonar = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger validations = new AtomicInteger();
    sonar.createContext(
        "/",
        exchange -> {
          boolean validate =
              exchange.getRequestURI().getPath().equals("/sonarqube/api/authentication/validate");
          if (validate) {
            validations.incrementAndGet();
          }
          byte[] body =
              (validate ? "{\"valid\":true}" : "not here").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(validate ? 200 : 404, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    sonar.start();
    String origin = "http://127.0.0.1:" + sonar.getAddress().getPort();
    try (GatewayEnforcer fromUpstream =
            GatewayEnforcer.create(
                GatewayConfig.builder(java.net.URI.create(origin + "/sonarqube")).build());
        GatewayEnforcer fromData =
            GatewayEnforcer.create(
                GatewayConfig.builder(java.net.URI.create(origin))
                    .policyData(
                        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"context_path\":\"/sonarqube/\"}}}}")
                    .build())) {
      for (GatewayEnforcer gateway : List.of(fromUpstream, fromData)) {
        Decision decision =
            gateway
                .enforcer()
                .decide(
                    RawRequest.of("GET", "/sonarqube" + TARGET, "203.0.113.7")
                        .withHeader("Authorization", "Bearer " + FakeSonarQube.GOOD_TOKEN),
                    RawRequest.ACCESSOR);

        assertThat(decision.allow()).as("%s", decision).isTrue();
        assertThat(decision.forwardTarget()).isEqualTo("/sonarqube" + TARGET);
        assertThat(gateway.describe()).contains(origin + "/sonarqube/api/authentication/validate");
      }
      assertThat(validations).hasValue(2);
    } finally {
      sonar.stop(0);
    }
  }

  @Test
  void anUpstreamPathAndAnotherContextPathInTheDataAreRefused() {
    GatewayConfig config =
        GatewayConfig.builder(java.net.URI.create("http://127.0.0.1:9/sonarqube"))
            .policyData(
                "{\"portcullis\":{\"sonarqube\":{\"config\":{\"context_path\":\"/sonar\"}}}}")
            .build();

    assertThatThrownBy(() -> GatewayEnforcer.create(config))
        .hasMessageContaining("/sonarqube")
        .hasMessageContaining("context_path is /sonar;");
  }
}
