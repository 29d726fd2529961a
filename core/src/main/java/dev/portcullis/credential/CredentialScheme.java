package dev.portcullis.credential;

/** How a credential travelled in the {@code Authorization} header. */
public enum CredentialScheme {
  BASIC("basic"),
  BEARER("bearer"),
  /** A scheme Portcullis does not interpret, such as Digest or Negotiate. */
  OTHER("other"),
  NONE("none");

  private final String wireName;

  CredentialScheme(String wireName) {
    this.wireName = wireName;
  }

  /** The value used in the policy input. */
  public String wireName() {
    return wireName;
  }
}
