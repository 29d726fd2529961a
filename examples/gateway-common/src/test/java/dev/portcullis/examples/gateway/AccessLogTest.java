package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccessLogTest {

  @Test
  void aLineHasThePathWithoutItsQueryAndEveryField() throws Exception {
    JsonNode line =
        new ObjectMapper()
            .readTree(
                AccessLog.line(
                    new AccessLog.Entry(
                        "GET",
                        "/api/settings/values?component=secret-project&token=abc",
                        200,
                        1234,
                        2_500_000,
                        "203.0.113.7",
                        "allow",
                        List.of(),
                        200)));

    assertThat(line.path("method").asText()).isEqualTo("GET");
    assertThat(line.path("path").asText()).isEqualTo("/api/settings/values");
    assertThat(line.toString()).doesNotContain("secret-project").doesNotContain("abc");
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.path("bytes").asLong()).isEqualTo(1234);
    assertThat(line.path("duration_ms").asDouble()).isEqualTo(2.5);
    assertThat(line.path("client_ip").asText()).isEqualTo("203.0.113.7");
    assertThat(line.path("decision").asText()).isEqualTo("allow");
    assertThat(line.path("reasons").isArray()).isTrue();
    assertThat(line.path("reasons")).isEmpty();
    assertThat(line.path("upstream_status").asInt()).isEqualTo(200);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/server/version#access_token=sqp_secret | /api/server/version",
        "/api/server/version;jsessionid=secret | /api/server/version",
        "/api/a;b=secret?c=secret#secret | /api/a",
        "/api/users;x=secret/search | /api/users/search",
        "/api;a=secret;b=secret/users;c=secret | /api/users",
        "http://admin:secret@sonar.example/api/server/version | /api/server/version",
        "https://admin:secret@sonar.example | ''",
        "admin:secret@sonar.example/api/x | /api/x",
        "HTTP://sonar.example/api/x?q=secret | /api/x",
        "* | *",
        "/ | /"
      })
  void thePathLeavesOutWhatMayCarryASecret(String target, String logged) {
    assertThat(AccessLog.pathOf(target)).isEqualTo(logged).doesNotContain("secret");
  }

  @Test
  void aLongPathIsCut() {
    assertThat(AccessLog.pathOf("/" + "a".repeat(600))).hasSize(515).endsWith("...");
  }

  @Test
  void aRefusalCarriesItsReasonsAndNoUpstreamStatus() throws Exception {
    JsonNode line =
        new ObjectMapper()
            .readTree(
                AccessLog.line(
                    new AccessLog.Entry(
                        "GET",
                        "/api/users/search?q=a",
                        403,
                        120,
                        1_000_000,
                        "203.0.113.7",
                        "deny",
                        List.of("user_directory", "strict_mode"),
                        0)));

    assertThat(line.path("decision").asText()).isEqualTo("deny");
    assertThat(line.path("reasons").get(0).asText()).isEqualTo("user_directory");
    assertThat(line.path("reasons").get(1).asText()).isEqualTo("strict_mode");
    assertThat(line.has("upstream_status")).isFalse();
  }
}
