package dev.portcullis.examples.custompolicy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.OpaBundle;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.testkit.OpaEvalDifferential;
import dev.portcullis.testkit.PolicyHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The bundle this module's build writes (the file deployed with {@code --policy}) decides like
 * {@code opa eval} over the sources, and so does the harness the properties use.
 */
class TeamABundleTest {

  private static final Path BUNDLE =
      Path.of(System.getProperty("team.bundle", "target/team-a-sonarqube.tar.gz"));

  private static PolicyHarness policy;
  private static OpaWasmPolicyEngine bundle;

  @BeforeContainer
  static void load() {
    policy = TeamAPolicy.compile();
    // As the gateway loads --policy: the bundle's wasm, its data with --data merged over it. The
    // bundle holds the default configuration, so its data merged with the team's file is the
    // harness's data.
    OpaBundle built = OpaBundle.read(BUNDLE);
    bundle =
        OpaWasmPolicyEngine.builder()
            .policy(built.policy())
            .entrypoint(TeamAPolicy.ENTRYPOINT)
            .data(policy.data())
            .instances(1)
            .warmUp(0)
            .build();
  }

  @AfterContainer
  static void close() {
    policy.close();
    bundle.close();
  }

  @Property(tries = 5)
  void theHarnessAgreesWithOpaEval(@ForAll("requests") List<RawRequest> requests) {
    assertThat(OpaEvalDifferential.of(policy).compareRequests(requests, CredentialValidity.VALID))
        .isEmpty();
  }

  @Property(tries = 5)
  void theBuiltBundleAgreesWithOpaEval(@ForAll("requests") List<RawRequest> requests) {
    assertThat(
            OpaEvalDifferential.of(bundle, policy)
                .compareRequests(requests, CredentialValidity.VALID))
        .isEmpty();
  }

  @Provide
  Arbitrary<List<RawRequest>> requests() {
    return TeamATraffic.anything().list().ofMinSize(40).ofMaxSize(60);
  }

  @Example
  void theBundleCarriesTheDefaultConfiguration() throws Exception {
    assertThat(Files.size(BUNDLE)).isPositive();
    assertThat(OpaBundle.read(BUNDLE).data()).contains("\"allowed_credential_kinds\"");
  }
}
