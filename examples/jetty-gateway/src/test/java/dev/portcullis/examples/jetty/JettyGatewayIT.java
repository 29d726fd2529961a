package dev.portcullis.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.examples.gateway.AbstractGatewayIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Jetty gateway (the Portcullis filter, Jetty's proxy servlet, the bundled policy) in front of
 * a fake SonarQube.
 */
class JettyGatewayIT extends AbstractGatewayIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return JettyGateway.start(config);
  }

  @Test
  void behindATrustedProxyTheForwardedForSentUpstreamIsTheResolvedClient() throws Exception {
    try (RunningGateway behindProxy =
        start(
            GatewayConfig.builder(sonar.baseUri())
                .trustedProxies(List.of("127.0.0.0/8"))
                .build())) {
      HttpRequest request =
          HttpRequest.newBuilder(behindProxy.uri().resolve("/api/server/version"))
              .header("X-Forwarded-For", "198.51.100.7, 203.0.113.9")
              .build();
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(sonar.headers("/api/server/version").get("X-forwarded-for"))
          .containsExactly("203.0.113.9");
    }
  }
}
