package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.PolicyLoadException;
import org.junit.jupiter.api.Test;

class SonarQubePolicyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void defaultsAreTheShippedDataDocument() throws Exception {
    JsonNode config = JSON.readTree(SonarQubePolicy.data(null)).at("/portcullis/sonarqube/config");

    assertThat(config.path("strict_mode").asBoolean(true)).isFalse();
    assertThat(config.path("accept_unverified_credentials").asBoolean(true)).isFalse();
    assertThat(config.path("allowed_credential_kinds").toString()).isEqualTo("[\"sqp\",\"sqa\",\"squ\"]");
  }

  @Test
  void userConfigIsMergedOverTheDefaults() throws Exception {
    String data = SonarQubePolicy.data(
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true,\"allowed_project_keys\":[\"team-*\"]}}},"
            + "\"mine\":{\"x\":1}}");
    JsonNode merged = JSON.readTree(data);

    assertThat(merged.at("/portcullis/sonarqube/config/strict_mode").asBoolean()).isTrue();
    assertThat(merged.at("/portcullis/sonarqube/config/allowed_project_keys/0").asText()).isEqualTo("team-*");
    assertThat(merged.at("/portcullis/sonarqube/config/max_report_bytes").asLong()).isEqualTo(1073741824L);
    assertThat(merged.at("/mine/x").asInt()).isEqualTo(1);
  }

  @Test
  void typosAndWrongTypesFailAtLoad() {
    assertThatThrownBy(() -> SonarQubePolicy.data("{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mod\":true}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("Unknown policy configuration key 'strict_mod'")
        .hasMessageContaining("strict_mode");
    assertThatThrownBy(() -> SonarQubePolicy.data("{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":\"yes\"}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("'strict_mode' must be a boolean");
    assertThatThrownBy(() -> SonarQubePolicy.data("{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[1]}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("list of strings");
    assertThatThrownBy(() -> SonarQubePolicy.data("{\"portcullis\":{\"sonarqube\":{\"config\":[]}}}"))
        .isInstanceOf(PolicyLoadException.class);
    assertThatThrownBy(() -> SonarQubePolicy.data("[]")).isInstanceOf(PolicyLoadException.class);
    assertThatThrownBy(() -> SonarQubePolicy.data("{")).isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("not valid JSON");
  }
}
