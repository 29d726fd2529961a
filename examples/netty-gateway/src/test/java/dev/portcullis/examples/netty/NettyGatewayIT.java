package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.examples.gateway.AbstractGatewayIT;
import dev.portcullis.examples.gateway.CredentialCheck;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.GatewaySonarQube;
import dev.portcullis.examples.gateway.RunningGateway;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.RecordingUpstream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Netty gateway (the Portcullis handler, the streaming proxy, the bundled policy) in front of a
 * fake SonarQube: the suite every gateway passes, and what only a hand-written proxy has to prove
 * (pipelining through the Portcullis handler, connection reuse behind it, {@code Expect:
 * 100-continue}). Runs with a 128 MB heap and paranoid leak detection; {@link NettyProxyIT} tests
 * the proxy alone.
 */
@ExtendWith(NettyLeakCheck.class)
class NettyGatewayIT extends AbstractGatewayIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return NettyGateway.start(config);
  }

  @Test
  void describesItselfLikeTheOtherGateway() {
    assertThat(gateway.describe())
        .startsWith(
            "Portcullis Netty gateway listening on "
                + gateway.uri()
                + ", forwarding to "
                + sonar.baseUri()
                + " (policy ");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(
          RawHttpConnection.get("/api/server/version")
              + "GET /api/settings/values.protobuf?component=demo HTTP/1.1\r\nHost: x\r\nAuthorization: "
              + BASIC_GOOD
              + "\r\n\r\n"
              + RawHttpConnection.get("/api/users/search?q=a")
              + RawHttpConnection.get("/batch/index"));

      List<RawHttpResponse> responses =
          List.of(client.read(), client.read(), client.read(), client.read());

      assertThat(responses).extracting(RawHttpResponse::status).containsExactly(200, 200, 401, 200);
      assertThat(responses.get(0).bodyText()).isEqualTo("echo GET /api/server/version");
      assertThat(responses.get(1).bodyText())
          .isEqualTo("echo GET /api/settings/values.protobuf?component=demo");
      assertThat(responses.get(3).bodyText()).isEqualTo("echo GET /batch/index");
    }
    assertThat(sonar.received()).noneMatch(line -> line.contains("/api/users"));
  }

  @Test
  void requestsBehindThePolicyReuseOneUpstreamConnection() throws Exception {
    try (RecordingUpstream upstream =
            RecordingUpstream.start(
                (request, out) -> {
                  RecordingUpstream.respond(out, 200, "", "ok");
                  return true;
                });
        RunningGateway behindPolicy =
            start(
                GatewayConfig.builder(upstream.uri())
                    .credentialCheck(CredentialCheck.NONE)
                    .build());
        RawHttpConnection client = RawHttpConnection.open(behindPolicy.uri())) {
      for (int i = 0; i < 10; i++) {
        assertThat(client.send(RawHttpConnection.get("/api/server/version")).read().status())
            .isEqualTo(200);
      }
      assertThat(client.send(RawHttpConnection.get("/api/users/search?q=a")).read().status())
          .isEqualTo(401);

      assertThat(upstream.completedRequests()).hasSize(10);
      assertThat(upstream.connections()).isEqualTo(1);
    }
  }

  @Test
  void xForwardedForNamesTheClientResolvedBehindTheTrustedProxyNotThePeer() throws Exception {
    try (RecordingUpstream upstream =
            RecordingUpstream.start(
                (request, out) -> {
                  RecordingUpstream.respond(out, 200, "", "ok");
                  return true;
                });
        RunningGateway behindProxy =
            start(
                GatewayConfig.builder(upstream.uri())
                    .credentialCheck(CredentialCheck.NONE)
                    .trustedProxies(List.of("127.0.0.1/32"))
                    .build());
        RawHttpConnection client = RawHttpConnection.open(behindProxy.uri())) {
      // The peer (127.0.0.1) is the trusted proxy; it says the request came from 198.51.100.7,
      // which was
      // told so by a hop nobody trusts.
      RawHttpResponse response =
          client
              .send(
                  "GET /api/server/version HTTP/1.1\r\nHost: x\r\n"
                      + "X-Forwarded-For: 203.0.113.9, 198.51.100.7\r\n\r\n")
              .read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(upstream.completedRequests())
          .singleElement()
          .satisfies(
              request ->
                  assertThat(request.headers()).containsEntry("x-forwarded-for", "198.51.100.7"));
    }
  }

  @Test
  void expectContinueIsAnsweredByTheGatewayAndNotForwarded() throws Exception {
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(
          "POST /api/ce/submit?projectKey=demo HTTP/1.1\r\nHost: x\r\nAuthorization: "
              + BASIC_GOOD
              + "\r\nContent-Type: "
              + UPLOAD_CONTENT_TYPE
              + "\r\nContent-Length: "
              + reportUploadLength(10)
              + "\r\nExpect: 100-continue\r\n\r\n");
      assertThat(client.readHead().status()).isEqualTo(100);
      client.send(reportUpload(10).readAllBytes());

      RawHttpResponse response = client.read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(GatewaySonarQube.digest(reportUpload(10)));
    }
    assertThat(sonar.headers("/api/ce/submit")).doesNotContainKey("Expect");
  }
}
