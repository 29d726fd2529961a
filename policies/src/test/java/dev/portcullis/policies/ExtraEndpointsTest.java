package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.spi.CredentialVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code extra_endpoints}: checked at start with a message naming the entry and the problem, and an
 * allowed extra endpoint end to end through the wasm engine and the real enforcer.
 */
class ExtraEndpointsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LICENSES =
      "{\"path\":\"/api/v2/analysis/licenses\",\"methods\":[\"GET\"],"
          + "\"params\":{\"projectKey\":\"project\",\"ps\":\"number\"}}";

  static String config(String extraEndpoints) {
    return "{\"portcullis\":{\"sonarqube\":{\"config\":{\"extra_endpoints\":"
        + extraEndpoints
        + "}}}}";
  }

  @Test
  void aWellFormedListIsMergedIntoTheData() throws Exception {
    String entries =
        "["
            + LICENSES
            + ",{\"path\":\"/api/v2/analysis/usage\",\"methods\":[\"GET\",\"POST\"],"
            + "\"anonymous\":false,\"credential_kinds\":[\"sqa\"],\"params\":{}}]";

    JsonNode merged = JSON.readTree(SonarQubePolicy.data(config(entries)));

    assertThat(merged.at("/portcullis/sonarqube/config/extra_endpoints"))
        .isEqualTo(JSON.readTree(entries));
    assertThat(
            JSON.readTree(SonarQubePolicy.data(null))
                .at("/portcullis/sonarqube/config/extra_endpoints")
                .toString())
        .isEqualTo("[]");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"extra_endpoints\":{}} | 'extra_endpoints' must be a array",
        "[7] | entry extra_endpoints[0] must be an object",
        "[{\"methods\":[\"GET\"]}] | extra_endpoints[0] needs a \"path\" string",
        "[{\"path\":7,\"methods\":[\"GET\"]}] | extra_endpoints[0] needs a \"path\" string",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"body\":[]}] | extra_endpoints[0] (path '/api/a/b') has an unknown field 'body'",
        "[{\"path\":\"/api/a/b\"}] | (path '/api/a/b') needs \"methods\"",
        "[{\"path\":\"/api/a/b\",\"methods\":\"GET\"}] | needs \"methods\"",
        "[{\"path\":\"/api/a/b\",\"methods\":[]}] | needs \"methods\"",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"get\"]}] | has the method \"get\"",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\",\"DELETE\"]}] | has the method \"DELETE\"",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"params\":[\"p\"]}] | \"params\" must be an object",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"params\":{\"p\":\"anything\"}}] | gives parameter 'p' the kind \"anything\"; known kinds: [boolean, branch",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"params\":{\"p\":1}}] | gives parameter 'p' the kind 1",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"params\":{\"a b\":\"text\"}}] | has the parameter name 'a b'",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"anonymous\":\"yes\"}] | \"anonymous\" must be true or false",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"credential_kinds\":[]}] | \"credential_kinds\" must be a non-empty list",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"],\"credential_kinds\":\"sqa\"}] | \"credential_kinds\" must be a non-empty list",
        "[{\"path\":\"/api/a/b\",\"methods\":[\"GET\"]},{\"path\":\"/api/a/b\",\"methods\":[\"POST\"]}] | extra_endpoints[1] (path '/api/a/b') lists the same path as an earlier entry",
      })
  void aMalformedEntryFailsTheStartNamingTheEntry(String entries, String message) {
    String data =
        entries.startsWith("{")
            ? "{\"portcullis\":{\"sonarqube\":{\"config\":" + entries + "}}}"
            : config(entries);

    assertThatThrownBy(() -> SonarQubePolicy.data(data))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/a/b/",
        "/api/a//b",
        "/api/a/../b",
        "/api/a/./b",
        "/api/a/.b",
        "/api/a/%2e%2e",
        "/api/a/b;x=1",
        "/api/a/*",
        "/api/a/b*",
        "/api/a b",
        "/api/a/b\n",
        "/API/a/b",
        "api/a/b",
        "/api",
        "/api/",
        "/batch/file",
        "/static/csharp/x.zip",
        "/projects",
        ""
      })
  void aPathThatIsNotAnExactCanonicalApiPathFailsTheStart(String path) {
    String entry = "[{\"path\":" + JSON.valueToTree(path) + ",\"methods\":[\"GET\"]}]";

    assertThatThrownBy(() -> SonarQubePolicy.data(config(entry)))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("extra_endpoints[0]")
        .hasMessageContaining("not an exact canonical path under /api/")
        .hasMessageNotContaining("\n");
  }

  @ParameterizedTest
  @CsvSource({
    "/api/users/search, users",
    "/api/USERS/search, users",
    "/api/users.json/search, users.json",
    "/api/user-tokens/generate, user-tokens",
    "/api/user_tokens/revoke, user_tokens",
    "/api/permissions/add_user, permissions",
    "/api/system/info, system",
    "/api/settings/set, settings",
    "/api/settings, settings",
    "/api/webservices/list, webservices",
    "/api/projects/search, projects",
    "/api/components/search, components",
    "/api/ce/submit, ce",
    "/api/plugins/install, plugins",
    "/api/qualitygates/select, qualitygates",
    "/api/v2/users-management/users, users-management",
    "/api/V2/Authorizations/groups, authorizations",
    "/api/v2/dop_translation/x, dop_translation",
    "/api/v2.json/system/health, system",
    "/api/v2/projects/search, projects",
  })
  void anEntryInADeniedFamilyFailsTheStart(String path, String family) {
    String entry = "[{\"path\":\"" + path + "\",\"methods\":[\"GET\"],\"anonymous\":true}]";

    assertThatThrownBy(() -> SonarQubePolicy.data(config(entry)))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("extra_endpoints[0] (path '" + path + "')")
        .hasMessageContaining("lies in the denied endpoint family '" + family.toLowerCase() + "'")
        .hasMessageContaining("cannot re-open a denied family");
  }

  @Test
  void aPathListedByTheBuiltInTableIsAcceptedAndTheBuiltInEntryWins() {
    String entry = "[{\"path\":\"/api/server/version\",\"methods\":[\"POST\"]}]";

    try (Gateway gateway = new Gateway(config(entry))) {
      assertThat(gateway.decide("GET", "/api/server/version", null).allow()).isTrue();
      assertThat(gateway.decide("POST", "/api/server/version", "sqp").reasons())
          .containsExactly("method_not_allowed");
    }
  }

  @Test
  void anAllowedExtraEndpointWorksEndToEndThroughTheWasmEngine() {
    String data =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"team-a-*\"],"
            + "\"extra_endpoints\":["
            + LICENSES
            + ",{\"path\":\"/api/v2/analysis/usage\",\"methods\":[\"POST\"],\"anonymous\":true}"
            + ",{\"path\":\"/api/v2/analysis/audit\",\"methods\":[\"GET\"],\"credential_kinds\":[\"sqa\"]}"
            + "]}}}}";

    try (Gateway gateway = new Gateway(data)) {
      Decision allowed =
          gateway.decide("GET", "/api/v2/analysis/licenses?projectKey=team-a-web&ps=5", "sqp");
      assertThat(allowed.allow()).as("%s", allowed).isTrue();
      assertThat(allowed.reasons()).containsExactly("scanner_endpoint");
      assertThat(gateway.decide("GET", "/api/v2/analysis/licenses", "squ").allow()).isTrue();

      assertThat(gateway.decide("GET", "/api/v2/analysis/licenses", null).reasons())
          .containsExactly("credential_missing");
      assertThat(gateway.decide("GET", "/api/v2/analysis/licenses?projectKey=b", "sqp").reasons())
          .containsExactly("project_not_allowed");
      assertThat(gateway.decide("GET", "/api/v2/analysis/licenses?login=x", "sqp").reasons())
          .containsExactly("query_parameter_not_allowed");
      assertThat(gateway.decide("GET", "/api/v2/analysis/licenses?ps=x", "sqp").reasons())
          .containsExactly("parameter_value_invalid");
      assertThat(gateway.decide("POST", "/api/v2/analysis/licenses", "sqp").reasons())
          .containsExactly("method_not_allowed");
      assertThat(gateway.decide("GET", "/api/v2/analysis/licenses/", "sqp").reasons())
          .containsExactly("endpoint_not_allowed");
      assertThat(gateway.decide("GET", "/api/v2/analysis/%6Cicenses", "sqp").allow())
          .as("a percent-encoded letter decodes to the same canonical path")
          .isTrue();
      assertThat(gateway.decide("GET", "/api/v2/analysis/x/../licenses", "sqp").status())
          .isEqualTo(400);

      assertThat(gateway.decide("POST", "/api/v2/analysis/usage", null).reasons())
          .containsExactly("anonymous_bootstrap");
      Decision withForm =
          gateway.enforcer.decide(
              RawRequest.of("POST", "/api/v2/analysis/usage", "203.0.113.7")
                  .withHeader("Host", "sonar.example.com")
                  .withHeader("Content-Type", "application/x-www-form-urlencoded")
                  .withHeader("Content-Length", "9"),
              RawRequest.ACCESSOR);
      assertThat(withForm.reasons()).containsExactly("body_not_allowed");

      assertThat(gateway.decide("GET", "/api/v2/analysis/audit", "sqa").allow()).isTrue();
      assertThat(gateway.decide("GET", "/api/v2/analysis/audit", "sqp").reasons())
          .containsExactly("credential_kind_not_allowed");
    }
  }

  /**
   * The Java copies of the policy's tables ({@link ExtraEndpoints}) are the policy's own, read with
   * the pinned {@code opa}.
   */
  @Test
  void theStartCheckUsesThePolicysTables(@TempDir Path dir) throws Exception {
    JsonNode tables =
        opaEval(
            dir,
            "{\"kinds\": object.keys(data.portcullis.sonarqube.tables.parameter_formats),"
                + " \"families\": object.keys(data.portcullis.sonarqube.tables.denied_family_names)}");

    assertThat(strings(tables.get("kinds"))).isEqualTo(ExtraEndpoints.PARAMETER_KINDS);
    assertThat(strings(tables.get("families"))).isEqualTo(ExtraEndpoints.DENIED_FAMILIES);
    assertThat(strings(opaEval(dir, "data.portcullis.sonarqube._extra_endpoint_fields")))
        .isEqualTo(ExtraEndpoints.FIELDS);
  }

  private static Set<String> strings(JsonNode array) {
    Set<String> values = new HashSet<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static JsonNode opaEval(Path dir, String query) throws Exception {
    Path out = dir.resolve("out.json");
    Process opa =
        new ProcessBuilder(
                "bash",
                Path.of("../tools/opa").toAbsolutePath().toString(),
                "eval",
                "--format",
                "json",
                "-d",
                Path.of("src/main/rego").toAbsolutePath().toString(),
                query)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(opa.waitFor(120, TimeUnit.SECONDS)).as("opa eval finished").isTrue();
    assertThat(opa.exitValue()).as("opa eval exit code").isZero();
    return JSON.readTree(Files.readString(out, StandardCharsets.UTF_8))
        .at("/result/0/expressions/0/value");
  }

  /** The bundled policy with the given data behind the real enforcer; every token is valid. */
  static final class Gateway implements AutoCloseable {
    final OpaWasmPolicyEngine engine;
    final PolicyEnforcer enforcer;

    Gateway(String userData) {
      this(SonarQubePolicy.engine(userData).instances(1).warmUp(0).build());
    }

    Gateway(OpaWasmPolicyEngine engine) {
      this.engine = engine;
      this.enforcer =
          SonarQubePolicy.enforcer(engine)
              .credentialVerifier(
                  CredentialVerifier.of(
                      credential -> CredentialVerification.asserted(CredentialValidity.VALID)))
              .build();
    }

    /** Decides a request with a token of the given kind ({@code sqp}, ...), or none for null. */
    Decision decide(String method, String target, String tokenKind) {
      RawRequest request =
          RawRequest.of(method, target, "203.0.113.7").withHeader("Host", "sonar.example.com");
      if (tokenKind != null) {
        String token = tokenKind + "_0123456789abcdef0123456789abcdef01234567";
        request =
            request.withHeader(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString((token + ":").getBytes(StandardCharsets.UTF_8)));
      }
      return enforcer.decide(request, RawRequest.ACCESSOR);
    }

    @Override
    public void close() {
      engine.close();
    }
  }
}
