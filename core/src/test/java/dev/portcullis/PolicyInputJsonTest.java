package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.CredentialClassifier;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Pins the policy input document to the golden file that the Rego tests load too, so Java and Rego
 * cannot drift apart. Each case builds the raw request the golden file describes and runs it
 * through the real enforcer.
 */
class PolicyInputJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SQP = "sqp_0123456789abcdef0123456789abcdef01234567";
  private static final String SQA = "sqa_0123456789abcdef0123456789abcdef01234567";
  private static final String SQU = "squ_0123456789abcdef0123456789abcdef01234567";

  /**
   * Names a token by what comes before its first '_', as the SonarQube profile does for its
   * prefixes.
   */
  private static final CredentialClassifier PREFIX =
      (scheme, secret) ->
          secret.indexOf('_') > 0
              ? new CredentialKind(secret.substring(0, secret.indexOf('_')))
              : CredentialKind.OTHER_TOKEN;

  @Test
  void scannerSettings() throws IOException {
    RawRequest request =
        RawRequest.of("GET", "/api/settings/values.protobuf?component=demo", "203.0.113.7")
            .withHeader("Host", "sonar.example.com")
            .withHeader("Accept", "application/x-protobuf")
            .withHeader("User-Agent", "ScannerCLI/8.1.0.6389")
            .withHeader("Authorization", basic(SQP + ":"));

    assertMatchesGolden("scanner_settings", request, CredentialValidity.VALID);
  }

  @Test
  void anonymousServerVersion() throws IOException {
    RawRequest request =
        RawRequest.of("GET", "/api/server/version", "2001:db8:0:0:0:0:0:7")
            .withHeader("host", "sonar.example.com");

    assertMatchesGolden("anonymous_server_version", request, CredentialValidity.UNKNOWN);
  }

  @Test
  void reportSubmit() throws IOException {
    RawRequest request =
        RawRequest.of(
                "POST",
                "/api/ce/submit?projectKey=demo&characteristic=branch%3Dmain",
                "203.0.113.7")
            .withHeader("Host", "sonar.example.com")
            .withHeader("Accept", "application/x-protobuf")
            .withHeader("Content-Type", "multipart/form-data; boundary=0682e227-c")
            .withHeader("Content-Length", "32264")
            .withHeader("Authorization", basic(SQA + ":"));

    assertMatchesGolden("report_submit", request, CredentialValidity.VALID);
  }

  @Test
  void userDirectory() throws IOException {
    RawRequest request =
        RawRequest.of("GET", "/api/users/search?q=a", "203.0.113.7")
            .withHeader("Host", "sonar.example.com")
            .withHeader("Authorization", "Bearer " + SQP);

    assertMatchesGolden("user_directory", request, CredentialValidity.VALID);
  }

  @Test
  void smuggledFormBody() throws IOException {
    RawRequest request =
        RawRequest.of("GET", "/api/settings/values", "203.0.113.7")
            .withHeader("Host", "sonar.example.com")
            .withHeader("Content-Type", "multipart/form-data; boundary=x")
            .withHeader("Transfer-Encoding", "chunked")
            .withHeader("Authorization", basic(SQA + ":"));

    assertMatchesGolden("smuggled_form_body", request, CredentialValidity.VALID);
  }

  @Test
  void wrongToken() throws IOException {
    RawRequest request =
        RawRequest.of("GET", "/api/plugins/installed", "203.0.113.7")
            .withHeader("Host", "sonar.example.com")
            .withHeader("Authorization", "Bearer " + SQU);

    assertMatchesGolden("wrong_token", request, CredentialValidity.INVALID);
  }

  @Test
  void escapesEveryStringSafely() throws IOException {
    RawRequest request =
        RawRequest.of("GET", "/api/x?q=%22%5C%E2%9C%93%F0%9F%98%80", "203.0.113.7")
            .withHeader("User-Agent", "a\"b\\c");

    JsonNode written = JSON.readTree(capturedInput(request, CredentialValidity.UNKNOWN));

    assertThat(written.at("/request/query/q/0").asText()).isEqualTo("\"\\✓😀");
    assertThat(written.at("/request/headers/user-agent").asText()).isEqualTo("a\"b\\c");
  }

  @Test
  void neverContainsTheCredential() {
    RawRequest request =
        RawRequest.of("GET", "/api/plugins/installed", "203.0.113.7")
            .withHeader("Authorization", basic(SQP + ":"))
            .withHeader("Cookie", "JWT-SESSION=secret-session")
            .withHeader("X-Sonar-Passcode", "secret-passcode");

    String written = capturedInput(request, CredentialValidity.VALID);

    assertThat(written)
        .doesNotContain(SQP, basic(SQP + ":"), "secret-session", "secret-passcode")
        .contains("\"cookie\"", "\"x-sonar-passcode\"");
  }

  private static void assertMatchesGolden(
      String name, RawRequest request, CredentialValidity validity) throws IOException {
    JsonNode golden = golden().path("portcullis_golden").path(name).path("input");
    assertThat(golden.isMissingNode()).as("golden case %s exists", name).isFalse();

    assertThat(JSON.readTree(capturedInput(request, validity))).isEqualTo(golden);
  }

  private static String capturedInput(RawRequest request, CredentialValidity validity) {
    AtomicReference<String> captured = new AtomicReference<>();
    PolicyEngine capturing =
        new PolicyEngine() {
          @Override
          public Decision evaluate(PolicyInput input) {
            captured.set(input.toJson());
            return Decision.allow(List.of("captured"), "Captured.");
          }

          @Override
          public String describe() {
            return "capturing";
          }
        };
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(capturing)
            .credentialClassifier(PREFIX)
            .credentialVerifier(
                CredentialVerifier.of(credential -> CredentialVerification.asserted(validity)))
            .build();
    Decision decision = enforcer.decide(request, RawRequest.ACCESSOR);
    assertThat(decision.allow()).as("decision %s", decision).isTrue();
    return captured.get();
  }

  static JsonNode golden() throws IOException {
    try (InputStream in =
        PolicyInputJsonTest.class.getResourceAsStream("policy-input-golden.json")) {
      return JSON.readTree(in);
    }
  }

  static String basic(String userAndPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }
}
