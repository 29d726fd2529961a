package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

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
                        List.of("scanner_endpoint"),
                        200)));

    assertThat(line.path("method").asText()).isEqualTo("GET");
    assertThat(line.path("path").asText()).isEqualTo("/api/settings/values");
    assertThat(line.toString()).doesNotContain("secret-project").doesNotContain("abc");
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.path("bytes").asLong()).isEqualTo(1234);
    assertThat(line.path("duration_ms").asDouble()).isEqualTo(2.5);
    assertThat(line.path("client_ip").asText()).isEqualTo("203.0.113.7");
    assertThat(line.path("decision").asText()).isEqualTo("allow");
    assertThat(line.path("reasons").get(0).asText()).isEqualTo("scanner_endpoint");
    assertThat(line.path("upstream_status").asInt()).isEqualTo(200);
  }
}
