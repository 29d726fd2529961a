package dev.portcullis.policies;

import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.spi.CredentialClassifier;
import java.util.List;

/**
 * Tells SonarQube's tokens apart by their prefix ({@code squ_}, {@code sqa_}, {@code sqp_}, {@code
 * sqb_}), for {@code credential.kind} in the policy input. A token without one, or one in a scheme
 * Portcullis does not interpret, is {@link CredentialKind#OTHER_TOKEN}.
 *
 * <p>Thread-safe: stateless.
 */
public final class SonarQubeCredentialClassifier implements CredentialClassifier {

  /** {@code squ_}: a user token with all of its owner's rights. */
  public static final CredentialKind USER_TOKEN = new CredentialKind("squ");

  /** {@code sqa_}: a global analysis token. */
  public static final CredentialKind GLOBAL_ANALYSIS_TOKEN = new CredentialKind("sqa");

  /** {@code sqp_}: a project analysis token, the narrowest a pipeline gets. */
  public static final CredentialKind PROJECT_ANALYSIS_TOKEN = new CredentialKind("sqp");

  /** {@code sqb_}: a badge token; scanners never use one. */
  public static final CredentialKind BADGE_TOKEN = new CredentialKind("sqb");

  /** Every kind the SonarQube policy knows, SonarQube's tokens first. */
  public static final List<CredentialKind> KINDS =
      List.of(
          USER_TOKEN,
          GLOBAL_ANALYSIS_TOKEN,
          PROJECT_ANALYSIS_TOKEN,
          BADGE_TOKEN,
          CredentialKind.OTHER_TOKEN,
          CredentialKind.PASSWORD,
          CredentialKind.NONE);

  /** The classifier. */
  public static final SonarQubeCredentialClassifier INSTANCE = new SonarQubeCredentialClassifier();

  private SonarQubeCredentialClassifier() {}

  @Override
  public CredentialKind classify(CredentialScheme scheme, String secret) {
    if (scheme == CredentialScheme.OTHER) {
      return CredentialKind.OTHER_TOKEN;
    }
    if (secret.startsWith("squ_")) {
      return USER_TOKEN;
    }
    if (secret.startsWith("sqa_")) {
      return GLOBAL_ANALYSIS_TOKEN;
    }
    if (secret.startsWith("sqp_")) {
      return PROJECT_ANALYSIS_TOKEN;
    }
    if (secret.startsWith("sqb_")) {
      return BADGE_TOKEN;
    }
    return CredentialKind.OTHER_TOKEN;
  }

  @Override
  public String toString() {
    return "SonarQubeCredentialClassifier";
  }
}
