package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.spi.CredentialVerifier;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The one {@code --verify} grammar of the gateways and the CLI. */
class CredentialCheckTest {

  private static final URI UPSTREAM = URI.create("http://127.0.0.1:9000");

  @Test
  void everyValue() {
    assertThat(CredentialCheck.parse("sonarqube")).isEqualTo(CredentialCheck.SONARQUBE);
    assertThat(CredentialCheck.parse("none")).isEqualTo(CredentialCheck.NONE);
    assertThat(CredentialCheck.parse("static=/etc/tokens"))
        .isEqualTo(new CredentialCheck(CredentialCheck.Mode.STATIC, Path.of("/etc/tokens")));
    assertThat(CredentialCheck.parse("sonarqube=https://sonar.example/sonarqube"))
        .isEqualTo(
            new CredentialCheck(
                CredentialCheck.Mode.SONARQUBE,
                null,
                URI.create("https://sonar.example/sonarqube")));
  }

  @Test
  void sonarQubeIsTheUpstreamUnlessAUrlIsGiven() {
    assertThat(CredentialCheck.SONARQUBE.sonarQubeOr(UPSTREAM)).isEqualTo(UPSTREAM);
    assertThat(CredentialCheck.parse("sonarqube=http://sonar:9000").sonarQubeOr(UPSTREAM))
        .isEqualTo(URI.create("http://sonar:9000"));
    assertThatThrownBy(() -> CredentialCheck.SONARQUBE.verifier(null))
        .hasMessageContaining("sonarqube=URL");
    assertThat(CredentialCheck.NONE.verifier(null)).isSameAs(CredentialVerifier.NONE);
  }

  @Test
  void badValuesNameTheOption() {
    for (String bad :
        new String[] {"ldap", "static=", "sonarqube=", "sonarqube=http://a b", "Sonarqube"}) {
      assertThatThrownBy(() -> CredentialCheck.parse(bad)).as(bad).hasMessageContaining("--verify");
    }
    assertThatThrownBy(() -> CredentialCheck.parse("sonarqube=ftp://sonar").verifier(UPSTREAM))
        .hasMessageContaining("--verify");
  }
}
