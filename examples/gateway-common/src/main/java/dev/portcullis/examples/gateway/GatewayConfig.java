package dev.portcullis.examples.jetty;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * @param trustedProxies CIDR ranges of reverse proxies in front of the gateway whose {@code Forwarded} /
 *     {@code X-Forwarded-For} name the client; empty trusts nobody
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
    Duration upstreamTimeout,
    List<String> trustedProxies) {

  GatewayConfig {
    trustedProxies = List.copyOf(trustedProxies);
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

  /** A configuration that trusts no proxy. */
  GatewayConfig(URI upstream, InetSocketAddress listen, String policyData, boolean verifyCredentials, Path tlsCertificate,
      Path tlsKey, Duration connectTimeout, Duration idleTimeout, Duration upstreamTimeout) {
    this(upstream, listen, policyData, verifyCredentials, tlsCertificate, tlsKey, connectTimeout, idleTimeout,
        upstreamTimeout, List.of());
  }

  boolean tls() {
    return tlsCertificate != null;
  }
}
