package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Decision;
import dev.portcullis.DecisionRecord;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class JsonDecisionLogTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "sqp_1111111111111111111111111111111111111111";
  private static final String PASSWORD = "correct-horse-battery-staple";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @Test
  void eachDecisionIsOneLineInOpasFieldNames() throws Exception {
    JsonDecisionLog log =
        JsonDecisionLog.builder(out)
            .path("portcullis/sonarqube/decision")
            .label("id", "gw-1")
            .label("version", "1.2.3")
            .build();
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                engine(
                    input ->
                        input.request().path().startsWith("/api/users")
                            ? Decision.deny(403, "user_directory", "No.")
                            : Decision.allow(List.of("scanner_api"), "Ok.")))
            .recorder(log)
            .build();

    enforcer.decide(
        RawRequest.of("GET", "/api/server/version", "203.0.113.7"), RawRequest.ACCESSOR);
    enforcer.decide(RawRequest.of("GET", "/api/users/search", "203.0.113.7"), RawRequest.ACCESSOR);
    log.close();

    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode allow = lines.get(0);
    assertThat(allow.path("decision_id").asText()).hasSize(36);
    assertThat(allow.path("timestamp").asText()).endsWith("Z");
    assertThat(allow.path("path").asText()).isEqualTo("portcullis/sonarqube/decision");
    assertThat(allow.path("input").path("request").path("path").asText())
        .isEqualTo("/api/server/version");
    assertThat(allow.path("input").path("client").path("ip").asText()).isEqualTo("203.0.113.7");
    assertThat(allow.path("result").path("allow").asBoolean()).isTrue();
    assertThat(allow.path("result").path("reasons").get(0).asText()).isEqualTo("scanner_api");
    assertThat(allow.path("enforced").asBoolean()).isTrue();
    assertThat(allow.path("revision").asText()).isEqualTo("rev-1");
    assertThat(allow.path("labels").path("id").asText()).isEqualTo("gw-1");
    assertThat(allow.path("labels").path("version").asText()).isEqualTo("1.2.3");
    assertThat(allow.path("metrics").path("timer_rego_query_eval_ns").isIntegralNumber()).isTrue();
    JsonNode deny = lines.get(1);
    assertThat(deny.path("result").path("allow").asBoolean()).isFalse();
    assertThat(deny.path("result").path("status").asInt()).isEqualTo(403);
    assertThat(deny.path("decision_id").asText()).isNotEqualTo(allow.path("decision_id").asText());
  }

  @Test
  void noTokenOrPasswordEverReachesTheLog() throws Exception {
    JsonDecisionLog log = JsonDecisionLog.builder(out).build();
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(
                engine(
                    input ->
                        input.credential().validity() == CredentialValidity.VALID
                            ? Decision.allow(List.of("ok"), "Ok.")
                            : Decision.deny(401, "credential_invalid", "No.")))
            .credentialVerifier(
                CredentialVerifier.of(
                    credential ->
                        new CredentialVerification(
                            credential.secret().equals(TOKEN)
                                ? CredentialValidity.VALID
                                : CredentialValidity.INVALID,
                            "test")))
            .recorder(log)
            .build();
    String basicToken =
        Base64.getEncoder().encodeToString((TOKEN + ":").getBytes(StandardCharsets.UTF_8));
    String basicPassword =
        Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

    for (String authorization :
        List.of("Bearer " + TOKEN, "Basic " + basicToken, "Basic " + basicPassword)) {
      enforcer.decide(
          RawRequest.of("GET", "/api/server/version", "203.0.113.7")
              .withHeader("Authorization", authorization)
              .withHeader("Cookie", "JWT-SESSION=" + TOKEN)
              .withHeader("X-Sonar-Passcode", PASSWORD),
          RawRequest.ACCESSOR);
    }
    log.close();

    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(lines()).hasSize(3);
    assertThat(text)
        .doesNotContain(TOKEN)
        .doesNotContain(TOKEN.substring(4))
        .doesNotContain(PASSWORD)
        .doesNotContain(basicToken)
        .doesNotContain(basicPassword)
        .doesNotContainIgnoringCase("authorization\":");
  }

  /** Logs, once closed, the denied request {@code method target} to {@link #out}. */
  private void logDenied(String method, String target) {
    JsonDecisionLog log = JsonDecisionLog.builder(out).build();
    PolicyEnforcer.builder(engine(input -> Decision.deny(403, "no", "No.")))
        .recorder(log)
        .build()
        .decide(RawRequest.of(method, target, "203.0.113.7"), RawRequest.ACCESSOR);
    log.close();
  }

  @Test
  void secretsInTheQueryAreRedactedButTheRestIsKept() throws Exception {
    logDenied(
        "POST",
        "/api/authentication/login?login=admin&password="
            + PASSWORD
            + "&previousPassword="
            + PASSWORD
            + "&Token="
            + TOKEN
            + "&project=demo");

    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain(PASSWORD).doesNotContain(TOKEN);
    JsonNode query = lines().get(0).path("input").path("request").path("query");
    assertThat(query.path("password").get(0).asText()).isEqualTo("[redacted]");
    assertThat(query.path("previousPassword").get(0).asText()).isEqualTo("[redacted]");
    assertThat(query.path("Token").get(0).asText()).isEqualTo("[redacted]");
    assertThat(query.path("login").get(0).asText()).isEqualTo("admin");
    assertThat(query.path("project").get(0).asText()).isEqualTo("demo");
  }

  @Test
  void tokenShapedValuesAreRedactedWhateverTheirParameterName() throws Exception {
    String legacy = "0123456789abcdef0123456789abcdef01234567";

    logDenied(
        "GET",
        "/api/x/"
            + TOKEN
            + "?sonar.login="
            + TOKEN
            + "&auth=x"
            + legacy
            + "&key=Bearer%20"
            + TOKEN.toUpperCase(java.util.Locale.ROOT)
            + "&component=demo&revision="
            + legacy
            + "0");

    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .doesNotContain(TOKEN)
        .doesNotContain(TOKEN.substring(4))
        .doesNotContain(TOKEN.toUpperCase(java.util.Locale.ROOT))
        .doesNotContain("x" + legacy);
    JsonNode request = lines().get(0).path("input").path("request");
    assertThat(request.path("path").asText()).isEqualTo("/api/x/[redacted]");
    assertThat(request.path("query").path("sonar.login").get(0).asText()).isEqualTo("[redacted]");
    assertThat(request.path("query").path("key").get(0).asText()).isEqualTo("Bearer [redacted]");
    assertThat(request.path("query").path("component").get(0).asText()).isEqualTo("demo");
    // 41 hexadecimal digits are not a legacy token
    assertThat(request.path("query").path("revision").get(0).asText()).isEqualTo(legacy + "0");
  }

  @Test
  void allowsAreSampledAndDeniesAlwaysLogged() throws Exception {
    JsonDecisionLog log = JsonDecisionLog.builder(out).sampleAllows(0).build();

    for (int i = 0; i < 10; i++) {
      log.record(record(Decision.allow(List.of("ok"), "Ok.")));
      log.record(record(Decision.deny(403, "nope", "No.")));
    }
    log.close();

    assertThat(lines())
        .hasSize(10)
        .allMatch(line -> !line.path("result").path("allow").asBoolean());
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch writing = new CountDownLatch(1);
    OutputStream stalled =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            writing.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
            out.write(b, off, len);
          }
        };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    JsonDecisionLog log =
        JsonDecisionLog.builder(stalled).queueCapacity(2).meterRegistry(registry).build();

    log.record(record(Decision.deny(403, "nope", "No.")));
    writing.await();
    for (int i = 0; i < 9; i++) {
      log.record(record(Decision.deny(403, "nope", "No.")));
    }
    release.countDown();
    log.close();

    // The writer is stuck on the first line, the queue holds two more, the rest are dropped.
    assertThat(log.dropped()).isEqualTo(7);
    assertThat(registry.get("portcullis.decision.log.dropped").counter().count())
        .isEqualTo(log.dropped());
    assertThat(lines()).hasSize((int) (10 - log.dropped()));
  }

  private static DecisionRecord record(Decision decision) {
    return new DecisionRecord("GET", null, decision, true, 0, 1, 2, "rev");
  }

  private List<JsonNode> lines() throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isEmpty()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  private static PolicyEngine engine(java.util.function.Function<PolicyInput, Decision> rules) {
    return new PolicyEngine() {
      @Override
      public Decision evaluate(PolicyInput input) {
        return rules.apply(input);
      }

      @Override
      public String describe() {
        return "stub";
      }

      @Override
      public String revision() {
        return "rev-1";
      }
    };
  }
}
