package dev.portcullis.credential;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A cache key that stands for a credential without holding it: SHA-256 over a per-cache random salt
 * and a domain-separated encoding of what identifies the credential to the verifier behind the
 * cache.
 *
 * <p>A token is identified by its value alone, so {@code Bearer t} and {@code Basic base64(t:)}
 * share a key; a password credential by its user and password; a credential in another scheme by
 * its raw value, apart from tokens. Fields are length-prefixed, so no two different credentials
 * encode alike. The salt keeps a heap dump's keys from being matched against precomputed hashes of
 * guessable passwords.
 */
final class CredentialDigest {

  /** One per thread: looking the algorithm up costs as much as the digest of a token. */
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required of every Java platform", e);
            }
          });

  private final byte[] digest;

  private CredentialDigest(byte[] digest) {
    this.digest = digest;
  }

  static CredentialDigest of(Credential credential, byte[] salt) {
    ByteArrayOutputStream encoded = new ByteArrayOutputStream(128);
    encoded.writeBytes(salt);
    if (credential.scheme() != CredentialScheme.BEARER
        && credential.scheme() != CredentialScheme.BASIC) {
      label(encoded, "other");
      field(encoded, credential.scheme().wireName());
      field(encoded, credential.secret());
    } else if (credential.kind().equals(CredentialKind.PASSWORD)) {
      label(encoded, "password");
      field(encoded, credential.user());
      field(encoded, credential.secret());
    } else {
      label(encoded, "token");
      field(encoded, credential.secret());
    }
    return new CredentialDigest(SHA_256.get().digest(encoded.toByteArray()));
  }

  private static void label(ByteArrayOutputStream out, String label) {
    out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    out.write(0);
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    int length = bytes.length;
    out.write(length >>> 24);
    out.write(length >>> 16);
    out.write(length >>> 8);
    out.write(length);
    out.writeBytes(bytes);
  }

  /** A copy of the 32 digest bytes. */
  byte[] bytes() {
    return digest.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CredentialDigest
        && MessageDigest.isEqual(digest, ((CredentialDigest) other).digest);
  }

  @Override
  public int hashCode() {
    return (digest[0] & 0xff) << 24
        | (digest[1] & 0xff) << 16
        | (digest[2] & 0xff) << 8
        | (digest[3] & 0xff);
  }

  /** The first bytes of the digest in hex, enough to tell entries apart in a debugger. */
  @Override
  public String toString() {
    StringBuilder hex = new StringBuilder("CredentialDigest[");
    for (int i = 0; i < 6; i++) {
      hex.append(Character.forDigit((digest[i] >> 4) & 0xf, 16))
          .append(Character.forDigit(digest[i] & 0xf, 16));
    }
    return hex.append("...]").toString();
  }
}
