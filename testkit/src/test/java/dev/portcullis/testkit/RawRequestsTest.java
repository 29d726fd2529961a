package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The decide command line survives a shell byte for byte. */
class RawRequestsTest {

  @Test
  void printsEveryOptionOfTheRequest() {
    RawRequest request =
        RawRequest.of("POST", "/api/ce/submit?projectKey=demo", "2001:db8::7")
            .withHeader("Host", "sonar.example.com")
            .withHeader("Authorization", "Bearer sqp_fake");

    assertThat(RawRequests.toDecideCommand(request, CredentialValidity.INVALID))
        .isEqualTo(
            "java -jar portcullis-cli.jar decide --method 'POST' --target '/api/ce/submit?projectKey=demo'"
                + " --header 'Host: sonar.example.com' --header 'Authorization: Bearer sqp_fake'"
                + " --client-ip '2001:db8::7' --credential-valid false");
    assertThat(RawRequests.toDecideCommand(request)).doesNotContain("--credential-valid");
  }

  @Test
  void hostileTargetsSurviveTheShell() throws Exception {
    List<String> values =
        List.of(
            "/api/users/search?q=it's",
            "/a b/%2e%2e/\\x",
            "/api/$(touch /tmp/pwned)`id`",
            "/tab\there",
            "/caf\u00e9",
            "/quote\\'s\r\n");
    for (String value : values) {
      assertThat(echoedByBash(RawRequests.quote(value))).isEqualTo(value);
    }
  }

  @Test
  void changesOneThingAtATime() {
    RawRequest request =
        RawRequest.of("GET", "/x", "10.0.0.1")
            .withHeader("authorization", "Bearer a")
            .withHeader("Host", "h");

    RawRequest changed =
        RawRequests.withHeaderReplaced(
            RawRequests.withClientIp(RawRequests.withMethod(request, "PUT"), "10.0.0.2"),
            "Authorization",
            "Bearer b");

    assertThat(changed.method()).isEqualTo("PUT");
    assertThat(changed.remoteAddress()).isEqualTo("10.0.0.2");
    assertThat(RawRequest.ACCESSOR.headerValues(changed, "Authorization"))
        .containsExactly("Bearer b");
    assertThat(RawRequests.withoutHeader(changed, "HOST").headers())
        .containsOnlyKeys("Authorization");
  }

  private static String echoedByBash(String quoted) throws IOException, InterruptedException {
    Process bash = new ProcessBuilder("bash", "-c", "printf '%s' " + quoted).start();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).isZero();
    return out;
  }
}
