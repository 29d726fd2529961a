package dev.portcullis.examples.custompolicy;

import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.testkit.PolicyHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Team A's policy as the tests compile it, and the facts of its configuration. */
final class TeamAPolicy {

  /** The team's decision rule. */
  static final String ENTRYPOINT = "team_a/sonarqube/decision";

  /** The gateway's data file: allowed projects, client ranges and the extra endpoint. */
  static final Path GATEWAY_DATA = Path.of("src/main/data/team-a-gateway.json");

  /** The team's build agents, as allowed_client_cidrs in {@link #GATEWAY_DATA} lists them. */
  static final String[] AGENT_CIDRS = {"198.51.100.0/24", "2001:db8:a::/48"};

  /** The team's own deny reason. */
  static final String TOKEN_REASON = "project_analysis_token_required";

  private TeamAPolicy() {}

  /**
   * The default policy's Rego from portcullis-policies on the class path and the team's Rego,
   * compiled with the real opa; the data is the default configuration with the team's data file
   * merged over it, checked by the same start check as the bundled policy's {@code --data}.
   */
  static PolicyHarness compile() {
    return PolicyHarness.builder()
        .regoFromClasspath(PolicyHarness.SONARQUBE_REGO)
        .rego(Path.of("src/main/rego"))
        .entrypoint(ENTRYPOINT)
        .data(SonarQubePolicy.data(gatewayData()))
        .enforcer(SonarQubePolicy::enforcer)
        .build();
  }

  static String gatewayData() {
    try {
      return Files.readString(GATEWAY_DATA, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
