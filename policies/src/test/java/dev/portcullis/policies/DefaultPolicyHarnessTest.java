package dev.portcullis.policies;

import static dev.portcullis.testkit.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.testkit.PolicyHarness;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.TestCredential;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default policy's Rego, shipped in this jar, compiles in the testkit's harness on its own and
 * under a team's policy that imports it; the harness then decides as the shipped wasm does.
 */
class DefaultPolicyHarnessTest {

  private static final TestCredential PROJECT_TOKEN =
      TestCredential.basicToken(
          TestCredential.Kind.PROJECT_ANALYSIS_TOKEN,
          "sqp_0000000000000000000000000000000000000001",
          CredentialValidity.VALID);

  private static final ObjectMapper JSON = new ObjectMapper();

  private static PolicyHarness defaultPolicy;
  private static PolicyHarness teamPolicy;

  @BeforeAll
  static void compile() {
    defaultPolicy =
        PolicyHarness.builder()
            .regoFromClasspath(SonarQubePolicy.REGO_RESOURCES)
            .entrypoint(SonarQubePolicy.ENTRYPOINT)
            .enforcer(SonarQubePolicy::enforcer)
            .build();
    teamPolicy =
        PolicyHarness.builder()
            .regoFromClasspath(PolicyHarness.SONARQUBE_REGO)
            .rego(Path.of("src/test/resources/harness"))
            .entrypoint("team/decision")
            .data(
                SonarQubePolicy.data(
                    "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"team-a-*\"]}}}}"))
            .enforcer(SonarQubePolicy::enforcer)
            .build();
  }

  @AfterAll
  static void close() {
    defaultPolicy.close();
    teamPolicy.close();
  }

  @Test
  void theShippedRegoComesWithTheDefaultData() throws Exception {
    assertThat(SonarQubePolicy.REGO_RESOURCES).isEqualTo(PolicyHarness.SONARQUBE_REGO);
    // Without the normalized configuration, which SonarQubePolicy.data writes and the Rego
    // computes itself when it is missing.
    ObjectNode shipped = (ObjectNode) JSON.readTree(SonarQubePolicy.data(null));
    ((ObjectNode) shipped.at("/portcullis/sonarqube")).remove("normalized");
    assertThat(JSON.readTree(defaultPolicy.data())).isEqualTo(shipped);
  }

  @Test
  void theDefaultPolicyDecidesAsTheShippedOne() {
    RawRequest settings =
        request("GET /api/settings/values.protobuf?component=demo", "198.51.100.7");
    RawRequest users = request("GET /api/users/search?q=a", "198.51.100.7");

    defaultPolicy.assertThat(settings, PROJECT_TOKEN).isAllowed();
    defaultPolicy.assertThat(users, PROJECT_TOKEN).isDeniedWith(403, "user_directory");
    defaultPolicy.assertThat(users).isDeniedWith(401, "credential_missing");
  }

  @Test
  void aTeamPolicyBuildsOnTheDefaultOne() {
    teamPolicy
        .assertThat(
            request("GET /api/settings/values.protobuf?component=team-a-api", "203.0.113.7"),
            PROJECT_TOKEN)
        .isAllowed();
    teamPolicy
        .assertThat(
            request("GET /api/settings/values.protobuf?component=team-a-api", "198.51.100.7"),
            PROJECT_TOKEN)
        .isDeniedWith(403, "team_network_only");
    teamPolicy
        .assertThat(
            request("GET /api/settings/values.protobuf?component=team-b-api", "2001:db8::7"),
            PROJECT_TOKEN)
        .isDeniedWith(403, "project_not_allowed");
    teamPolicy
        .assertThat(request("GET /api/users/search", "203.0.113.7"), PROJECT_TOKEN)
        .isDeniedWith(403, "user_directory");
  }

  private static RawRequest request(String methodAndTarget, String ip) {
    int space = methodAndTarget.indexOf(' ');
    return RawRequest.of(
            methodAndTarget.substring(0, space), methodAndTarget.substring(space + 1), ip)
        .withHeader("Host", PortcullisArbitraries.HOST);
  }
}
