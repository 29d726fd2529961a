package dev.portcullis.credential;

import static dev.portcullis.credential.TestCredentials.basic;
import static dev.portcullis.credential.TestCredentials.basicToken;
import static dev.portcullis.credential.TestCredentials.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CredentialDigestProperties {

  private static final byte[] SALT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @Property(tries = 200)
  void bearerAndBasicFormsOfATokenAreOneKey(@ForAll("tokens") String token) {
    assertThat(digest(bearer(token))).isEqualTo(digest(basicToken(token)));
    assertThat(digest(bearer(token)).hashCode()).isEqualTo(digest(basicToken(token)).hashCode());
  }

  @Property(tries = 200)
  void differentTokensAreDifferentKeys(
      @ForAll("tokens") String one, @ForAll("tokens") String other) {
    Assume.that(!one.equals(other));
    assertThat(digest(bearer(one))).isNotEqualTo(digest(bearer(other)));
  }

  @Property(tries = 200)
  void passwordsAreSeparatedFromTokensAndFromEachOther(
      @ForAll("users") String user,
      @ForAll("passwords") String password,
      @ForAll("users") String otherUser) {
    CredentialDigest key = digest(basic(user, password));
    assertThat(key).isNotEqualTo(digest(bearer(user)));
    if (password.indexOf(':') < 0) {
      // (With a ':' the "token" would parse back into this very user and password.)
      assertThat(key).isNotEqualTo(digest(basicToken(user + password)));
    }
    if (!otherUser.equals(user)) {
      assertThat(key).isNotEqualTo(digest(basic(otherUser, password)));
    }
    // Moving characters between user and password changes the key: fields are length-prefixed.
    if (password.length() > 1 && password.charAt(0) != ':') {
      assertThat(key).isNotEqualTo(digest(basic(user + password.charAt(0), password.substring(1))));
    }
  }

  @Property(tries = 200)
  void otherSchemesAreSeparatedFromTokens(@ForAll("tokens") String token) {
    assertThat(digest(Credential.parse(List.of("Token " + token))))
        .isNotEqualTo(digest(bearer(token)));
  }

  @Property(tries = 200)
  void theSaltChangesEveryKey(@ForAll("tokens") String token) {
    assertThat(
            CredentialDigest.of(
                bearer(token), "fedcba9876543210".getBytes(StandardCharsets.US_ASCII)))
        .isNotEqualTo(digest(bearer(token)));
  }

  @Property(tries = 200)
  void aKeyShowsNothingOfTheSecret(@ForAll("tokens") String token) {
    CredentialDigest key = digest(bearer(token));
    assertThat(key.bytes()).hasSize(32);
    assertThat(key.toString()).matches("CredentialDigest\\[[0-9a-f]{12}\\.\\.\\.]");
  }

  @Provide
  Arbitrary<String> tokens() {
    Arbitrary<String> body =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('0', '9')
            .withChars('_', '-')
            .ofMinLength(1)
            .ofMaxLength(48);
    return Arbitraries.oneOf(body, body.map(b -> "sqp_" + b), body.map(b -> "squ_" + b));
  }

  @Provide
  Arbitrary<String> users() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withChars('.', 'é')
        .ofMinLength(1)
        .ofMaxLength(12);
  }

  @Provide
  Arbitrary<String> passwords() {
    return Arbitraries.strings()
        .withCharRange('!', '~')
        .withChars(' ', 'ü')
        .ofMinLength(1)
        .ofMaxLength(24);
  }

  private static CredentialDigest digest(Credential credential) {
    return CredentialDigest.of(credential, SALT);
  }
}
