package dev.portcullis.policies;

import dev.portcullis.RawRequest;
import dev.portcullis.testkit.PolicyHarness;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.RawRequests;
import dev.portcullis.testkit.ScannerKind;
import dev.portcullis.testkit.ServerGeneration;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The README's "Testing your policy" example, compiled and run: a team's Rego on top of the default
 * policy, property-tested with the testkit.
 */
class TeamPolicyProperties {

  private static final String[] TEAM_AGENTS = {"203.0.113.0/24", "2001:db8::/32"};

  private static PolicyHarness policy;

  @BeforeContainer
  static void compile() {
    policy =
        PolicyHarness.builder()
            .regoFromClasspath(PolicyHarness.SONARQUBE_REGO) // the default policy
            .rego(Path.of("src/test/resources/harness")) // yours: package team
            .entrypoint("team/decision")
            .enforcer(SonarQubePolicy::enforcer) // SonarQube's token kinds, like the gateways
            .build(); // compiled once with the real opa, then cached
  }

  @AfterContainer
  static void close() {
    policy.close();
  }

  @Property(tries = 1000)
  void scansFromTheTeamsAgentsAreAllowed(@ForAll("teamScans") RawRequest request) {
    policy.assertThat(request).isAllowed();
  }

  @Property(tries = 1000)
  void nothingIsAllowedFromElsewhere(
      @ForAll("scans") RawRequest request, @ForAll("elsewhere") String clientIp) {
    policy
        .assertThat(RawRequests.withClientIp(request, clientIp))
        .isDeniedWith(403, "team_network_only");
  }

  @Provide
  Arbitrary<RawRequest> teamScans() {
    return Combinators.combine(scans(), PortcullisArbitraries.clientIpsIn(TEAM_AGENTS))
        .as(RawRequests::withClientIp);
  }

  @Provide
  Arbitrary<RawRequest> scans() {
    return PortcullisArbitraries.scannerTraffic(ServerGeneration.SONARQUBE_2025, ScannerKind.MAVEN);
  }

  @Provide
  Arbitrary<String> elsewhere() {
    return PortcullisArbitraries.clientIpsOutside(TEAM_AGENTS);
  }
}
