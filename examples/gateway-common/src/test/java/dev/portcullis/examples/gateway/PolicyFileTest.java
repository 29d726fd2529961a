package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.PolicyLoadException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** How a user's policy gets its data: one rule for --policy, --shadow-policy and the CLI. */
class PolicyFileTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER =
      "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"alpha\"]}}}}";

  private static PolicyFile at(String entrypoint) {
    return new PolicyFile("--policy", Path.of("policy.wasm"), entrypoint);
  }

  @Test
  void aVariantOfTheBundledPolicyGetsItsDefaultsUnderTheUsersData() throws Exception {
    JsonNode data = JSON.readTree(at(null).data("{}", USER));
    JsonNode config = data.path("portcullis").path("sonarqube").path("config");
    assertThat(config.path("allowed_project_keys").get(0).asText()).isEqualTo("alpha");
    assertThat(config.path("strict_mode").isBoolean()).as("a default filled in").isTrue();
    assertThatThrownBy(
            () -> at(null).data("{}", USER.replace("allowed_project_keys", "allowed_projects")))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("allowed_projects");
  }

  @Test
  void aBundleThatCarriesItsConfigurationIsItsOwnAuthority() throws Exception {
    String bundle =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"new_key\":1,\"allowed_project_keys\":[]}}}}";
    JsonNode config =
        JSON.readTree(at(null).data(bundle, USER))
            .path("portcullis")
            .path("sonarqube")
            .path("config");
    assertThat(config.path("new_key").asInt()).isEqualTo(1);
    assertThat(config.path("allowed_project_keys").get(0).asText()).isEqualTo("alpha");
    assertThat(config.has("strict_mode")).as("no bundled default added").isFalse();
  }

  @Test
  void aTypoInTheUsersSonarQubeConfigurationStopsTheStartWhateverThePolicy() {
    String bundle =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"new_key\":1,\"allowed_project_keys\":[]}}}}";
    String typo = USER.replace("allowed_project_keys", "allowed_project_key");
    assertThatThrownBy(() -> at("team_a/sonarqube/decision").data(bundle, typo))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("allowed_project_key");
    assertThatThrownBy(() -> at(null).data(bundle, typo))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("allowed_project_key");
    assertThatThrownBy(
            () ->
                at("team_a/sonarqube/decision")
                    .data(bundle, USER.replace("[\"alpha\"]", "\"alpha\"")))
        .as("a value of the wrong type")
        .isInstanceOf(PolicyLoadException.class);
    // A key the bundle knows (a newer policy's) and a key the defaults know are both accepted.
    assertThat(
            at("team_a/sonarqube/decision")
                .data(
                    bundle,
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{\"new_key\":2,\"strict_mode\":true}}}}"))
        .contains("\"new_key\":2");
  }

  @Test
  void aPolicyAtAnotherEntrypointGetsOnlyTheBundleAndTheUsersData() throws Exception {
    JsonNode data =
        JSON.readTree(at("acme/authz/allow").data("{\"a\":{\"b\":1}}", "{\"a\":{\"c\":2}}"));
    assertThat(data.toString()).isEqualTo("{\"a\":{\"b\":1,\"c\":2}}");
    assertThatThrownBy(() -> at("acme/authz/allow").data("{}", "[1]"))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("--data must be a JSON object");
  }

  @Test
  void aBundleIsKnownByItsName() {
    assertThat(PolicyFile.isBundle(Path.of("dir/bundle.tar.gz"))).isTrue();
    assertThat(PolicyFile.isBundle(Path.of("bundle.tgz"))).isTrue();
    assertThat(PolicyFile.isBundle(Path.of("policy.wasm"))).isFalse();
    assertThat(at(" ").entrypoint()).isEqualTo(PolicyFile.DEFAULT_ENTRYPOINT);
  }
}
