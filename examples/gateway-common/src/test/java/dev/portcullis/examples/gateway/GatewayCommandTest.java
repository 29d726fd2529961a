package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GatewayCommandTest {

  @TempDir Path dir;

  private static GatewayConfig parse(String... args) throws Exception {
    GatewayCommand command =
        new GatewayCommand(
            "test-gateway",
            config -> {
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
  void operationsAreOffByDefaultAndEveryOperationsOptionReachesTheConfiguration() throws Exception {
    assertThat(parse().operations()).isEqualTo(OperationsConfig.NONE);

    OperationsConfig flags =
        parse(
                "--admin-listen",
                "127.0.0.1:9091",
                "--decision-log",
                "stdout",
                "--decision-log-sample-allows",
                "0.25",
                "--report-only",
                "--gateway-id",
                "gw-7",
                "--shadow-policy",
                "candidate.tar.gz")
            .operations();
    assertThat(flags.adminListen())
        .isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 9091));
    assertThat(flags.decisionLog()).isEqualTo("stdout");
    assertThat(flags.decisionLogSampleAllows()).isEqualTo(0.25);
    assertThat(flags.reportOnly()).isTrue();
    assertThat(flags.gatewayId()).isEqualTo("gw-7");
    assertThat(flags.shadowPolicy()).isEqualTo(Path.of("candidate.tar.gz"));

    Path file = dir.resolve("ops.yaml");
    Files.writeString(file, "admin-listen: '[::1]:9091'\nreport-only: true\n");
    OperationsConfig fromFileAndEnvironment =
        GatewayCommand.parse(
                Map.of(
                    "PORTCULLIS_DECISION_LOG",
                    "/var/log/decisions.jsonl",
                    "PORTCULLIS_SHADOW_POLICY",
                    "/etc/portcullis/candidate.wasm"),
                "--config",
                file.toString())
            .config()
            .operations();
    assertThat(fromFileAndEnvironment.adminListen())
        .isEqualTo(InetSocketAddress.createUnresolved("::1", 9091));
    assertThat(fromFileAndEnvironment.reportOnly()).isTrue();
    assertThat(fromFileAndEnvironment.decisionLog()).isEqualTo("/var/log/decisions.jsonl");
    assertThat(fromFileAndEnvironment.shadowPolicy())
        .isEqualTo(Path.of("/etc/portcullis/candidate.wasm"));

    assertThat(parse().operations().policyFile()).as("the bundled policy").isNull();
    assertThat(parse().operations().entrypoint()).isEqualTo("portcullis/sonarqube/decision");
    OperationsConfig ownPolicy =
        parse("--policy", "policy.tar.gz", "--entrypoint", "acme/decision").operations();
    assertThat(ownPolicy.policyFile())
        .isEqualTo(new PolicyFile("--policy", Path.of("policy.tar.gz"), "acme/decision"));
    assertThat(ownPolicy.entrypoint()).isEqualTo("acme/decision");
    assertThat(
            GatewayCommand.parse(Map.of("PORTCULLIS_POLICY", "/etc/portcullis/policy.wasm"))
                .config()
                .operations()
                .policyFile())
        .isEqualTo(
            new PolicyFile(
                "--policy", Path.of("/etc/portcullis/policy.wasm"), PolicyFile.DEFAULT_ENTRYPOINT));

    assertThatThrownBy(() -> parse("--decision-log-sample-allows", "1.5"))
        .hasMessageContaining("--decision-log-sample-allows");
    assertThatThrownBy(() -> parse("--admin-listen", "9091"))
        .hasMessageContaining("--admin-listen must be HOST:PORT");
  }

  @Test
  void everyOptionReachesTheConfiguration() throws Exception {
    GatewayConfig config =
        parse(
            "--upstream",
            "https://sonar.example:9443",
            "--listen",
            "[::1]:8443",
            "--verify",
            "static=/etc/portcullis/tokens",
            "--max-failed-credentials",
            "0",
            "--failure-window",
            "PT5M",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--trusted-proxy",
            "192.0.2.1",
            "--connect-timeout",
            "PT1S",
            "--idle-timeout",
            "PT30S",
            "--upstream-timeout",
            "PT1H",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem");

    assertThat(config.listen()).isEqualTo(InetSocketAddress.createUnresolved("::1", 8443));
    assertThat(config.credentialCheck())
        .isEqualTo(
            new CredentialCheck(CredentialCheck.Mode.STATIC, Path.of("/etc/portcullis/tokens")));
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
    assertThat(
            parse("--listen", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem")
                .listenUri(8443))
        .hasToString("https://0.0.0.0:8443");
  }

  @Test
  void badSettingsAreRefusedWithTheOptionsName() {
    assertThatThrownBy(() -> parse("--verify", "ldap")).hasMessageContaining("--verify");
    assertThatThrownBy(() -> parse("--verify", "static=")).hasMessageContaining("--verify");
    assertThatThrownBy(() -> parse("--listen", "8080")).hasMessageContaining("--listen");
    assertThatThrownBy(() -> parse("--upstream", "http://sonar:9000/a%2Fb"))
        .hasMessageContaining("context path");
    assertThatThrownBy(() -> parse("--upstream", "http://sonar:9000/?x=1"))
        .hasMessageContaining("--upstream");
    assertThatThrownBy(() -> parse("--upstream", "ftp://sonar")).hasMessageContaining("--upstream");
    assertThatThrownBy(() -> parse("--tls-cert", "c.pem")).hasMessageContaining("--tls-key");
    assertThatThrownBy(() -> parse("--max-failed-credentials", "-1"))
        .hasMessageContaining("--max-failed-credentials");
    assertThatThrownBy(() -> parse("--failure-window", "PT0S"))
        .hasMessageContaining("--failure-window");
    assertThatThrownBy(() -> parse("--connect-timeout", "PT-5S"))
        .hasMessageContaining("--connect-timeout must be positive");
    assertThatThrownBy(() -> parse("--connect-timeout", "PT0S"))
        .hasMessageContaining("--connect-timeout must be positive");
    assertThatThrownBy(() -> parse("--idle-timeout", "PT-1S"))
        .hasMessageContaining("--idle-timeout must be positive");
    assertThatThrownBy(() -> parse("--upstream-timeout", "PT0S"))
        .hasMessageContaining("--upstream-timeout must be positive");
  }

  @Test
  void anUnreadableDataFileIsNamedWithWhy(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> parse("--data", dir.resolve("absent.json").toString()))
        .hasMessageContaining("--data")
        .hasMessageContaining("absent.json: no such file");
    assertThatThrownBy(() -> parse("--data", dir.toString()))
        .hasMessageContaining("--data")
        .hasMessageContaining("a directory");
    Path latin1 = Files.write(dir.resolve("latin1.json"), new byte[] {(byte) 0xff, '{', '}'});
    assertThatThrownBy(() -> parse("--data", latin1.toString()))
        .hasMessageContaining("not UTF-8 text");
  }

  @Test
  void anEntrypointWithoutAPolicyToHaveItIsRefused() throws Exception {
    assertThatThrownBy(() -> parse("--entrypoint", "acme/decision"))
        .hasMessageContaining("--entrypoint acme/decision needs --policy or --engine remote=URL");
    assertThatThrownBy(
            () -> parse("--entrypoint", "acme/decision", "--shadow-policy", "candidate.wasm"))
        .hasMessageContaining("needs --policy");
    assertThat(
            parse("--entrypoint", "acme/decision", "--engine", "remote=http://127.0.0.1:8181")
                .remoteOpa())
        .isNotNull();
    assertThat(parse("--entrypoint", "portcullis/sonarqube/decision").operations())
        .isEqualTo(OperationsConfig.NONE);
  }

  @Test
  void aStartFailureWithoutAMessageIsExplainedByItsType() {
    assertThat(GatewayCommand.whyNot(new java.nio.channels.UnresolvedAddressException()))
        .isEqualTo("UnresolvedAddressException");
    assertThat(
            GatewayCommand.whyNot(
                new IllegalStateException(null, new java.net.BindException("Address in use"))))
        .isEqualTo("IllegalStateException: Address in use");
    assertThat(GatewayCommand.whyNot(new IllegalArgumentException("--listen: bad")))
        .isEqualTo("--listen: bad");
  }

  @Test
  void anUpstreamPathIsSonarQubesContextPath() throws Exception {
    GatewayConfig config = parse("--upstream", "http://sonar:9000/sonarqube/");

    assertThat(config.upstream()).hasToString("http://sonar:9000");
    assertThat(config.contextPath()).isEqualTo("/sonarqube");
    assertThat(config.sonarQubeRoot()).hasToString("http://sonar:9000/sonarqube");
    assertThat(parse().contextPath()).isEmpty();
  }

  @Test
  void everyOptionCanComeFromTheEnvironmentOrTheConfigFileAndFlagsWin() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("gateway.yaml"),
            String.join(
                "\n",
                "upstream: http://file:9000",
                "listen: 127.0.0.1:9001",
                "idle-timeout: PT7S",
                "max-failed-credentials: 3",
                "trusted-proxy: [10.0.0.0/8, 192.0.2.1]",
                ""));
    Map<String, String> environment =
        Map.of(
            "PORTCULLIS_CONFIG",
            file.toString(),
            "PORTCULLIS_LISTEN",
            "127.0.0.1:9002",
            "PORTCULLIS_MAX_FAILED_CREDENTIALS",
            "4");

    GatewayConfig config =
        GatewayCommand.parse(environment, "--max-failed-credentials", "5").config();

    assertThat(config.upstream()).hasToString("http://file:9000");
    assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.trustedProxies()).containsExactly("10.0.0.0/8", "192.0.2.1");
    assertThat(config.listen()).isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 9002));
    assertThat(config.maxFailedCredentials()).isEqualTo(5);
    assertThat(GatewayCommand.parse(Map.of(), "--config", file.toString()).config().listen())
        .isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 9001));
  }

  @Test
  void unknownKeysAndBadValuesNameTheirSource() throws Exception {
    Path unknown =
        Files.writeString(
            dir.resolve("unknown.yaml"), "upstream: http://a:9000\nidle-timout: PT1S\n");
    Path badValue = Files.writeString(dir.resolve("bad.yaml"), "idle-timeout: soon\n");
    Path nested = Files.writeString(dir.resolve("nested.yaml"), "listen: {host: a}\n");
    Path twice =
        Files.writeString(dir.resolve("twice.yaml"), "report-only: false\nreport-only: true\n");

    assertThatThrownBy(() -> GatewayCommand.parse(Map.of(), "--config", unknown.toString()))
        .hasMessageContaining(unknown.toString())
        .hasMessageContaining("unknown key 'idle-timout'")
        .hasMessageContaining("idle-timeout");
    assertThatThrownBy(() -> GatewayCommand.parse(Map.of(), "--config", badValue.toString()))
        .hasMessageContaining("--idle-timeout")
        .hasMessageContaining(badValue + " key 'idle-timeout'");
    assertThatThrownBy(() -> GatewayCommand.parse(Map.of("PORTCULLIS_MIN_BODY_RATE", "fast")))
        .hasMessageContaining("environment variable PORTCULLIS_MIN_BODY_RATE");
    assertThatThrownBy(() -> GatewayCommand.parse(Map.of(), "--config", nested.toString()))
        .hasMessageContaining("key 'listen' must be a single value");
    assertThatThrownBy(() -> GatewayCommand.parse(Map.of(), "--config", twice.toString()))
        .hasMessageContaining("cannot read --config")
        .hasMessageContaining("Duplicate field 'report-only'");
    assertThatThrownBy(
            () ->
                GatewayCommand.parse(Map.of(), "--config", dir.resolve("missing.yaml").toString()))
        .hasMessageContaining("cannot read --config");
  }

  @Test
  void versionAndGroupedHelp() {
    StringWriter out = new StringWriter();
    CommandLine version = new CommandLine(new GatewayCommand("g", config -> null));
    version.setOut(new PrintWriter(out));
    version.execute("--version");
    StringWriter help = new StringWriter();
    CommandLine usage = new CommandLine(new GatewayCommand("g", config -> null));
    usage.setOut(new PrintWriter(help));
    usage.execute("--help");

    assertThat(out.toString())
        .startsWith("Portcullis gateway 0.1.0")
        .doesNotContain("${project.version}");
    assertThat(help.toString())
        .contains(
            "Upstream and listening",
            "Policy and credentials",
            "Timeouts and limits",
            "PORTCULLIS_<OPTION>");
  }

  @Test
  void aStartFailureFromTheConfigFileExitsWith2() throws Exception {
    Path unknown = Files.writeString(dir.resolve("unknown.yaml"), "colour: blue\n");

    assertThat(
            GatewayCommand.run(
                "test-gateway",
                config -> {
                  throw new AssertionError("must not start");
                },
                Map.of(),
                "--config",
                unknown.toString()))
        .isEqualTo(2);
  }

  @Test
  void aGatewayThatCannotStartExitsWith2() {
    int status =
        GatewayCommand.run(
            "test-gateway",
            config -> {
              throw new IllegalStateException("port in use");
            },
            "--listen",
            "127.0.0.1:1");

    assertThat(status).isEqualTo(2);
  }

  @Test
  void theEngineIsEmbeddedByDefaultOrARemoteOpaWithoutLocalPolicyData() throws Exception {
    assertThat(parse().remoteOpa()).isNull();
    assertThat(parse("--engine", "embedded").remoteOpa()).isNull();
    GatewayConfig remote =
        parse("--engine", "remote=https://opa.internal:8181", "--engine-token-file", "opa.token");
    assertThat(remote.remoteOpa())
        .isEqualTo(
            new RemoteOpa(
                java.net.URI.create("https://opa.internal:8181"),
                Path.of("opa.token"),
                "portcullis/sonarqube/decision"));

    assertThatThrownBy(() -> parse("--engine", "wasm")).hasMessageContaining("--engine");
    assertThatThrownBy(() -> parse("--engine", "remote=")).hasMessageContaining("--engine");
    assertThatThrownBy(() -> parse("--engine-token-file", "opa.token"))
        .hasMessageContaining("--engine remote=URL");
    Path data = java.nio.file.Files.writeString(dir.resolve("data.json"), "{}");
    assertThatThrownBy(
            () -> parse("--engine", "remote=http://127.0.0.1:8181", "--data", data.toString()))
        .hasMessageContaining("--data")
        .hasMessageContaining("OPA server holds the policy");
  }

  @Test
  void enginePlanRunsTheBundledPolicysPlanEmbedded() throws Exception {
    assertThat(parse().planEngine()).isFalse();
    GatewayConfig plan = parse("--engine", "plan");
    assertThat(plan.planEngine()).isTrue();
    assertThat(plan.remoteOpa()).isNull();
    GatewayEnforcer enforcer = GatewayEnforcer.create(plan);
    try {
      assertThat(enforcer.describe()).contains("opa-plan");
    } finally {
      enforcer.close();
    }
  }
}
