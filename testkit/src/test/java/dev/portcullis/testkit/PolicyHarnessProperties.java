package dev.portcullis.testkit;

import dev.portcullis.RawRequest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Properties of the team policy written the way the README tells users to: public arbitraries, one
 * harness for all tries, assertions that print a replayable request.
 */
class PolicyHarnessProperties {

  private static final String[] TEAM_NETWORKS = {"203.0.113.0/24", "2001:db8::/32"};

  private static PolicyHarness harness;

  @BeforeContainer
  static void compile() {
    harness =
        PolicyHarness.builder()
            .rego(PolicyHarnessTest.TEAM_REGO)
            .entrypoint("team/decision")
            .build();
  }

  @AfterContainer
  static void close() {
    harness.close();
  }

  @Property(tries = 1000)
  void nothingIsAllowedFromOutsideTheTeamsNetworks(
      @ForAll("anyTraffic") RawRequest request,
      @ForAll("outsideTheTeamsNetworks") String clientIp,
      @ForAll("credentials") TestCredential credential) {
    harness.assertThat(RawRequests.withClientIp(request, clientIp), credential).isDenied();
  }

  @Property(tries = 300)
  void theServerVersionIsAllowedFromInsideWithAnyUsableCredential(
      @ForAll("insideTheTeamsNetworks") String clientIp,
      @ForAll("usableCredentials") TestCredential credential) {
    RawRequest request =
        RawRequest.of("GET", "/api/server/version", clientIp).withHeader("Host", "sq.example.com");
    harness.assertThat(request, credential).isAllowed();
  }

  @Provide
  Arbitrary<RawRequest> anyTraffic() {
    return Arbitraries.oneOf(
        PortcullisArbitraries.scannerTraffic(ServerGeneration.SONARQUBE_9_9, ScannerKind.CLI),
        PortcullisArbitraries.scannerTraffic(ServerGeneration.SONARQUBE_2025, ScannerKind.DOTNET),
        PortcullisArbitraries.sensitiveEndpoints());
  }

  @Provide
  Arbitrary<String> outsideTheTeamsNetworks() {
    return PortcullisArbitraries.clientIpsOutside(TEAM_NETWORKS);
  }

  @Provide
  Arbitrary<String> insideTheTeamsNetworks() {
    return PortcullisArbitraries.clientIpsIn(TEAM_NETWORKS);
  }

  @Provide
  Arbitrary<TestCredential> credentials() {
    return PortcullisArbitraries.credentials();
  }

  @Provide
  Arbitrary<TestCredential> usableCredentials() {
    return PortcullisArbitraries.credentials()
        .filter(c -> c.validity() != dev.portcullis.credential.CredentialValidity.INVALID);
  }
}
