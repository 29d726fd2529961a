package dev.portcullis.credential;

import dev.portcullis.RequestRejectedException;
import dev.portcullis.spi.CredentialClassifier;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The credential a request carries in its {@code Authorization} header: {@code Bearer <token>},
 * HTTP Basic with the token as user name and an empty password (how many command-line clients send
 * a token), HTTP Basic with a user name and a password, or another scheme kept uninterpreted.
 *
 * <p>This is a class, not a record, on purpose: its secret must never appear in {@code toString()},
 * and it offers no {@code equals} that would compare secrets in variable time. Hand the secret only
 * to a credential verifier.
 */
public final class Credential {

  /** The absence of a credential. */
  public static final Credential NONE =
      new Credential(CredentialScheme.NONE, CredentialKind.NONE, "", "");

  private final CredentialScheme scheme;
  private final CredentialKind kind;
  private final String user;
  private final String secret;

  private Credential(CredentialScheme scheme, CredentialKind kind, String user, String secret) {
    this.scheme = scheme;
    this.kind = kind;
    this.user = user;
    this.secret = secret;
  }

  /**
   * Parses the values of the request's {@code Authorization} headers, naming every token {@link
   * CredentialKind#OTHER_TOKEN} ({@link CredentialClassifier#GENERIC}).
   *
   * @throws RequestRejectedException (400) when there is more than one header or a Basic credential
   *     is not valid base64 of {@code user:password} in UTF-8
   */
  public static Credential parse(List<String> authorizationValues) {
    return parse(authorizationValues, CredentialClassifier.GENERIC);
  }

  /**
   * Parses the values of the request's {@code Authorization} headers; {@code classifier} names the
   * kind of a token.
   *
   * @throws RequestRejectedException (400) when there is more than one header or a Basic credential
   *     is not valid base64 of {@code user:password} in UTF-8
   * @throws IllegalStateException when the classifier names no kind, {@code none} or {@code
   *     password}
   */
  public static Credential parse(
      List<String> authorizationValues, CredentialClassifier classifier) {
    Objects.requireNonNull(authorizationValues, "authorizationValues");
    Objects.requireNonNull(classifier, "classifier");
    if (authorizationValues.isEmpty()) {
      return NONE;
    }
    if (authorizationValues.size() > 1) {
      throw new RequestRejectedException(
          400,
          "multiple_authorization_headers",
          "The request has more than one Authorization header.");
    }
    String header = authorizationValues.get(0).strip();
    int space = header.indexOf(' ');
    String scheme = space < 0 ? header : header.substring(0, space);
    String rest = space < 0 ? "" : header.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return bearer(rest, classifier);
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      return basic(rest, classifier);
    }
    if (scheme.isEmpty()) {
      throw malformed("The Authorization header is empty.");
    }
    return token(CredentialScheme.OTHER, rest, classifier);
  }

  private static Credential bearer(String token, CredentialClassifier classifier) {
    if (token.isEmpty() || token.indexOf(' ') >= 0) {
      throw malformed("The Bearer credential must be exactly one token.");
    }
    return token(CredentialScheme.BEARER, token, classifier);
  }

  private static Credential token(
      CredentialScheme scheme, String token, CredentialClassifier classifier) {
    CredentialKind kind = classifier.classify(scheme, token);
    if (kind == null || kind.equals(CredentialKind.NONE) || kind.equals(CredentialKind.PASSWORD)) {
      throw new IllegalStateException(
          "the credential classifier "
              + classifier.getClass().getName()
              + " named a token '"
              + (kind == null ? "null" : kind.wireName())
              + "'; a token is never that");
    }
    return new Credential(scheme, kind, "", token);
  }

  private static Credential basic(String encoded, CredentialClassifier classifier) {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw malformed("The Basic credential is not valid base64.");
    }
    String userAndPassword;
    try {
      userAndPassword =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(decoded))
              .toString();
    } catch (CharacterCodingException e) {
      throw malformed("The Basic credential is not valid UTF-8.");
    }
    int colon = userAndPassword.indexOf(':');
    if (colon <= 0) {
      throw malformed("The Basic credential must be 'user:password' or 'token:'.");
    }
    String user = userAndPassword.substring(0, colon);
    String password = userAndPassword.substring(colon + 1);
    if (password.isEmpty()) {
      return token(CredentialScheme.BASIC, user, classifier);
    }
    return new Credential(CredentialScheme.BASIC, CredentialKind.PASSWORD, user, password);
  }

  private static RequestRejectedException malformed(String message) {
    return new RequestRejectedException(400, "malformed_authorization", message);
  }

  public boolean present() {
    return scheme != CredentialScheme.NONE;
  }

  public CredentialScheme scheme() {
    return scheme;
  }

  public CredentialKind kind() {
    return kind;
  }

  /** The user name of a {@link CredentialKind#PASSWORD} credential; empty for tokens. */
  public String user() {
    return user;
  }

  /** The token, or the password of a {@link CredentialKind#PASSWORD} credential. Never log it. */
  public String secret() {
    return secret;
  }

  @Override
  public String toString() {
    return "Credential[scheme="
        + scheme.wireName()
        + ", kind="
        + kind.wireName()
        + ", secret=<redacted>]";
  }
}
