package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.InputField;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Two inputs equal on the declared fields ({@link SonarQubePolicy#INPUT_FIELDS}) get identical
 * decisions from the real engine: the behavioural half of the proof whose syntactic half is {@link
 * BundledPolicyInputFieldsTest}. The second input takes every undeclared field from another
 * generated input, so a field left out of the declaration that the policy reads (say the client
 * address, which the second configuration limits) shows as a different decision; and the cached
 * engine, which keys by the declared fields, answers it with what the uncached engine decides.
 */
class DeclaredInputFieldsProperties {

  /** A configuration that reads more of the input: a client network and project keys. */
  private static final String DATA =
      "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[\"192.0.2.0/24\"],"
          + "\"allowed_project_keys\":[\"demo*\"],\"accept_unverified_credentials\":true}}}}";

  private static final List<String> TARGETS =
      List.of(
          "/api/server/version",
          "/api/plugins/installed",
          "/api/plugins/download?plugin=java",
          "/api/ce/submit?projectKey=demo",
          "/api/ce/submit?projectKey=other",
          "/api/ce/task?id=AX1",
          "/api/settings/values.protobuf?component=demo",
          "/api/analysis_cache/get?project=demo&branch=main",
          "/api/qualityprofiles/search.protobuf?project=demo",
          "/api/users/search",
          "/api/system/info",
          "/batch/index",
          "/");

  private static final List<OpaWasmPolicyEngine> ENGINES = new ArrayList<>();

  @BeforeContainer
  static void buildEngines() {
    for (String data : new String[] {null, DATA}) {
      ENGINES.add(SonarQubePolicy.engine(data).instances(1).warmUp(0).build());
      ENGINES.add(
          SonarQubePolicy.engine(data).instances(1).warmUp(0).decisionCache(1 << 20).build());
    }
  }

  @AfterContainer
  static void closeEngines() {
    ENGINES.forEach(OpaWasmPolicyEngine::close);
    ENGINES.clear();
  }

  @Property(tries = 300)
  void inputsEqualOnTheDeclaredFieldsGetTheSameDecision(
      @ForAll("inputs") PolicyInput input, @ForAll("inputs") PolicyInput other) {
    PolicyInput variant = merge(input, other, SonarQubePolicy.INPUT_FIELDS);
    for (InputField field : SonarQubePolicy.INPUT_FIELDS) {
      assertThat(value(field, variant)).as(field.path()).isEqualTo(value(field, input));
    }
    for (int i = 0; i < ENGINES.size(); i += 2) {
      OpaWasmPolicyEngine uncached = ENGINES.get(i);
      OpaWasmPolicyEngine cached = ENGINES.get(i + 1);
      Decision decision = uncached.evaluate(input);

      assertThat(uncached.evaluate(variant)).as("uncached, variant").isEqualTo(decision);
      assertThat(cached.evaluate(input)).as("cached, input").isEqualTo(decision);
      assertThat(cached.evaluate(variant)).as("cached, variant").isEqualTo(decision);
    }
  }

  /**
   * An input with the {@code declared} fields of {@code input} and every other field of {@code
   * other} (a body is chunked only when present, which the record requires).
   */
  static PolicyInput merge(PolicyInput input, PolicyInput other, Set<InputField> declared) {
    Function<InputField, PolicyInput> from = field -> declared.contains(field) ? input : other;
    Function<InputField, PolicyInput.Request> request = field -> from.apply(field).request();
    Function<InputField, PolicyInput.CredentialSummary> credential =
        field -> from.apply(field).credential();
    boolean present = request.apply(InputField.REQUEST_BODY_PRESENT).body().present();
    return new PolicyInput(
        new PolicyInput.Request(
            request.apply(InputField.REQUEST_METHOD).method(),
            request.apply(InputField.REQUEST_PATH).path(),
            request.apply(InputField.REQUEST_PATH_SEGMENTS).pathSegments(),
            request.apply(InputField.REQUEST_QUERY).query(),
            request.apply(InputField.REQUEST_HEADERS).headers(),
            request.apply(InputField.REQUEST_HEADER_NAMES).headerNames(),
            request.apply(InputField.REQUEST_CONTENT_LENGTH).contentLength(),
            new PolicyInput.Body(
                present,
                present && request.apply(InputField.REQUEST_BODY_CHUNKED).body().chunked(),
                request.apply(InputField.REQUEST_BODY_MEDIA_TYPE).body().mediaType())),
        from.apply(InputField.CLIENT_IP).client(),
        new PolicyInput.CredentialSummary(
            credential.apply(InputField.CREDENTIAL_PRESENT).present(),
            credential.apply(InputField.CREDENTIAL_SCHEME).scheme(),
            credential.apply(InputField.CREDENTIAL_KIND).kind(),
            credential.apply(InputField.CREDENTIAL_VALID).validity(),
            credential.apply(InputField.CREDENTIAL_VERIFIER).verifier()));
  }

  /** The JSON-visible value of a field, read from the public record (as the key does). */
  private static Object value(InputField field, PolicyInput input) {
    PolicyInput.Request r = input.request();
    switch (field) {
      case REQUEST_METHOD:
        return r.method();
      case REQUEST_PATH:
        return r.path();
      case REQUEST_PATH_SEGMENTS:
        return r.pathSegments();
      case REQUEST_QUERY:
        return r.query();
      case REQUEST_HEADERS:
        return r.headers();
      case REQUEST_HEADER_NAMES:
        return r.headerNames();
      case REQUEST_CONTENT_LENGTH:
        return r.contentLength();
      case REQUEST_BODY_PRESENT:
        return r.body().present();
      case REQUEST_BODY_CHUNKED:
        return r.body().chunked();
      case REQUEST_BODY_MEDIA_TYPE:
        return r.body().mediaType();
      case CLIENT_IP:
        return input.client().ip();
      case CREDENTIAL_PRESENT:
        return input.credential().present();
      case CREDENTIAL_SCHEME:
        return input.credential().scheme();
      case CREDENTIAL_KIND:
        return input.credential().kind();
      case CREDENTIAL_VALID:
        return input.credential().validity();
      case CREDENTIAL_VERIFIER:
        return input.credential().verifier();
      default:
        throw new AssertionError(field);
    }
  }

  @Provide
  Arbitrary<PolicyInput> inputs() {
    Arbitrary<String> methods = Arbitraries.of("GET", "HEAD", "POST", "PUT", "DELETE");
    Arbitrary<Map<String, String>> headers =
        Arbitraries.maps(
                Arbitraries.of("content-type", "user-agent", "accept"),
                Arbitraries.of("application/json", "multipart/form-data", "ScannerCLI/5", "*/*"))
            .ofMaxSize(2)
            .map(TreeMap::new);
    Arbitrary<List<String>> extraNames =
        Arbitraries.of("authorization", "cookie", "transfer-encoding", "x-sonar-passcode")
            .list()
            .uniqueElements()
            .ofMaxSize(2);
    Arbitrary<PolicyInput.CredentialSummary> credentials =
        Arbitraries.oneOf(
            Arbitraries.just(PolicyInput.CredentialSummary.NONE),
            Combinators.combine(
                    Arbitraries.of(
                        SonarQubeCredentialClassifier.PROJECT_ANALYSIS_TOKEN,
                        SonarQubeCredentialClassifier.GLOBAL_ANALYSIS_TOKEN,
                        SonarQubeCredentialClassifier.USER_TOKEN,
                        SonarQubeCredentialClassifier.BADGE_TOKEN,
                        CredentialKind.PASSWORD),
                    Arbitraries.of(CredentialValidity.values()),
                    Arbitraries.of(CredentialScheme.values()),
                    Arbitraries.of("asserted", "sonarqube", "other"))
                .as(
                    (kind, validity, scheme, verifier) ->
                        new PolicyInput.CredentialSummary(true, scheme, kind, validity, verifier)));
    Arbitrary<Long> lengths = Arbitraries.of(PolicyInput.NO_CONTENT_LENGTH, 0L, 10L, 5_000_000L);
    Arbitrary<String> clients = Arbitraries.of("192.0.2.7", "198.51.100.7");
    Arbitrary<Boolean> chunked = Arbitraries.of(true, false);
    return Combinators.combine(
            methods,
            Arbitraries.of(TARGETS),
            headers,
            extraNames,
            credentials,
            lengths,
            clients,
            chunked)
        .as(
            (method, target, headerMap, extra, credential, length, client, isChunked) -> {
              List<String> names = new ArrayList<>(headerMap.keySet());
              names.addAll(extra);
              names.add("host");
              return new PolicyInput(
                  PolicyInput.Request.of(
                      method,
                      CanonicalTarget.parse(target),
                      headerMap,
                      names.stream().distinct().sorted().toList(),
                      length,
                      PolicyInput.Body.of(
                          length > 0 || isChunked,
                          isChunked,
                          headerMap.getOrDefault("content-type", ""))),
                  new PolicyInput.Client(client),
                  credential);
            });
  }
}
