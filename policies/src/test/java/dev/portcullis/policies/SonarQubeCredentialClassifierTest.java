package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SonarQube's token prefixes as credential kinds. */
class SonarQubeCredentialClassifierTest {

  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";
  private static final SonarQubeCredentialClassifier SONARQUBE =
      SonarQubeCredentialClassifier.INSTANCE;

  @Test
  void bearerTokenIsClassifiedByPrefix() {
    assertThat(Credential.parse(List.of("Bearer " + TOKEN), SONARQUBE).kind())
        .isEqualTo(SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN);
    assertThat(Credential.parse(List.of("bearer sqa_1"), SONARQUBE).kind())
        .isEqualTo(SonarQubeCredentialClassifier.GLOBAL_ANALYSIS_TOKEN);
    assertThat(Credential.parse(List.of("Bearer squ_1"), SONARQUBE).kind())
        .isEqualTo(SonarQubeCredentialClassifier.USER_TOKEN);
    assertThat(Credential.parse(List.of("Bearer sqb_1"), SONARQUBE).kind())
        .isEqualTo(SonarQubeCredentialClassifier.BADGE_TOKEN);
    assertThat(Credential.parse(List.of("Bearer 0123abcd"), SONARQUBE).kind())
        .isEqualTo(CredentialKind.OTHER_TOKEN);
    assertThat(Credential.parse(List.of("Bearer " + TOKEN), SONARQUBE).secret()).isEqualTo(TOKEN);
  }

  @Test
  void basicWithEmptyPasswordIsTheTokenScannersSend() {
    Credential credential = Credential.parse(List.of(basic(TOKEN + ":")), SONARQUBE);

    assertThat(credential.scheme()).isEqualTo(CredentialScheme.BASIC);
    assertThat(credential.kind()).isEqualTo(SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN);
    assertThat(credential.secret()).isEqualTo(TOKEN);
  }

  @Test
  void anotherSchemeIsNeverToldByItsPrefix() {
    assertThat(Credential.parse(List.of("Token " + TOKEN), SONARQUBE).kind())
        .isEqualTo(CredentialKind.OTHER_TOKEN);
    assertThat(SONARQUBE.classify(CredentialScheme.OTHER, TOKEN))
        .isEqualTo(CredentialKind.OTHER_TOKEN);
  }

  @Test
  void theKindsAreTheWireNamesThePolicyKnows() {
    assertThat(SonarQubeCredentialClassifier.KINDS)
        .extracting(CredentialKind::wireName)
        .containsExactly("squ", "sqa", "sqp", "sqb", "other", "password", "none");
  }

  private static String basic(String userAndPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }
}
