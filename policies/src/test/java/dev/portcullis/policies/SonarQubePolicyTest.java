package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.PolicyInput;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.RawRequest;
import dev.portcullis.spi.PolicyEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SonarQubePolicyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theEnforcerNamesSonarQubesTokensChallengesInItsRealmAndKeepsItsPasscodeSecret() {
    List<PolicyInput> seen = new ArrayList<>();
    PolicyEngine unauthorized =
        new PolicyEngine() {
          @Override
          public Decision evaluate(PolicyInput input) {
            seen.add(input);
            return Decision.deny(401, "credential_invalid", "No.");
          }

          @Override
          public String describe() {
            return "unauthorized";
          }
        };
    RawRequest request =
        RawRequest.of("GET", "/api/server/version", "203.0.113.7")
            .withHeader("Authorization", "Bearer sqa_0123456789abcdef0123456789abcdef01234567");

    Decision decision =
        SonarQubePolicy.enforcer(unauthorized).build().decide(request, RawRequest.ACCESSOR);

    assertThat(seen).extracting(input -> input.credential().kind().wireName()).containsOnly("sqa");
    assertThat(DeniedResponse.challenges(decision))
        .containsExactly(
            "Basic realm=\"SonarQube\", charset=\"UTF-8\"", "Bearer realm=\"SonarQube\"");
    assertThatThrownBy(
            () ->
                SonarQubePolicy.enforcer(unauthorized)
                    .selectedHeaders(Set.of("X-Sonar-Passcode"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x-sonar-passcode");
  }

  @Test
  void defaultsAreTheShippedDataDocument() throws Exception {
    JsonNode config = JSON.readTree(SonarQubePolicy.data(null)).at("/portcullis/sonarqube/config");

    assertThat(config.path("strict_mode").asBoolean(true)).isFalse();
    assertThat(config.path("accept_unverified_credentials").asBoolean(true)).isFalse();
    assertThat(config.path("allowed_credential_kinds").toString())
        .isEqualTo("[\"sqp\",\"sqa\",\"squ\"]");
  }

  @Test
  void userConfigIsMergedOverTheDefaults() throws Exception {
    String data =
        SonarQubePolicy.data(
            "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true,\"allowed_project_keys\":[\"team-*\"]}}},"
                + "\"mine\":{\"x\":1}}");
    JsonNode merged = JSON.readTree(data);

    assertThat(merged.at("/portcullis/sonarqube/config/strict_mode").asBoolean()).isTrue();
    assertThat(merged.at("/portcullis/sonarqube/config/allowed_project_keys/0").asText())
        .isEqualTo("team-*");
    assertThat(merged.at("/portcullis/sonarqube/config/max_report_bytes").asLong())
        .isEqualTo(1073741824L);
    assertThat(merged.at("/mine/x").asInt()).isEqualTo(1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"allowed_client_cidrs\":[\"127.0.0.1\"] | '127.0.0.1' needs a prefix length, such as 127.0.0.1/32",
        "\"allowed_client_cidrs\":[\"2001:db8::1\"] | such as 2001:db8::1/128",
        "\"allowed_client_cidrs\":[\"10.0.0.0/33\"] | prefix length above 32",
        "\"allowed_client_cidrs\":[\"10.0.0.1/8\"] | allowed_client_cidrs",
        "\"allowed_client_cidrs\":[\"agents.example\"] | not an IPv4 or IPv6 address",
        "\"max_report_bytes\":-1 | 'max_report_bytes' must be a whole number of bytes above 0",
        "\"max_report_bytes\":0 | 'max_report_bytes' must be a whole number of bytes above 0",
        "\"max_report_bytes\":1.5 | 'max_report_bytes' must be a whole number of bytes above 0"
      })
  void valuesThePolicyCannotUseFailAtLoad(String setting, String message) {
    assertThatThrownBy(
            () ->
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{" + setting + "}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aKeyGivenTwiceFailsAtLoad() {
    assertThatThrownBy(
            () ->
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":"
                        + "{\"strict_mode\":true,\"strict_mode\":false}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("Duplicate field 'strict_mode'");
  }

  @Test
  void usableRangesAndSizesLoad() {
    SonarQubePolicy.data(
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":"
            + "[\"203.0.113.0/24\",\"2001:db8::/32\",\"0.0.0.0/0\"],\"max_report_bytes\":1.0E3}}}}");
  }

  @Test
  void typosAndWrongTypesFailAtLoad() {
    assertThatThrownBy(
            () ->
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mod\":true}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("Unknown policy configuration key 'strict_mod'")
        .hasMessageContaining("strict_mode");
    assertThatThrownBy(
            () ->
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":\"yes\"}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("'strict_mode' must be a boolean");
    assertThatThrownBy(
            () ->
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[1]}}}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("list of strings");
    assertThatThrownBy(
            () -> SonarQubePolicy.data("{\"portcullis\":{\"sonarqube\":{\"config\":[]}}}"))
        .isInstanceOf(PolicyLoadException.class);
    assertThatThrownBy(() -> SonarQubePolicy.data("[]")).isInstanceOf(PolicyLoadException.class);
    assertThatThrownBy(() -> SonarQubePolicy.data("{"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void theDataDocumentCarriesTheNormalizedConfiguration() throws Exception {
    JsonNode normalized =
        JSON.readTree(
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{"
                        + "\"side_door_headers\":[\"X-Custom-Login\",\"cookie\"],"
                        + "\"context_path\":\"//sonar/qube/\"}}}}"))
            .at("/portcullis/sonarqube/normalized");

    assertThat(normalized.toString())
        .isEqualTo(
            "{\"side_door_headers\":{\"from\":[\"X-Custom-Login\",\"cookie\"],"
                + "\"set\":{\"x-custom-login\":true,\"cookie\":true}},"
                + "\"context_path\":{\"from\":\"//sonar/qube/\",\"path\":\"/sonar/qube\","
                + "\"prefix\":\"/sonar/qube/\"}}");
    JsonNode shipped =
        JSON.readTree(SonarQubePolicy.defaultData()).at("/portcullis/sonarqube/normalized");
    assertThat(shipped.at("/side_door_headers/set").toString())
        .as("the shipped side-door headers, normalized")
        .isEqualTo(
            "{\"x-sonar-passcode\":true,\"cookie\":true,"
                + "\"x-forwarded-login\":true,\"x-forwarded-name\":true,"
                + "\"x-forwarded-email\":true,\"x-forwarded-groups\":true,"
                + "\"x-hub-signature\":true,\"x-hub-signature-256\":true}");
    assertThat(shipped.at("/context_path").toString())
        .isEqualTo("{\"from\":\"\",\"path\":\"\",\"prefix\":\"/\"}");
  }

  /** Lower case that Java and the Rego might write differently is left to the Rego. */
  @Test
  void aSideDoorHeaderOutsideAsciiIsLeftToThePolicy() throws Exception {
    JsonNode normalized =
        JSON.readTree(
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{"
                        + "\"side_door_headers\":[\"cookie\",\"X-\u212aey\"]}}}}"))
            .at("/portcullis/sonarqube/normalized");

    assertThat(normalized.has("side_door_headers")).isFalse();
    assertThat(normalized.at("/context_path/path").asText()).isEmpty();
  }

  @Test
  void aUsersDocumentSetsNeitherThePolicysTablesNorItsNormalizedConfiguration() {
    for (String key : List.of("tables", "normalized")) {
      assertThatThrownBy(
              () ->
                  SonarQubePolicy.data(
                      "{\"portcullis\":{\"sonarqube\":{\"" + key + "\":{\"endpoints\":{}}}}}"))
          .isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("data.portcullis.sonarqube." + key + " belongs to the policy");
    }
    assertThatThrownBy(() -> SonarQubePolicy.data("{\"portcullis\":{\"sonarqube\":7}}"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("data.portcullis.sonarqube must be a JSON object");
  }
}
