package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.StaticCredentialVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateways' enforcer: the bundled policy, the configured verifier and throttling. */
class GatewayEnforcerTest {

  private static final String TARGET = "/api/settings/values.protobuf?component=demo";
  private static final String WRONG = "sqp_9999999999999999999999999999999999999999";

  @TempDir Path dir;

  private static Decision send(GatewayEnforcer gateway, String token) {
    return gateway.enforcer().decide(RawRequest.of("GET", TARGET, "203.0.113.7")
        .withHeader("Authorization", "Bearer " + token), RawRequest.ACCESSOR);
  }

  @Test
  void staticTokenFileAllowsItsTokensOnly() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, StaticCredentialVerifier.fileEntry(FakeSonarQube.GOOD_TOKEN) + "\n");
    GatewayConfig config = GatewayConfig.builder(java.net.URI.create("http://127.0.0.1:9"))
        .credentialCheck(new CredentialCheck(CredentialCheck.Mode.STATIC, tokens)).build();

    try (GatewayEnforcer gateway = GatewayEnforcer.create(config)) {
      assertThat(gateway.describe()).contains("token hashes in " + tokens);
      assertThat(send(gateway, FakeSonarQube.GOOD_TOKEN).allow()).isTrue();
      assertThat(send(gateway, WRONG).status()).isEqualTo(401);
    }
  }

  @Test
  void wrongTokensFromOneClientAreThrottledBeforeSonarQubeIsAsked() throws Exception {
    try (FakeSonarQube sonar = new FakeSonarQube();
        GatewayEnforcer gateway = GatewayEnforcer.create(
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
        GatewayEnforcer gateway = GatewayEnforcer.create(
            GatewayConfig.builder(sonar.uri()).throttle(0, Duration.ofMinutes(1)).build())) {
      for (int i = 0; i < 15; i++) {
        assertThat(send(gateway, WRONG).status()).isEqualTo(401);
      }
      assertThat(gateway.describe()).contains("no throttling");
    }
  }
}
