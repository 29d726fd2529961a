package dev.portcullis;

/**
 * What kind of SonarQube credential a request carries, told by the token prefix.
 *
 * <p>The kind is derived from the credential's shape only; whether it is genuine is {@link
 * CredentialValidity}'s business.
 */
public enum CredentialKind {
  /** {@code squ_}: a user token with all of its owner's rights. */
  USER_TOKEN("squ"),
  /** {@code sqa_}: a global analysis token. */
  GLOBAL_ANALYSIS_TOKEN("sqa"),
  /** {@code sqp_}: a project analysis token, the narrowest a pipeline gets. */
  PROJECT_ANALYSIS_TOKEN("sqp"),
  /** {@code sqb_}: a badge token; scanners never use one. */
  BADGE_TOKEN("sqb"),
  /** Any other token, such as a legacy unprefixed one. */
  OTHER_TOKEN("other"),
  /** HTTP Basic with a user name and a non-empty password. */
  PASSWORD("password"),
  NONE("none");

  private final String wireName;

  CredentialKind(String wireName) {
    this.wireName = wireName;
  }

  /** The value used in the policy input. */
  public String wireName() {
    return wireName;
  }

  /** The kind of a token, told by its prefix. */
  public static CredentialKind ofToken(String token) {
    if (token.startsWith("squ_")) {
      return USER_TOKEN;
    }
    if (token.startsWith("sqa_")) {
      return GLOBAL_ANALYSIS_TOKEN;
    }
    if (token.startsWith("sqp_")) {
      return PROJECT_ANALYSIS_TOKEN;
    }
    if (token.startsWith("sqb_")) {
      return BADGE_TOKEN;
    }
    return OTHER_TOKEN;
  }
}
