package dev.portcullis.examples.jetty;

import dev.portcullis.examples.gateway.GatewayCommand;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.GatewayEnforcer;
import dev.portcullis.examples.gateway.RunningGateway;
import dev.portcullis.servlet.PortcullisFilter;
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

/**
 * A reverse proxy for SonarQube on Jetty 12: the Portcullis filter decides about every request, and
 * Jetty's asynchronous proxy servlet streams the allowed ones to SonarQube.
 *
 * <p>Credentials are verified against the upstream's {@code /api/authentication/validate} (cached)
 * before the policy runs, so a wrong token is refused by the gateway itself; {@link GatewayEnforcer} says
 * how the gateways decide.
 */
public final class JettyGateway implements RunningGateway {

  private final Server server;
  private final GatewayEnforcer decisions;
  private final URI uri;
  private final String description;

  private JettyGateway(Server server, GatewayEnforcer decisions, URI uri, String description) {
    this.server = server;
    this.decisions = decisions;
    this.uri = uri;
    this.description = description;
  }

  /** Loads the policy, starts Jetty and returns once the gateway accepts connections. */
  public static JettyGateway start(GatewayConfig config) throws Exception {
    GatewayEnforcer decisions = GatewayEnforcer.create(config);

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
    FilterHolder filter = new FilterHolder(PortcullisFilter.builder(decisions.enforcer()).asynchronous(true).build());
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
      decisions.close();
      throw e;
    }
    URI uri = config.listenUri(connector.getLocalPort());
    String description = "Portcullis Jetty gateway listening on " + uri + ", forwarding to " + config.upstream()
        + " (" + decisions.describe() + ")";
    return new JettyGateway(server, decisions, uri, description);
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void join() throws InterruptedException {
    server.join();
  }

  /** Stops accepting, lets running exchanges finish for up to five seconds, then stops. */
  @Override
  public void close() throws Exception {
    try {
      server.stop();
    } finally {
      decisions.close();
    }
  }

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty",
        System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn"));
    System.exit(GatewayCommand.run("jetty-gateway", JettyGateway::start, args));
  }
}
