package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GatewayCommandTest {

  private static GatewayConfig parse(String... args) throws Exception {
    GatewayCommand command = new GatewayCommand("test-gateway", config -> {
      throw new AssertionError("not started in this test");
    });
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  @Test
  void defaultsVerifyAgainstTheUpstreamAndThrottleTenFailuresAMinute() throws Exception {
    GatewayConfig config = parse();

    assertThat(config.upstream()).hasToString("http://127.0.0.1:9000");
    assertThat(config.listen()).isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 8080));
    assertThat(config.credentialCheck()).isEqualTo(CredentialCheck.SONARQUBE);
    assertThat(config.maxFailedCredentials()).isEqualTo(10);
    assertThat(config.failureWindow()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.trustedProxies()).isEmpty();
    assertThat(config.tls()).isFalse();
  }

  @Test
  void everyOptionReachesTheConfiguration() throws Exception {
    GatewayConfig config = parse("--upstream", "https://sonar.example:9443", "--listen", "[::1]:8443",
        "--verify", "static=/etc/portcullis/tokens", "--max-failed-credentials", "0", "--failure-window", "PT5M",
        "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "192.0.2.1", "--connect-timeout", "PT1S",
        "--idle-timeout", "PT30S", "--upstream-timeout", "PT1H", "--tls-cert", "c.pem", "--tls-key", "k.pem");

    assertThat(config.listen()).isEqualTo(InetSocketAddress.createUnresolved("::1", 8443));
    assertThat(config.credentialCheck())
        .isEqualTo(new CredentialCheck(CredentialCheck.Mode.STATIC, Path.of("/etc/portcullis/tokens")));
    assertThat(config.maxFailedCredentials()).isZero();
    assertThat(config.failureWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.trustedProxies()).containsExactly("10.0.0.0/8", "192.0.2.1");
    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.upstreamTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(config.tls()).isTrue();
  }

  @Test
  void theListenUriBracketsIpv6AndNamesTheBoundPort() throws Exception {
    assertThat(parse("--listen", "[::1]:0").listenUri(41234)).hasToString("http://[::1]:41234");
    assertThat(parse("--listen", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem").listenUri(8443))
        .hasToString("https://0.0.0.0:8443");
  }

  @Test
  void badSettingsAreRefusedWithTheOptionsName() {
    assertThatThrownBy(() -> parse("--verify", "ldap")).hasMessageContaining("--verify");
    assertThatThrownBy(() -> parse("--verify", "static=")).hasMessageContaining("--verify");
    assertThatThrownBy(() -> parse("--listen", "8080")).hasMessageContaining("--listen");
    assertThatThrownBy(() -> parse("--upstream", "http://sonar:9000/sonar")).hasMessageContaining("context_path");
    assertThatThrownBy(() -> parse("--upstream", "ftp://sonar")).hasMessageContaining("--upstream");
    assertThatThrownBy(() -> parse("--tls-cert", "c.pem")).hasMessageContaining("--tls-key");
    assertThatThrownBy(() -> parse("--max-failed-credentials", "-1")).hasMessageContaining("--max-failed-credentials");
    assertThatThrownBy(() -> parse("--failure-window", "PT0S")).hasMessageContaining("--failure-window");
  }

  @Test
  void aGatewayThatCannotStartExitsWith2() {
    int status = GatewayCommand.run("test-gateway", config -> {
      throw new IllegalStateException("port in use");
    }, "--listen", "127.0.0.1:1");

    assertThat(status).isEqualTo(2);
  }
}
