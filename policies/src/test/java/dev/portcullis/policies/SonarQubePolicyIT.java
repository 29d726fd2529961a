package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.spi.CredentialVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bundled, compiled SonarQube policy in the real wasm engine, behind the real enforcer: every
 * request that real scanners made against a real SonarQube is allowed, and the requests a leaked
 * token could abuse are refused.
 */
class SonarQubePolicyIT {

  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";
  private static final Path OBSERVED = Path.of("src/test/resources/observed");
  private static OpaWasmPolicyEngine engine;
  private static PolicyEnforcer verified;

  @BeforeAll
  static void loadPolicy() {
    engine = SonarQubePolicy.engine(null).instances(1).warmUp(20).build();
    verified =
        SonarQubePolicy.enforcer(engine)
            .credentialVerifier(
                CredentialVerifier.of(
                    credential -> CredentialVerification.asserted(CredentialValidity.VALID)))
            .build();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("observedScanRequests")
  void everyRequestOfARealScanIsAllowed(String label, RawRequest request) {
    Decision decision = verified.decide(request, RawRequest.ACCESSOR);

    assertThat(decision.allow()).as("%s -> %s", label, decision).isTrue();
    assertThat(decision.forwardTarget()).isEqualTo(request.target());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("directStatusRequests")
  void whatSonarQubeWouldServeALeakedTokenIsRefused(
      String label, RawRequest request, boolean hasCredential) {
    Decision decision = verified.decide(request, RawRequest.ACCESSOR);

    assertThat(decision.allow()).as("%s -> %s", label, decision).isFalse();
    assertThat(decision.status()).as(label).isEqualTo(hasCredential ? 403 : 401);
  }

  @Test
  void goldenCasesDecideAsTheGoldenFileSays() throws IOException {
    JsonNode golden;
    try (InputStream in =
        Files.newInputStream(
            Path.of("../core/src/test/resources/dev/portcullis/policy-input-golden.json"))) {
      golden = new ObjectMapper().readTree(in).path("portcullis_golden");
    }
    assertThat(golden.size()).isGreaterThanOrEqualTo(5);
    golden
        .fields()
        .forEachRemaining(
            entry -> {
              // The golden input goes straight into the compiled policy, bypassing Java's input
              // building.
              String raw =
                  com.styra.opa.wasm.OpaPolicy.builder()
                      .withPolicy(SonarQubePolicy.source().wasm())
                      .build()
                      .entrypoint(SonarQubePolicy.ENTRYPOINT)
                      .data(SonarQubePolicy.data(null))
                      .evaluate(entry.getValue().path("input").toString());
              JsonNode result;
              try {
                result = new ObjectMapper().readTree(raw).path(0).path("result");
              } catch (IOException e) {
                throw new AssertionError(e);
              }
              assertThat(result.path("allow").asBoolean())
                  .as(entry.getKey())
                  .isEqualTo(entry.getValue().at("/expect/allow").asBoolean());
              assertThat(result.path("status").asInt())
                  .as(entry.getKey())
                  .isEqualTo(entry.getValue().at("/expect/status").asInt());
            });
  }

  static Stream<Object[]> observedScanRequests() throws IOException {
    List<Object[]> cases = new ArrayList<>();
    try (Stream<Path> files = Files.list(OBSERVED)) {
      for (Path file :
          files.filter(f -> f.getFileName().toString().startsWith("sq")).sorted().toList()) {
        for (Map<String, String> row : rows(file)) {
          cases.add(
              new Object[] {
                file.getFileName() + " " + row.get("method") + " " + row.get("path_and_query"),
                request(row.get("method"), row.get("path_and_query"), row.get("credential"))
              });
        }
      }
    }
    assertThat(cases).as("observed scans in %s", OBSERVED).hasSizeGreaterThan(20);
    return cases.stream();
  }

  static Stream<Object[]> directStatusRequests() throws IOException {
    List<Object[]> cases = new ArrayList<>();
    try (Stream<Path> files = Files.list(OBSERVED)) {
      for (Path file :
          files
              .filter(f -> f.getFileName().toString().startsWith("direct-status"))
              .sorted()
              .toList()) {
        for (Map<String, String> row : rows(file)) {
          cases.add(
              new Object[] {
                file.getFileName()
                    + " "
                    + row.get("method")
                    + " "
                    + row.get("path_and_query")
                    + " "
                    + row.get("credential"),
                request(row.get("method"), row.get("path_and_query"), row.get("credential")),
                !row.get("credential").equals("none")
              });
        }
      }
    }
    assertThat(cases).isNotEmpty();
    return cases.stream();
  }

  private static RawRequest request(String method, String target, String credential) {
    RawRequest request =
        RawRequest.of(method, target, "203.0.113.7").withHeader("Host", "sonar.example.com");
    if (method.equals("POST")) {
      request =
          request
              .withHeader("Content-Type", "multipart/form-data; boundary=x")
              .withHeader("Content-Length", "32264");
    }
    switch (credential) {
      case "bearer":
        return request.withHeader("Authorization", "Bearer " + TOKEN);
      case "basic":
        return request.withHeader(
            "Authorization",
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((TOKEN + ":").getBytes(StandardCharsets.UTF_8)));
      case "none":
        return request;
      default:
        throw new IllegalArgumentException("unknown credential column value " + credential);
    }
  }

  /** The rows of a TSV with a header line; '#' lines are comments. */
  static List<Map<String, String>> rows(Path file) throws IOException {
    List<String> lines =
        Files.readAllLines(file).stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    String[] header = lines.get(0).split("\t");
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split("\t");
      Map<String, String> row = new java.util.HashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], i < cells.length ? cells[i] : "");
      }
      rows.add(row);
    }
    return rows;
  }
}
