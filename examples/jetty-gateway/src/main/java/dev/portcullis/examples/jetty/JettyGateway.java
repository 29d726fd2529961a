package dev.portcullis.examples.jetty;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.client.TrustedProxies;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.servlet.PortcullisFilter;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.verify.CachingCredentialVerifier;
import dev.portcullis.verify.SonarQubeCredentialVerifier;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reverse proxy for SonarQube on Jetty 12: the Portcullis filter decides about every request, and
 * Jetty's asynchronous proxy servlet streams the allowed ones to SonarQube.
 *
 * <p>Credentials are verified against the upstream's {@code /api/authentication/validate} (cached)
 * before the policy runs, so a wrong token is refused by the gateway itself.
 */
public final class JettyGateway implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JettyGateway.class);

  private final Server server;
  private final OpaWasmPolicyEngine engine;
  private final URI uri;
  private final String description;

  private JettyGateway(Server server, OpaWasmPolicyEngine engine, URI uri, String description) {
    this.server = server;
    this.engine = engine;
    this.uri = uri;
    this.description = description;
  }

  /** Loads the policy, starts Jetty and returns once the gateway accepts connections. */
  public static JettyGateway start(GatewayConfig config) throws Exception {
    TrustedProxies trustedProxies = TrustedProxies.of(config.trustedProxies());
    OpaWasmPolicyEngine engine = SonarQubePolicy.engine(config.policyData()).build();
    CredentialVerifier verifier = config.verifyCredentials()
        ? CachingCredentialVerifier.builder(SonarQubeCredentialVerifier.builder().baseUri(config.upstream()).build()).build()
        : CredentialVerifier.NONE;
    PolicyEnforcer enforcer = PolicyEnforcer.builder(engine)
        .credentialVerifier(verifier)
        .trustedProxies(trustedProxies)
        .listener(JettyGateway::logDenial)
        .build();

    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("gateway");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector;
    if (config.tls()) {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(PemKeyStore.load(config.tlsCertificate(), config.tlsKey()));
      ssl.setKeyStorePassword("");
      http.addCustomizer(new SecureRequestCustomizer(false));
      connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    } else {
      connector = new ServerConnector(server, new HttpConnectionFactory(http));
    }
    connector.setHost(config.listen().getHostString());
    connector.setPort(config.listen().getPort());
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/");
    // Asynchronous: a container thread never waits while SonarQube verifies a token.
    FilterHolder filter = new FilterHolder(PortcullisFilter.builder(enforcer).asynchronous(true).build());
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    ServletHolder proxy = new ServletHolder(
        new GatewayProxyServlet(config.upstream(), PortcullisFilter.FORWARD_TARGET_ATTRIBUTE, config.connectTimeout()));
    proxy.setAsyncSupported(true);
    proxy.setInitParameter("idleTimeout", Long.toString(config.idleTimeout().toMillis()));
    proxy.setInitParameter("timeout", Long.toString(config.upstreamTimeout().toMillis()));
    proxy.setInitParameter("preserveHost", "false");
    context.addServlet(proxy, "/*");
    server.setHandler(context);
    server.setStopTimeout(5_000);
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      engine.close();
      throw e;
    }
    String scheme = config.tls() ? "https" : "http";
    URI uri = URI.create(scheme + "://" + hostForUri(config.listen().getHostString()) + ":" + connector.getLocalPort());
    String description = "Portcullis Jetty gateway listening on " + uri + ", forwarding to " + config.upstream()
        + " (policy " + engine.describe() + ", credentials "
        + (config.verifyCredentials() ? "verified by " + config.upstream() + "/api/authentication/validate" : "not verified")
        + ")";
    return new JettyGateway(server, engine, uri, description);
  }

  /** One line per refused request: what was refused and why, never a query value or a credential. */
  private static void logDenial(String method, PolicyInput input, Decision decision) {
    if (!decision.allow()) {
      LOG.info("denied status={} reasons={} method={} path={} client={}", decision.status(), decision.reasons(),
          method, input == null ? "-" : input.request().path(), input == null ? "-" : input.client().ip());
    }
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** Where the gateway listens. */
  public URI uri() {
    return uri;
  }

  /** One line saying where it listens and what it forwards to. */
  public String describe() {
    return description;
  }

  /** Waits until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  /** Stops accepting, lets running exchanges finish for up to five seconds, then stops. */
  @Override
  public void close() throws Exception {
    try {
      server.stop();
    } finally {
      engine.close();
    }
  }

  public static void main(String[] args) {
    System.exit(GatewayCommand.run(args));
  }
}
