package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.StaticCredentialVerifier;
import dev.portcullis.testkit.FakeSonarQube;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    Files.writeString(
        tokens, StaticCredentialVerifier.fileEntry(GatewaySonarQube.GOOD_TOKEN) + "\n");
    GatewayConfig config =
        GatewayConfig.builder(java.net.URI.create("http://127.0.0.1:9"))
            .credentialCheck(new CredentialCheck(CredentialCheck.Mode.STATIC, tokens))
            .build();

    try (GatewayEnforcer gateway = GatewayEnforcer.create(config)) {
      assertThat(gateway.describe()).contains("token hashes in " + tokens);
      assertThat(send(gateway, GatewaySonarQube.GOOD_TOKEN).allow()).isTrue();
      assertThat(send(gateway, WRONG).status()).isEqualTo(401);
    }
  }

  /**
   * The bundled policy's decisions are cached by the fields it reads (the client address among
   * them); a reload brings an engine with an empty cache, so a decision cached before it is never
   * served after it, in either direction.
   */
  @Test
  void aReloadNeverServesADecisionCachedUnderTheOldData() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens, StaticCredentialVerifier.fileEntry(GatewaySonarQube.GOOD_TOKEN) + "\n");
    GatewayConfig config =
        GatewayConfig.builder(java.net.URI.create("http://127.0.0.1:9"))
            .credentialCheck(new CredentialCheck(CredentialCheck.Mode.STATIC, tokens))
            .build();
    String otherNetworkOnly =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[\"192.0.2.0/24\"]}}}}";

    try (GatewayEnforcer gateway = GatewayEnforcer.create(config)) {
      assertThat(gateway.describe()).contains("decision-cache=").contains("decision-key-fields=");
      for (int i = 0; i < 3; i++) {
        assertThat(send(gateway, GatewaySonarQube.GOOD_TOKEN).allow()).isTrue();
      }

      gateway.reload(otherNetworkOnly);
      for (int i = 0; i < 3; i++) {
        assertThat(send(gateway, GatewaySonarQube.GOOD_TOKEN).reasons())
            .containsExactly("client_ip_not_allowed");
      }

      gateway.reload(null);
      assertThat(send(gateway, GatewaySonarQube.GOOD_TOKEN).allow()).isTrue();
    }
  }

  @Test
  void wrongTokensFromOneClientAreThrottledBeforeSonarQubeIsAsked() throws Exception {
    try (FakeSonarQube sonar = GatewaySonarQube.start();
        GatewayEnforcer gateway =
            GatewayEnforcer.create(
                GatewayConfig.builder(sonar.baseUri())
                    .throttle(3, Duration.ofMinutes(1))
                    .build())) {
      for (int i = 0; i < 3; i++) {
        assertThat(send(gateway, "sqp_" + "%040d".formatted(i)).status()).isEqualTo(401);
      }
      Decision throttled = send(gateway, "sqp_" + "%040d".formatted(3));

      assertThat(throttled.status()).isEqualTo(429);
      assertThat(throttled.reasons()).containsExactly("too_many_failed_credentials");
      assertThat(throttled.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(sonar.validations()).isEqualTo(3);
    }
  }

  @Test
  void throttlingCanBeTurnedOff() throws Exception {
    try (FakeSonarQube sonar = GatewaySonarQube.start();
        GatewayEnforcer gateway =
            GatewayEnforcer.create(
                GatewayConfig.builder(sonar.baseUri())
                    .throttle(0, Duration.ofMinutes(1))
                    .build())) {
      for (int i = 0; i < 15; i++) {
        assertThat(send(gateway, WRONG).status()).isEqualTo(401);
      }
      assertThat(gateway.describe()).contains("no throttling");
    }
  }

  @Test
  void underAContextPathTheVerifierAsksSonarQubeThere() throws Exception {
    try (FakeSonarQube sonar =
            FakeSonarQube.builder()
                .contextPath("/sonarqube")
                .reply(GatewaySonarQube.GOOD_TOKEN + ":", FakeSonarQube.Reply.VALID)
                .start();
        GatewayEnforcer fromUpstream =
            GatewayEnforcer.create(GatewayConfig.builder(sonar.baseUri()).build());
        GatewayEnforcer fromData =
            GatewayEnforcer.create(
                GatewayConfig.builder(
                        java.net.URI.create("http://127.0.0.1:" + sonar.baseUri().getPort()))
                    .policyData(
                        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"context_path\":\"/sonarqube/\"}}}}")
                    .build())) {
      for (GatewayEnforcer gateway : List.of(fromUpstream, fromData)) {
        Decision decision =
            gateway
                .enforcer()
                .decide(
                    RawRequest.of("GET", "/sonarqube" + TARGET, "203.0.113.7")
                        .withHeader("Authorization", "Bearer " + GatewaySonarQube.GOOD_TOKEN),
                    RawRequest.ACCESSOR);

        assertThat(decision.allow()).as("%s", decision).isTrue();
        assertThat(decision.forwardTarget()).isEqualTo("/sonarqube" + TARGET);
        assertThat(gateway.describe()).contains(sonar.baseUri() + "/api/authentication/validate");
      }
      assertThat(sonar.validations()).isEqualTo(2);
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
