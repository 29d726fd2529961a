package dev.portcullis.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.examples.gateway.CredentialCheck;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.RecordingUpstream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Jetty gateway behind a policy that limits upload bodies ({@link Decision#maxBodyBytes()}): a
 * chunked upload declares no length, so the proxy must count what streams through, answer 413 once
 * the body goes past the limit, and abort the upstream request so that SonarQube never takes part
 * of a body for all of it.
 */
class JettyBodyLimitIT {

  private static final int LIMIT = 10_000;
  private static final String UPLOAD =
      "POST /api/ce/submit?projectKey=demo HTTP/1.1\r\nHost: gateway.test\r\n"
          + "Content-Type: application/zip\r\n";

  private RecordingUpstream upstream;
  private JettyGateway gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = RecordingUpstream.start();
    GatewayConfig config =
        GatewayConfig.builder(upstream.uri())
            .credentialCheck(CredentialCheck.NONE)
            .connectTimeout(Duration.ofSeconds(2))
            .idleTimeout(Duration.ofSeconds(5))
            .build();
    gateway =
        JettyGateway.start(
            config, PolicyEnforcer.builder(new UploadLimit()).build(), () -> {}, "upload limit");
  }

  @AfterEach
  void stop() throws Exception {
    try {
      gateway.close();
    } finally {
      upstream.close();
    }
  }

  @Test
  void aChunkedUploadOfExactlyTheLimitStreamsThroughWhole() throws Exception {
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(UPLOAD + "Transfer-Encoding: chunked\r\n\r\n" + chunks(LIMIT) + "0\r\n\r\n");

      assertThat(client.readIfAnswered().status()).isEqualTo(200);
    }
    assertThat(upstream.requests())
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.bodyBytes()).isEqualTo(LIMIT);
              assertThat(request.bodyComplete()).isTrue();
            });
  }

  @Test
  void aChunkedUploadPastTheLimitIs413AndTheUpstreamRequestIsAborted() throws Exception {
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(UPLOAD + "Transfer-Encoding: chunked\r\n\r\n" + chunks(LIMIT - 1000));
      // The upstream request is under way before the body goes past the limit.
      for (int i = 0; i < 50 && upstream.heads().isEmpty(); i++) {
        Thread.sleep(100);
      }
      assertThat(upstream.heads()).containsExactly("POST /api/ce/submit?projectKey=demo");
      client.send(chunks(1001) + "0\r\n\r\n");

      RawHttpResponse response = client.readIfAnswered();

      assertThat(response.status()).isEqualTo(413);
      assertThat(response.header("Content-Type")).startsWith(DeniedResponse.CONTENT_TYPE);
      assertThat(response.header("Cache-Control")).isEqualTo("no-store");
      assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(response.bodyText()).isEqualTo(DeniedResponse.json(Decision.bodyTooLarge()));
      assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
    }
    awaitUpstreamSawTheEnd();
    assertThat(upstream.requests())
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.bodyComplete()).as("body completed upstream").isFalse();
              assertThat(request.bodyBytes()).isLessThanOrEqualTo(LIMIT);
            });
  }

  @Test
  void aDeclaredLengthPastTheLimitIs413AndNeverForwarded() throws Exception {
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(UPLOAD + "Content-Length: " + (LIMIT + 1) + "\r\n\r\n" + "x".repeat(100));

      RawHttpResponse response = client.readIfAnswered();

      assertThat(response.status()).isEqualTo(413);
      assertThat(response.bodyText()).isEqualTo(DeniedResponse.json(Decision.bodyTooLarge()));
      assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
    }
    assertThat(upstream.heads()).isEmpty();
  }

  /** The upstream records an aborted request once it sees its connection close. */
  private void awaitUpstreamSawTheEnd() throws InterruptedException {
    for (int i = 0; i < 50 && upstream.requests().size() < upstream.heads().size(); i++) {
      Thread.sleep(100);
    }
  }

  /** {@code size} bytes in chunks of 1000. */
  private static String chunks(int size) {
    StringBuilder body = new StringBuilder();
    for (int sent = 0; sent < size; sent += 1000) {
      int length = Math.min(1000, size - sent);
      body.append(Integer.toHexString(length))
          .append("\r\n")
          .append("y".repeat(length))
          .append("\r\n");
    }
    return body.toString();
  }

  /** Allows every request, and uploads with a body limit of {@link #LIMIT} bytes. */
  private static final class UploadLimit implements PolicyEngine {
    @Override
    public Decision evaluate(PolicyInput input) {
      Decision allow = Decision.allow(List.of("test"), "Allowed.");
      return input.request().path().equals("/api/ce/submit")
          ? allow.withMaxBodyBytes(LIMIT)
          : allow;
    }

    @Override
    public String describe() {
      return "upload limit";
    }
  }
}
