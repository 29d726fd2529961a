package dev.portcullis.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.credential.StaticCredentialVerifier;
import dev.portcullis.testkit.FakeSonarQube;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code portcullis decide} against the real bundled SonarQube policy. */
class DecideCommandTest {

  private static final String SQP = "sqp_0123456789abcdef0123456789abcdef01234567";

  @TempDir Path dir;

  @Test
  void userDirectoryWithAValidProjectTokenIsForbidden() {
    CliRun run =
        run(
            "decide",
            "--target",
            "/api/users/search?q=a",
            "--header",
            "Authorization: Bearer " + SQP,
            "--credential-valid",
            "true");

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out())
        .startsWith("{\"allow\":false,\"status\":403,\"reasons\":[\"user_directory\"]");
    assertThat(run.out() + run.err()).doesNotContain(SQP);
  }

  @Test
  void thePlanEngineDecidesAsTheDefaultEngine() {
    for (String target : List.of("/api/users/search?q=a", "/api/plugins/installed")) {
      CliRun wasm =
          run(
              "decide",
              "--target",
              target,
              "--header",
              "Authorization: Bearer " + SQP,
              "--credential-valid",
              "true");
      CliRun plan =
          run(
              "decide",
              "--engine",
              "plan",
              "--target",
              target,
              "--header",
              "Authorization: Bearer " + SQP,
              "--credential-valid",
              "true");
      assertThat(plan.code()).as(target).isEqualTo(wasm.code());
      assertThat(plan.out()).as(target).isEqualTo(wasm.out());
    }
  }

  @Test
  void scannerSettingsWithAValidTokenAreAllowed() {
    CliRun run =
        run(
            "decide",
            "--target",
            "/api/settings/values.protobuf?component=demo",
            "--header",
            "Authorization: " + basic(SQP + ":"),
            "--credential-valid",
            "true",
            "--client-ip",
            "203.0.113.7");

    assertThat(run.code()).isEqualTo(0);
    assertThat(run.out())
        .contains(
            "\"allow\":true",
            "\"status\":200",
            "\"forward_target\":\"/api/settings/values.protobuf?component=demo\"");
  }

  @Test
  void aReportUploadShowsItsBodyLimitAndTheOnePartItsBodyMayCarry() {
    CliRun run =
        run(
            "decide",
            "--method",
            "POST",
            "--target",
            "/api/ce/submit?projectKey=demo",
            "--header",
            "Authorization: " + basic(SQP + ":"),
            "--header",
            "Content-Type: multipart/form-data; boundary=x",
            "--header",
            "Content-Length: 1000",
            "--credential-valid",
            "true");

    assertThat(run.code()).isEqualTo(0);
    assertThat(run.out())
        .contains("\"allow\":true", "\"max_body_bytes\":1073741824", "\"body_parts\":[\"report\"]");
  }

  @Test
  void unverifiedOrMissingCredentialsAre401() {
    assertThat(
            run(
                    "decide",
                    "--target",
                    "/api/plugins/installed",
                    "--header",
                    "Authorization: Bearer " + SQP)
                .out())
        .contains("\"status\":401", "credential_unverified");
    assertThat(run("decide", "--target", "/api/plugins/installed").out())
        .contains("\"status\":401", "credential_missing");
    assertThat(run("decide", "--target", "/api/server/version").code()).isZero();
  }

  @Test
  void ambiguousTargetsAre400FromTheSameEnforcer() {
    CliRun run = run("decide", "--target", "/api/users%2Fsearch");

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out()).contains("\"status\":400", "encoded_separator");
  }

  @Test
  void dataFileChangesTheConfiguration() throws IOException {
    Path data =
        Files.writeString(
            dir.resolve("data.json"),
            "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true}}}}");

    assertThat(run("decide", "--target", "/api/server/version", "--data", data.toString()).out())
        .contains("\"status\":401");
  }

  @Test
  void usageAndLoadErrorsExit2WithAClearMessage() throws IOException {
    assertThat(run("decide").code()).isEqualTo(2);
    assertThat(run("decide").err()).contains("--target");
    assertThat(run().code()).isEqualTo(2);
    assertThat(run("decide", "--target", "/x", "--credential-valid", "maybe").code()).isEqualTo(2);

    Path typo =
        Files.writeString(
            dir.resolve("typo.json"),
            "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mod\":true}}}}");
    CliRun typoRun = run("decide", "--target", "/x", "--data", typo.toString());
    assertThat(typoRun.code()).isEqualTo(2);
    assertThat(typoRun.err())
        .contains("Unknown policy configuration key 'strict_mod'", "strict_mode");
    assertThat(typoRun.out()).isEmpty();

    Path notWasm = Files.writeString(dir.resolve("policy.wasm"), "not wasm");
    CliRun badPolicy = run("decide", "--target", "/x", "--policy", notWasm.toString());
    assertThat(badPolicy.code()).isEqualTo(2);
    assertThat(badPolicy.err()).contains("cannot load the policy", "policy.wasm");

    assertThat(
            run("decide", "--target", "/x", "--data", dir.resolve("missing.json").toString())
                .code())
        .isEqualTo(2);
  }

  @Test
  void verifySonarqubeAsksSonarQube() throws IOException {
    try (FakeSonarQube sonar =
        FakeSonarQube.builder().reply(SQP + ":", FakeSonarQube.Reply.VALID).start()) {
      CliRun run =
          run(
              "decide",
              "--target",
              "/api/settings/values.protobuf?component=demo",
              "--header",
              "Authorization: Bearer " + SQP,
              "--verify",
              "sonarqube=" + sonar.baseUri());

      assertThat(run.code()).isZero();
      assertThat(run.out()).contains("\"allow\":true");
      // one validation, carrying the token as a Basic user with an empty password
      assertThat(sonar.validations()).isEqualTo(1);
      assertThat(sonar.calls(SQP + ":")).isEqualTo(1);
    }
  }

  @Test
  void verifyIsExclusiveWithCredentialValidAndChecksItsValue() throws IOException {
    Path tokens =
        Files.writeString(
            dir.resolve("tokens.sha256"), StaticCredentialVerifier.fileEntry(SQP) + "\n");

    CliRun both =
        run(
            "decide",
            "--target",
            "/x",
            "--verify",
            "static=" + tokens,
            "--credential-valid",
            "true");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("--verify and --credential-valid are mutually exclusive");
    assertThat(both.out()).isEmpty();

    for (String bad : new String[] {"ldap=x", "static=", "sonarqube", "sonarqube=ftp://host"}) {
      CliRun run = run("decide", "--target", "/x", "--verify", bad);
      assertThat(run.code()).as(bad).isEqualTo(2);
      assertThat(run.err()).as(bad).contains("--verify");
    }

    Path broken = Files.writeString(dir.resolve("broken.sha256"), "# ok\n" + SQP + "\n");
    CliRun brokenRun = run("decide", "--target", "/x", "--verify", "static=" + broken);
    assertThat(brokenRun.code()).isEqualTo(2);
    assertThat(brokenRun.err())
        .contains("Line 2 of the static credentials file " + broken)
        .doesNotContain(SQP);
    assertThat(
            run("decide", "--target", "/x", "--verify", "static=" + dir.resolve("missing")).code())
        .isEqualTo(2);
  }

  @Test
  void verifyTakesTheGatewaysValues() {
    assertThat(
            run(
                    "decide",
                    "--target",
                    "/api/plugins/installed",
                    "--header",
                    "Authorization: Bearer " + SQP,
                    "--verify",
                    "none")
                .out())
        .contains("\"status\":401", "credential_unverified");
    CliRun noUrl = run("decide", "--target", "/x", "--verify", "sonarqube");
    assertThat(noUrl.code()).isEqualTo(2);
    assertThat(noUrl.err()).contains("sonarqube=URL");
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static String basic(String userAndPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aRemoteOpaDecidesAtTheEntrypointsPath() throws IOException {
    List<String> asked = new CopyOnWriteArrayList<>();
    HttpServer opa = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    opa.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          asked.add(exchange.getRequestURI().getPath() + " " + body);
          byte[] answer =
              "{\"result\":{\"allow\":false,\"status\":403,\"reasons\":[\"central\"]}}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    opa.start();
    try {
      CliRun run =
          run(
              "decide",
              "--target",
              "/api/server/version",
              "--engine",
              "remote=http://127.0.0.1:" + opa.getAddress().getPort(),
              "--entrypoint",
              "team/decision");

      assertThat(run.code()).isEqualTo(PortcullisCli.DENIED);
      assertThat(run.out()).contains("\"reasons\":[\"central\"]").contains("\"status\":403");
      assertThat(asked).hasSize(1);
      assertThat(asked.get(0)).startsWith("/v1/data/team/decision {\"input\":{\"request\":");
    } finally {
      opa.stop(0);
    }
  }

  @Test
  void aRemoteOpaTakesNoLocalPolicyOrData() throws IOException {
    Path data = Files.writeString(dir.resolve("data.json"), "{}");

    CliRun run =
        run(
            "decide",
            "--target",
            "/api/server/version",
            "--engine",
            "remote=http://127.0.0.1:8181",
            "--data",
            data.toString());

    assertThat(run.code()).isEqualTo(PortcullisCli.USAGE_OR_LOAD_ERROR);
    assertThat(run.err()).contains("--policy and --data are for the embedded engine");
    assertThat(run("decide", "--target", "/", "--engine", "remote").code())
        .isEqualTo(PortcullisCli.USAGE_OR_LOAD_ERROR);
  }
}
