package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialTest {

  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";

  @Test
  void noHeaderIsNoCredential() {
    Credential credential = Credential.parse(List.of());

    assertThat(credential.present()).isFalse();
    assertThat(credential.scheme()).isEqualTo(CredentialScheme.NONE);
    assertThat(credential.kind()).isEqualTo(CredentialKind.NONE);
  }

  @Test
  void bearerTokenIsClassifiedByPrefix() {
    assertThat(Credential.parse(List.of("Bearer " + TOKEN)).kind()).isEqualTo(CredentialKind.PROJECT_ANALYSIS_TOKEN);
    assertThat(Credential.parse(List.of("bearer sqa_1")).kind()).isEqualTo(CredentialKind.GLOBAL_ANALYSIS_TOKEN);
    assertThat(Credential.parse(List.of("Bearer squ_1")).kind()).isEqualTo(CredentialKind.USER_TOKEN);
    assertThat(Credential.parse(List.of("Bearer sqb_1")).kind()).isEqualTo(CredentialKind.BADGE_TOKEN);
    assertThat(Credential.parse(List.of("Bearer 0123abcd")).kind()).isEqualTo(CredentialKind.OTHER_TOKEN);
    assertThat(Credential.parse(List.of("Bearer " + TOKEN)).secret()).isEqualTo(TOKEN);
  }

  @Test
  void basicWithEmptyPasswordIsTheTokenScannersSend() {
    Credential credential = Credential.parse(List.of(basic(TOKEN + ":")));

    assertThat(credential.scheme()).isEqualTo(CredentialScheme.BASIC);
    assertThat(credential.kind()).isEqualTo(CredentialKind.PROJECT_ANALYSIS_TOKEN);
    assertThat(credential.secret()).isEqualTo(TOKEN);
  }

  @Test
  void basicWithPasswordIsAPassword() {
    Credential credential = Credential.parse(List.of(basic("admin:s3cr:et")));

    assertThat(credential.kind()).isEqualTo(CredentialKind.PASSWORD);
    assertThat(credential.user()).isEqualTo("admin");
    assertThat(credential.secret()).isEqualTo("s3cr:et");
  }

  @Test
  void otherSchemesAreKeptUninterpreted() {
    Credential credential = Credential.parse(List.of("Negotiate YIIabc"));

    assertThat(credential.scheme()).isEqualTo(CredentialScheme.OTHER);
    assertThat(credential.present()).isTrue();
  }

  @Test
  void malformedHeadersAreRejectedWith400() {
    assertRejected(List.of("Bearer"), "malformed_authorization");
    assertRejected(List.of("Bearer a b"), "malformed_authorization");
    assertRejected(List.of("Basic !!!"), "malformed_authorization");
    assertRejected(List.of(basic("no-colon")), "malformed_authorization");
    assertRejected(List.of(basic(":password")), "malformed_authorization");
    assertRejected(List.of("Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, ':'})), "malformed_authorization");
    assertRejected(List.of(""), "malformed_authorization");
    assertRejected(List.of("Bearer a", "Bearer b"), "multiple_authorization_headers");
  }

  @Test
  void neverShowsTheSecret() {
    Credential credential = Credential.parse(List.of("Bearer " + TOKEN));

    assertThat(credential.toString()).doesNotContain(TOKEN).contains("redacted");
    assertThatThrownBy(() -> Credential.parse(List.of("Bearer " + TOKEN + " extra")))
        .hasMessageNotContaining(TOKEN);
  }

  private static void assertRejected(List<String> headers, String reason) {
    assertThatThrownBy(() -> Credential.parse(headers))
        .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.status()).isEqualTo(400);
        });
  }

  private static String basic(String userAndPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }
}
