package dev.portcullis.examples.custompolicy;

import static dev.portcullis.examples.custompolicy.TeamAPolicy.TOKEN_REASON;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.testkit.DecisionAssert;
import dev.portcullis.testkit.EndpointFamily;
import dev.portcullis.testkit.PolicyHarness;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.RawRequests;
import dev.portcullis.testkit.TestCredential;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Team A's policy, property by property: its scans pass, other projects and other networks do not,
 * the Publish task's calls need a project analysis token, the extra endpoint is open and every
 * sensitive family stays closed.
 */
class TeamAPolicyProperties {

  private static final CredentialVerification VERIFIED_VALID =
      CredentialVerification.asserted(CredentialValidity.VALID);

  private static PolicyHarness policy;
  private static OpaWasmPolicyEngine defaultEngine;
  private static PolicyEnforcer defaultPolicy;

  @BeforeContainer
  static void compile() {
    policy = TeamAPolicy.compile(); // compiled once with the real opa, then cached
    // The bundled policy with its defaults: what the gateway decides without the team's policy.
    defaultEngine = SonarQubePolicy.engine(null).instances(1).warmUp(0).build();
    defaultPolicy =
        SonarQubePolicy.enforcer(defaultEngine)
            .credentialVerifier(CredentialVerifier.of(credential -> VERIFIED_VALID))
            .build();
  }

  @AfterContainer
  static void close() {
    policy.close();
    defaultEngine.close();
  }

  @Property(tries = 1000)
  void teamScansFromTheTeamsAgentsAreAllowed(
      @ForAll("teamScanCalls") RawRequest request, @ForAll("agents") String ip) {
    policy.assertThat(RawRequests.withClientIp(request, ip)).isAllowed();
  }

  /**
   * Every call of a scan of another project that names the project is denied; the calls that name
   * none (plugins, task status, ...) still pass.
   */
  @Property(tries = 300)
  void otherProjectsAreDenied(
      @ForAll("otherProjectScans") TeamATraffic.ProjectScan scan, @ForAll("agents") String ip) {
    for (RawRequest call : scan.calls()) {
      DecisionAssert decision = policy.assertThat(RawRequests.withClientIp(call, ip));
      if (call.target().contains("=" + scan.project())) {
        decision.isDeniedWith(403, "project_not_allowed");
      } else {
        decision.isAllowed();
      }
    }
  }

  @Property(tries = 1000)
  void nothingIsAllowedFromOutsideTheTeamsNetworks(
      @ForAll("teamScanCalls") RawRequest request, @ForAll("elsewhere") String ip) {
    policy
        .assertThat(RawRequests.withClientIp(request, ip))
        .isDeniedWith(403, "client_ip_not_allowed");
  }

  @Property(tries = 500)
  void publishTaskCallsPassWithAProjectAnalysisToken(
      @ForAll("publishCalls") RawRequest call,
      @ForAll("projectAnalysisTokens") TestCredential token,
      @ForAll("agents") String ip) {
    policy.assertThat(RawRequests.withClientIp(call, ip), token).isAllowed();
  }

  /** Whatever the verifier says: the kind alone decides, before any verification. */
  @Property(tries = 500)
  void publishTaskCallsWithOtherTokensAreDeniedWithTheTeamsReason(
      @ForAll("publishCalls") RawRequest call,
      @ForAll("globalAnalysisOrUserTokens") TestCredential token,
      @ForAll("agents") String ip) {
    policy.assertThat(RawRequests.withClientIp(call, ip), token).isDeniedWith(403, TOKEN_REASON);
  }

  /** Credentials the default policy refuses anyway keep its reason. */
  @Property(tries = 300)
  void publishTaskCallsWithKindsTheDefaultRefusesKeepItsReason(
      @ForAll("publishCalls") RawRequest call,
      @ForAll("refusedCredentials") TestCredential credential,
      @ForAll("agents") String ip) {
    policy
        .assertThat(RawRequests.withClientIp(call, ip), credential)
        .isDeniedWith(403, "credential_kind_not_allowed");
  }

  @Property(tries = 500)
  void theExtraEndpointIsAllowedWhereTheDefaultDoesNotListIt(
      @ForAll("newCodePeriodReads") RawRequest request,
      @ForAll("acceptedTokens") TestCredential token,
      @ForAll("agents") String ip) {
    RawRequest read = token.applyTo(RawRequests.withClientIp(request, ip));
    policy.assertThat(read).isAllowed();
    DecisionAssert.assertThat(defaultPolicy.decide(read, RawRequest.ACCESSOR), read)
        .isDeniedWith(403, "endpoint_not_allowed");
  }

  @Property(tries = 1000)
  void everySensitiveFamilyIsStillDenied(
      @ForAll EndpointFamily family,
      @ForAll("acceptedTokens") TestCredential token,
      @ForAll("agents") String ip) {
    RawRequest request =
        token.applyTo(
            RawRequests.withClientIp(
                PortcullisArbitraries.sensitiveEndpoints(family).sample(), ip));
    policy.assertThat(request).isDeniedWith(403, family.reason());
  }

  @Property(tries = 1000)
  void noHostileVariantOfASensitiveEndpointIsAllowed(
      @ForAll("hostileSensitiveRequests") RawRequest request) {
    policy.assertThat(request).isDenied();
  }

  // ---------------------------------------------------------------- generators (TeamATraffic)

  @Provide
  Arbitrary<RawRequest> teamScanCalls() {
    return TeamATraffic.teamScanCalls();
  }

  @Provide
  Arbitrary<TeamATraffic.ProjectScan> otherProjectScans() {
    return TeamATraffic.otherProjectScans();
  }

  @Provide
  Arbitrary<String> agents() {
    return TeamATraffic.agents();
  }

  @Provide
  Arbitrary<String> elsewhere() {
    return TeamATraffic.elsewhere();
  }

  @Provide
  Arbitrary<RawRequest> publishCalls() {
    return TeamATraffic.publishCalls();
  }

  @Provide
  Arbitrary<RawRequest> newCodePeriodReads() {
    return TeamATraffic.newCodePeriodReads();
  }

  @Provide
  Arbitrary<TestCredential> projectAnalysisTokens() {
    return TeamATraffic.projectAnalysisTokens();
  }

  @Provide
  Arbitrary<TestCredential> globalAnalysisOrUserTokens() {
    return TeamATraffic.globalAnalysisOrUserTokens();
  }

  @Provide
  Arbitrary<TestCredential> refusedCredentials() {
    return TeamATraffic.refusedCredentials();
  }

  @Provide
  Arbitrary<TestCredential> acceptedTokens() {
    return TeamATraffic.acceptedTokens();
  }

  @Provide
  Arbitrary<RawRequest> hostileSensitiveRequests() {
    return TeamATraffic.hostileSensitiveRequests();
  }
}
