package dev.portcullis.credential;

/** Whether a credential was verified, and how that came out. */
public enum CredentialValidity {
  VALID("valid"),
  INVALID("invalid"),
  /** Nobody verified it (or there is none). */
  UNKNOWN("unknown");

  private final String wireName;

  CredentialValidity(String wireName) {
    this.wireName = wireName;
  }

  /** The value used in the policy input. */
  public String wireName() {
    return wireName;
  }
}
