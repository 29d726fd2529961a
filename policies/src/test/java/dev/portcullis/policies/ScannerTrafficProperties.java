package dev.portcullis.policies;

import static dev.portcullis.testkit.DecisionAssert.assertThat;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.testkit.EndpointFamily;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.ScannerKind;
import dev.portcullis.testkit.ServerGeneration;
import dev.portcullis.testkit.TestCredential;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The shipped policy and the testkit's generators agree: every scanner's traffic against every
 * server generation is allowed with a valid project analysis token; every sensitive endpoint is
 * denied with its family's reason for every token kind the policy accepts, and no hostile variant
 * of one is allowed.
 */
class ScannerTrafficProperties {

  private static OpaWasmPolicyEngine engine;
  private static PolicyEnforcer enforcer;

  @BeforeContainer
  static void loadPolicy() {
    engine = SonarQubePolicy.engine(null).instances(1).build();
    enforcer =
        SonarQubePolicy.enforcer(engine)
            .credentialVerifier(
                CredentialVerifier.of(
                    credential -> CredentialVerification.asserted(CredentialValidity.VALID)))
            .build();
  }

  @AfterContainer
  static void close() {
    engine.close();
  }

  @Property(tries = 600)
  void scannerTrafficIsAllowed(@ForAll("scannerTraffic") RawRequest request) {
    assertThat(enforcer.decide(request, RawRequest.ACCESSOR), request).isAllowed();
  }

  @Property(tries = 400)
  void sensitiveEndpointsAreDeniedWithTheirFamily(
      @ForAll("sensitiveEndpoints") Tuple2<EndpointFamily, RawRequest> endpoint,
      @ForAll("acceptedTokens") TestCredential credential) {
    RawRequest request = credential.applyTo(endpoint.get2());
    assertThat(enforcer.decide(request, RawRequest.ACCESSOR), request)
        .isDeniedWith(403, endpoint.get1().reason());
  }

  @Property(tries = 600)
  void noHostileVariantOfASensitiveEndpointIsAllowed(
      @ForAll("hostileVariants") RawRequest request,
      @ForAll("acceptedTokens") TestCredential credential) {
    RawRequest withCredential = credential.applyTo(request);
    assertThat(enforcer.decide(withCredential, RawRequest.ACCESSOR), withCredential).isDenied();
  }

  @Provide
  Arbitrary<RawRequest> scannerTraffic() {
    List<Arbitrary<RawRequest>> all = new ArrayList<>();
    for (ServerGeneration generation : ServerGeneration.values()) {
      for (ScannerKind kind : ScannerKind.values()) {
        all.add(PortcullisArbitraries.scannerTraffic(generation, kind));
      }
    }
    return Arbitraries.oneOf(all);
  }

  @Provide
  Arbitrary<Tuple2<EndpointFamily, RawRequest>> sensitiveEndpoints() {
    return Arbitraries.of(EndpointFamily.values())
        .flatMap(
            family ->
                PortcullisArbitraries.sensitiveEndpoints(family).map(r -> Tuple.of(family, r)));
  }

  @Provide
  Arbitrary<RawRequest> hostileVariants() {
    return PortcullisArbitraries.sensitiveEndpoints()
        .flatMap(PortcullisArbitraries::hostileVariants);
  }

  @Provide
  Arbitrary<TestCredential> acceptedTokens() {
    return Arbitraries.of(
            TestCredential.Kind.PROJECT_ANALYSIS_TOKEN, TestCredential.Kind.GLOBAL_ANALYSIS_TOKEN)
        .flatMap(kind -> PortcullisArbitraries.credentials(kind, CredentialValidity.VALID));
  }
}
