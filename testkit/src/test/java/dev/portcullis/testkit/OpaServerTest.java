package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real OPA server answers its Data API with the given Rego and data (a directory's modules, not
 * its tests or data files), stops, and a bad Rego fails the start with OPA's own message.
 */
class OpaServerTest {

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  @Test
  void answersThroughItsDataApiAndStops() throws Exception {
    Path policy = Files.createDirectories(dir.resolve("policy/t"));
    Files.writeString(policy.resolve("t.rego"), "package t\n\nanswer := data.x + 1\n");
    // Neither a test nor the directory's data file is loaded: both would show under data.t.
    Files.writeString(policy.resolve("t_test.rego"), "package t\n\ntest_loaded := true\n");
    Files.writeString(policy.resolve("data.json"), "{\"from_dir\": true}");
    Path extra = Files.writeString(dir.resolve("extra.rego"), "package t\n\ngreeting := \"hi\"\n");

    URI url;
    try (OpaServer opa =
        OpaServer.builder().policy(dir.resolve("policy"), extra).data("{\"x\": 41}").start()) {
      url = opa.url();
      assertThat(url.getHost()).isEqualTo("127.0.0.1");

      HttpResponse<String> answer = get(url.resolve("/v1/data/t"));

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body().strip())
          .isEqualTo("{\"result\":{\"answer\":42,\"greeting\":\"hi\"}}");

      opa.stop();

      assertThatThrownBy(() -> get(url.resolve("/health"))).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aBadRegoFailsWithOpasMessage() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.rego"), "package bad\n\nx := \n");

    assertThatThrownBy(() -> OpaServer.builder().policy(bad).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("opa run exited")
        .hasMessageContaining("rego_parse_error")
        .hasMessageContaining("bad.rego");
  }

  @Test
  void aMissingPolicyIsNamed() {
    Path missing = dir.resolve("nowhere");

    assertThatThrownBy(() -> OpaServer.builder().policy(missing).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }

  private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
