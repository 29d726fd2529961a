package dev.portcullis.spi;

import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;

/**
 * Names the kind of a token credential from its scheme and secret, such as a product's token
 * prefix, for {@code credential.kind} in the policy input. The parser itself names a missing
 * credential {@link CredentialKind#NONE} and a user name with a password {@link
 * CredentialKind#PASSWORD}; every other credential is a token and comes here.
 *
 * <p>Implementations must be thread-safe and fast (they run on every request with a credential),
 * must look at the shape of the secret only, and must never log it. An exception, {@code null},
 * {@code NONE} or {@code PASSWORD} makes the request a 500 deny.
 */
@FunctionalInterface
public interface CredentialClassifier {

  /**
   * Names every token {@link CredentialKind#OTHER_TOKEN}: for a profile whose tokens have no
   * telling shape.
   */
  CredentialClassifier GENERIC = (scheme, secret) -> CredentialKind.OTHER_TOKEN;

  /**
   * The kind of a token.
   *
   * @param scheme {@code BEARER}, {@code BASIC} (a token sent as the user name with an empty
   *     password), or {@code OTHER} for a scheme Portcullis does not interpret
   * @param secret the token, or for {@code OTHER} the rest of the header after the scheme
   */
  CredentialKind classify(CredentialScheme scheme, String secret);
}
