package dev.portcullis.testkit;

import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A fake credential for tests: its kind, the {@code Authorization} header value a client would send
 * (empty for {@link Kind#NONE}) and the validity a verifier should report for it.
 *
 * <p>Every value is made up by {@link PortcullisArbitraries#credentials}; none is a real secret,
 * which is why {@link #toString()} and {@link RawRequests#toDecideCommand} print it as it is. Never
 * put a real token into a test.
 *
 * @param kind what the credential is
 * @param authorization the {@code Authorization} header value, or "" for {@link Kind#NONE}
 * @param validity what a verifier says about it; {@link CredentialValidity#UNKNOWN} for none
 */
public record TestCredential(Kind kind, String authorization, CredentialValidity validity) {

  /** The kinds of credential a SonarQube client can present. */
  public enum Kind {
    /** {@code sqp_}: a project analysis token, what a pipeline should use. */
    PROJECT_ANALYSIS_TOKEN("sqp_"),
    /** {@code sqa_}: a global analysis token. */
    GLOBAL_ANALYSIS_TOKEN("sqa_"),
    /** {@code squ_}: a user token, with all of its owner's rights. */
    USER_TOKEN("squ_"),
    /** {@code sqb_}: a badge token. */
    BADGE_TOKEN("sqb_"),
    /** A token without a SonarQube prefix (a legacy token). */
    UNPREFIXED_TOKEN(""),
    /** A user name and password, Basic. */
    PASSWORD(""),
    /** No {@code Authorization} header. */
    NONE("");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** The token prefix, such as {@code sqp_}; "" for kinds without one. */
    public String prefix() {
      return prefix;
    }

    /** Whether this kind is a token (sent as Bearer, or Basic with an empty password). */
    public boolean isToken() {
      return this != PASSWORD && this != NONE;
    }
  }

  public TestCredential {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(authorization, "authorization");
    Objects.requireNonNull(validity, "validity");
    if ((kind == Kind.NONE) != authorization.isEmpty()) {
      throw new IllegalArgumentException("only Kind.NONE has no Authorization value");
    }
  }

  /** No credential. */
  public static final TestCredential NONE =
      new TestCredential(Kind.NONE, "", CredentialValidity.UNKNOWN);

  /** A token sent as {@code Authorization: Bearer <token>}. */
  public static TestCredential bearer(Kind kind, String token, CredentialValidity validity) {
    return new TestCredential(kind, "Bearer " + token, validity);
  }

  /**
   * A token sent as SonarQube scanners send it: Basic, the token as the user name and an empty
   * password.
   */
  public static TestCredential basicToken(Kind kind, String token, CredentialValidity validity) {
    return basic(kind, token, "", validity);
  }

  /** A Basic credential of a user name and a password. */
  public static TestCredential basic(
      Kind kind, String user, String password, CredentialValidity validity) {
    String pair = user + ":" + password;
    return new TestCredential(
        kind,
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)),
        validity);
  }

  /** Whether there is a credential at all. */
  public boolean present() {
    return kind != Kind.NONE;
  }

  /**
   * {@code request} with this credential as its only {@code Authorization} header (none for {@link
   * #NONE}).
   */
  public RawRequest applyTo(RawRequest request) {
    RawRequest without = RawRequests.withoutHeader(request, "Authorization");
    return present() ? without.withHeader("Authorization", authorization) : without;
  }
}
