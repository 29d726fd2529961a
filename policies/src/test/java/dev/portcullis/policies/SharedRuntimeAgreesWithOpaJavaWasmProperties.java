package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.CompiledModule;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.PolicyInput;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The bundled policy on the default runtime (bytecode compiled at build time, shared by all
 * instances) against the same policy on opa-java-wasm ({@code -Dportcullis.opa.runtime=
 * opa-java-wasm}): the same decision, every field, for generated requests.
 */
class SharedRuntimeAgreesWithOpaJavaWasmProperties {

  private static final String RUNTIME_PROPERTY = "portcullis.opa.runtime";
  private static final List<String> PATHS =
      List.of(
          "/api/server/version",
          "/api/plugins/installed",
          "/api/plugins/download",
          "/api/ce/submit",
          "/api/ce/task",
          "/api/analysis_cache/get",
          "/api/settings/values",
          "/api/qualityprofiles/search",
          "/api/rules/search",
          "/api/users/search",
          "/api/system/info",
          "/batch/index",
          "/",
          "/sessions/new");

  private static OpaWasmPolicyEngine shared;
  private static OpaWasmPolicyEngine reference;

  @BeforeContainer
  static void buildBoth() {
    shared = SonarQubePolicy.engine(null).instances(2).warmUp(10).build();
    String before = System.getProperty(RUNTIME_PROPERTY);
    System.setProperty(RUNTIME_PROPERTY, "opa-java-wasm");
    try {
      reference = SonarQubePolicy.engine(null).instances(1).warmUp(10).build();
    } finally {
      if (before == null) {
        System.clearProperty(RUNTIME_PROPERTY);
      } else {
        System.setProperty(RUNTIME_PROPERTY, before);
      }
    }
  }

  @AfterContainer
  static void close() {
    shared.close();
    reference.close();
  }

  @Property(tries = 400)
  void sameDecision(@ForAll("inputs") PolicyInput input) {
    assertThat(shared.evaluate(input)).isEqualTo(reference.evaluate(input));
  }

  @Example
  void theBundledPolicyShipsBytecodeIndexedByItsHash() throws Exception {
    byte[] wasm = SonarQubePolicy.source().wasm();
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(wasm));
    String className;
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream("META-INF/portcullis/compiled-policies/" + sha256)) {
      assertThat(in).as("build-time index for sha256 %s", sha256).isNotNull();
      className = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Object compiled = Class.forName(className).getDeclaredConstructor().newInstance();
    assertThat(compiled).isInstanceOf(CompiledModule.class);
  }

  @Provide
  Arbitrary<PolicyInput> inputs() {
    Arbitrary<String> methods = Arbitraries.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS");
    Arbitrary<String> paths =
        Arbitraries.oneOf(
            Arbitraries.of(PATHS),
            Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(10).map(s -> "/api/" + s));
    Arbitrary<String> query =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .ofMinLength(1)
            .ofMaxLength(6)
            .flatMap(
                name ->
                    Arbitraries.strings()
                        .alpha()
                        .numeric()
                        .ofMaxLength(8)
                        .map(value -> name + "=" + value))
            .list()
            .ofMaxSize(3)
            .map(pairs -> pairs.isEmpty() ? "" : "?" + String.join("&", pairs));
    Arbitrary<Map<String, String>> headers =
        Arbitraries.maps(
                Arbitraries.of("content-type", "user-agent", "x-forwarded-for", "accept"),
                Arbitraries.of("application/json", "multipart/form-data", "ScannerCLI/5", "*/*"))
            .ofMaxSize(3)
            .map(TreeMap::new);
    Arbitrary<PolicyInput.CredentialSummary> credentials =
        Arbitraries.oneOf(
            Arbitraries.just(PolicyInput.CredentialSummary.NONE),
            Combinators.combine(
                    Arbitraries.of(CredentialScheme.BASIC, CredentialScheme.BEARER),
                    Arbitraries.of(
                        CredentialKind.OTHER_TOKEN,
                        CredentialKind.PASSWORD,
                        new CredentialKind("user_token"),
                        new CredentialKind("project_analysis_token")),
                    Arbitraries.of(CredentialValidity.values()))
                .as(
                    (scheme, kind, validity) ->
                        new PolicyInput.CredentialSummary(true, scheme, kind, validity, "test")));
    Arbitrary<Long> lengths = Arbitraries.of(PolicyInput.NO_CONTENT_LENGTH, 0L, 10L, 5_000_000L);
    return Combinators.combine(methods, paths, query, headers, credentials, lengths)
        .as(
            (method, path, q, headerMap, credential, length) -> {
              List<String> names = new ArrayList<>(headerMap.keySet());
              names.add("host");
              return new PolicyInput(
                  PolicyInput.Request.of(
                      method, CanonicalTarget.parse(path + q), headerMap, names, length),
                  new PolicyInput.Client("192.0.2.7"),
                  credential);
            });
  }
}
