package dev.portcullis.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.RequestRejectedException;
import dev.portcullis.spi.CredentialClassifier;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialTest {

  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";

  /** Names a token by what comes before its first '_', as a product profile might. */
  private static final CredentialClassifier PREFIX =
      (scheme, secret) ->
          secret.indexOf('_') > 0
              ? new CredentialKind(secret.substring(0, secret.indexOf('_')))
              : CredentialKind.OTHER_TOKEN;

  @Test
  void noHeaderIsNoCredential() {
    Credential credential = Credential.parse(List.of());

    assertThat(credential.present()).isFalse();
    assertThat(credential.scheme()).isEqualTo(CredentialScheme.NONE);
    assertThat(credential.kind()).isEqualTo(CredentialKind.NONE);
  }

  @Test
  void tokensAreOtherUnlessAClassifierNamesThem() {
    assertThat(Credential.parse(List.of("Bearer " + TOKEN)).kind())
        .isEqualTo(CredentialKind.OTHER_TOKEN);
    assertThat(Credential.parse(List.of(basic(TOKEN + ":"))).kind())
        .isEqualTo(CredentialKind.OTHER_TOKEN);
    assertThat(Credential.parse(List.of("Bearer nx_1"), PREFIX).kind())
        .isEqualTo(new CredentialKind("nx"));
    assertThat(Credential.parse(List.of(basic("nx_1:")), PREFIX).kind())
        .isEqualTo(new CredentialKind("nx"));
    assertThat(Credential.parse(List.of(basic("nx_1:password")), PREFIX).kind())
        .isEqualTo(CredentialKind.PASSWORD);
    assertThat(Credential.parse(List.of("Negotiate nx_1"), PREFIX).kind())
        .isEqualTo(new CredentialKind("nx"));
  }

  @Test
  void aClassifierCannotNameATokenAPasswordOrNothing() {
    for (CredentialKind wrong :
        new CredentialKind[] {CredentialKind.PASSWORD, CredentialKind.NONE, null}) {
      CredentialClassifier classifier = (scheme, secret) -> wrong;
      assertThatThrownBy(() -> Credential.parse(List.of("Bearer " + TOKEN), classifier))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageNotContaining(TOKEN);
    }
    assertThatThrownBy(() -> new CredentialKind("Sqp"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CredentialKind("")).isInstanceOf(IllegalArgumentException.class);
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
    assertRejected(
        List.of("Basic " + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, ':'})),
        "malformed_authorization");
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
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.status()).isEqualTo(400);
            });
  }

  private static String basic(String userAndPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }
}
