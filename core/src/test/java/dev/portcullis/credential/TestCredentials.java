package dev.portcullis.credential;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Credentials as a request carries them, for the verifier tests. */
final class TestCredentials {

  static final String VALID_TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";
  static final String INVALID_TOKEN = "sqp_ffffffffffffffffffffffffffffffffffffffff";

  private TestCredentials() {}

  static Credential bearer(String token) {
    return Credential.parse(List.of("Bearer " + token));
  }

  static Credential basicToken(String token) {
    return basic(token, "");
  }

  static Credential basic(String user, String password) {
    return Credential.parse(
        List.of(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))));
  }
}
