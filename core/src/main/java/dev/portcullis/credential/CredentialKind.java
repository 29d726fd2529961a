package dev.portcullis.credential;

import java.util.Objects;

/**
 * What kind of credential a request carries, as the policy input names it ({@code
 * credential.kind}): a password, no credential, or a token whose kind a {@link
 * dev.portcullis.spi.CredentialClassifier} tells from its shape, such as a product's token prefix.
 * The kind says nothing about whether the credential is genuine; that is {@link
 * CredentialValidity}'s business.
 *
 * @param wireName the value in the policy input: lower-case letters, digits and {@code _}, at most
 *     32
 */
public record CredentialKind(String wireName) {

  /** A token no classifier recognized, such as a legacy unprefixed one; every token by default. */
  public static final CredentialKind OTHER_TOKEN = new CredentialKind("other");

  /** HTTP Basic with a user name and a non-empty password. */
  public static final CredentialKind PASSWORD = new CredentialKind("password");

  /** No credential at all. */
  public static final CredentialKind NONE = new CredentialKind("none");

  public CredentialKind {
    Objects.requireNonNull(wireName, "wireName");
    if (wireName.isEmpty()
        || wireName.length() > 32
        || !wireName
            .chars()
            .allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      throw new IllegalArgumentException(
          "a credential kind is 1 to 32 lower-case letters, digits or '_', not '" + wireName + "'");
    }
  }
}
