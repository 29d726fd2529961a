package dev.portcullis.examples.jetty;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the Jetty gateway needs to start.
 *
 * @param upstream SonarQube's origin, such as {@code http://127.0.0.1:9000}
 * @param listen where the gateway listens
 * @param policyData the policy data document (JSON) merged over the defaults, or {@code null}
 * @param verifyCredentials whether credentials are verified against the upstream before the policy runs
 * @param tlsCertificate PEM certificate chain, or {@code null} for plain HTTP
 * @param tlsKey PEM PKCS#8 private key, or {@code null}
 * @param connectTimeout upstream connect timeout
 * @param idleTimeout longest silence on a client or upstream connection
 * @param upstreamTimeout longest time for one whole upstream exchange (report uploads and plugin
 *     downloads are large)
 */
record GatewayConfig(
    URI upstream,
    InetSocketAddress listen,
    String policyData,
    boolean verifyCredentials,
    Path tlsCertificate,
    Path tlsKey,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration upstreamTimeout) {

  GatewayConfig {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(listen, "listen");
    if (!"http".equals(upstream.getScheme()) && !"https".equals(upstream.getScheme())) {
      throw new IllegalArgumentException("--upstream must be an http:// or https:// URL, not " + upstream);
    }
    if (upstream.getHost() == null || (upstream.getRawPath() != null && !upstream.getRawPath().isEmpty()
        && !upstream.getRawPath().equals("/")) || upstream.getRawQuery() != null) {
      throw new IllegalArgumentException("--upstream must be an origin such as http://127.0.0.1:9000 without a path; "
          + "for a SonarQube context path set context_path in the policy data instead");
    }
    if ((tlsCertificate == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
  }

  boolean tls() {
    return tlsCertificate != null;
  }
}
