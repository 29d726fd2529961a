package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.opa.remote.RemoteOpaPolicyEngine;
import dev.portcullis.testkit.OpaServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The embedded wasm engine and the remote engine asking a real {@code opa run --server} (default
 * policy; default data, and a configuration with client CIDRs, a context path and unverified
 * credentials) give identical decisions for generated inputs: same allow, status, reasons and
 * message. The inputs draw on {@link WasmAgreesWithOpaEvalTest}'s targets, methods, addresses and
 * header sets.
 */
class RemoteAgreesWithWasmProperties {

  private static final List<Pair> PAIRS = new ArrayList<>();

  private record Pair(OpaWasmPolicyEngine wasm, RemoteOpaPolicyEngine remote, OpaServer opa) {}

  @BeforeContainer
  static void start() throws Exception {
    List<String> userData =
        List.of(WasmAgreesWithOpaEvalTest.DATA.get(0), WasmAgreesWithOpaEvalTest.DATA.get(2));
    for (int i = 0; i < userData.size(); i++) {
      String data = SonarQubePolicy.data(userData.get(i));
      OpaServer opa = OpaServer.builder().policy(Path.of("src/main/rego")).data(data).start();
      PAIRS.add(
          new Pair(
              SonarQubePolicy.engine(userData.get(i)).instances(1).warmUp(0).build(),
              RemoteOpaPolicyEngine.builder()
                  .url(opa.url())
                  .entrypoint(SonarQubePolicy.ENTRYPOINT)
                  .build(),
              opa));
    }
  }

  @AfterContainer
  static void stop() throws Exception {
    for (Pair pair : PAIRS) {
      pair.wasm().close();
      pair.remote().close();
      pair.opa().close();
    }
    PAIRS.clear();
  }

  @Property(tries = 300)
  void defaultDataAgrees(@ForAll("inputs") PolicyInput input) {
    assertAgree(PAIRS.get(0), input);
  }

  @Property(tries = 300)
  void configuredDataAgrees(@ForAll("inputs") PolicyInput input) {
    assertAgree(PAIRS.get(1), input);
  }

  private static void assertAgree(Pair pair, PolicyInput input) {
    Decision embedded = pair.wasm().evaluate(input);
    Decision remote = pair.remote().evaluate(input);
    String label = input.toJson();
    assertThat(remote.allow()).as(label).isEqualTo(embedded.allow());
    assertThat(remote.status()).as(label).isEqualTo(embedded.status());
    assertThat(remote.reasons()).as(label).isEqualTo(embedded.reasons());
    assertThat(remote.message()).as(label).isEqualTo(embedded.message());
    assertThat(remote).as(label).isEqualTo(embedded);
  }

  @Provide
  Arbitrary<PolicyInput> inputs() {
    Arbitrary<String> methods = Arbitraries.of(WasmAgreesWithOpaEvalTest.METHODS);
    Arbitrary<String> targets = Arbitraries.of(WasmAgreesWithOpaEvalTest.TARGETS);
    Arbitrary<List<String>> headerNames = Arbitraries.of(WasmAgreesWithOpaEvalTest.HEADER_NAMES);
    Arbitrary<String> ips = Arbitraries.of(WasmAgreesWithOpaEvalTest.IPS);
    Arbitrary<PolicyInput.CredentialSummary> credentials =
        Combinators.combine(
                Arbitraries.of(true, true, true, false),
                Arbitraries.of(CredentialScheme.BASIC, CredentialScheme.BEARER),
                Arbitraries.of(SonarQubeCredentialClassifier.KINDS),
                Arbitraries.of(CredentialValidity.values()))
            .as(
                (present, scheme, kind, validity) ->
                    present
                        ? new PolicyInput.CredentialSummary(
                            true,
                            scheme,
                            kind.equals(CredentialKind.NONE)
                                ? SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN
                                : kind,
                            validity,
                            "asserted")
                        : PolicyInput.CredentialSummary.NONE);
    Arbitrary<Long> contentLengths = Arbitraries.of(PolicyInput.NO_CONTENT_LENGTH, 0L, 700L, 1400L);
    Arbitrary<Boolean> accepts = Arbitraries.of(true, false);
    return Combinators.combine(
            methods, targets, headerNames, ips, credentials, contentLengths, accepts)
        .as(
            (method, target, names, ip, credential, contentLength, accept) -> {
              List<String> present = new ArrayList<>(names);
              if (credential.present() && !present.contains("authorization")) {
                present.add("authorization");
                present.sort(null);
              }
              return new PolicyInput(
                  PolicyInput.Request.of(
                      method,
                      CanonicalTarget.parse(target),
                      accept ? Map.of("accept", "application/x-protobuf") : Map.of(),
                      present,
                      method.equals("POST") ? contentLength : PolicyInput.NO_CONTENT_LENGTH),
                  new PolicyInput.Client(ip),
                  credential);
            });
  }
}
