package dev.portcullis.examples.jetty;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.examples.gateway.GatewayCommand;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.GatewayEnforcer;
import dev.portcullis.examples.gateway.GatewayLauncher;
import dev.portcullis.examples.gateway.ProxyTelemetry;
import dev.portcullis.examples.gateway.RunningGateway;
import dev.portcullis.servlet.PortcullisFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpCompliance;
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
 * before the policy runs, so a wrong token is refused by the gateway itself; {@link
 * GatewayEnforcer} says how the gateways decide.
 *
 * <p>Slow clients cannot hold a connection or a SonarQube worker: a request head must be complete
 * within the header timeout ({@link HeaderDeadlineConnectionFactory}), and a request body must keep
 * the minimum rate ({@link MinimumBodyRate}).
 */
public final class JettyGateway implements RunningGateway {

  /**
   * Room for the request line on top of {@code --max-header-bytes}: Jetty counts it with the
   * headers, and the enforcer refuses targets over 8 KiB with 414.
   */
  private static final int REQUEST_LINE_BYTES = 16 * 1024;

  /** The server may grow to at least this many threads, however few the cores. */
  private static final int MAX_THREADS_FLOOR = 16;

  private static final int THREADS_PER_CORE = 8;

  private final Server server;
  private final Runnable closeDecisions;
  private final URI uri;
  private final String description;

  private JettyGateway(Server server, Runnable closeDecisions, URI uri, String description) {
    this.server = server;
    this.closeDecisions = closeDecisions;
    this.uri = uri;
    this.description = description;
  }

  /**
   * Starts the admin listener (if configured), loads the policy, starts Jetty and returns once the
   * gateway accepts connections.
   */
  public static RunningGateway start(GatewayConfig config) throws Exception {
    return GatewayLauncher.start(
        config,
        "jetty-gateway",
        (decisions, telemetry, closeDecisions, howItDecides) ->
            start(config, decisions.enforcer(), closeDecisions, howItDecides, telemetry));
  }

  /**
   * Starts Jetty behind {@code enforcer}; {@code closeDecisions} runs last when the gateway stops,
   * and {@code howItDecides} ends the start-up line.
   */
  static JettyGateway start(
      GatewayConfig config, PolicyEnforcer enforcer, Runnable closeDecisions, String howItDecides)
      throws Exception {
    return start(config, enforcer, closeDecisions, howItDecides, ProxyTelemetry.NONE);
  }

  /** As above, counting upstream responses and logging requests in {@code telemetry}. */
  static JettyGateway start(
      GatewayConfig config,
      PolicyEnforcer enforcer,
      Runnable closeDecisions,
      String howItDecides,
      ProxyTelemetry telemetry)
      throws Exception {
    return start(
        config,
        PortcullisFilter.builder(enforcer).asynchronous(true).build(),
        closeDecisions,
        howItDecides,
        telemetry);
  }

  /**
   * As above with {@code judge} as the filter in front of the proxy servlet: the Portcullis filter,
   * or for measuring what it costs, one that lets everything through as it is.
   */
  static JettyGateway start(
      GatewayConfig config,
      Filter judge,
      Runnable closeDecisions,
      String howItDecides,
      ProxyTelemetry telemetry)
      throws Exception {
    Server server = server(config);
    ServerConnector connector = (ServerConnector) server.getConnectors()[0];

    ServletContextHandler context = new ServletContextHandler("/");
    // Asynchronous: a container thread never waits while SonarQube verifies a token.
    FilterHolder filter = new FilterHolder(judge);
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    MinimumBodyRate bodyRate =
        config.minBodyRate() == 0
            ? null
            : new MinimumBodyRate(config.minBodyRate(), config.headerTimeout(), System::nanoTime);
    ServletHolder proxy =
        new ServletHolder(
            new GatewayProxyServlet(
                config.upstream(),
                config.tls() ? "https" : "http",
                PortcullisFilter.FORWARD_TARGET_ATTRIBUTE,
                config.connectTimeout(),
                bodyRate,
                telemetry.upstream(),
                server.getByteBufferPool()));
    proxy.setAsyncSupported(true);
    proxy.setInitParameter("idleTimeout", Long.toString(config.idleTimeout().toMillis()));
    proxy.setInitParameter("timeout", Long.toString(config.upstreamTimeout().toMillis()));
    proxy.setInitParameter("preserveHost", "false");
    context.addServlet(proxy, "/*");
    server.setHandler(context);
    if (telemetry.access().enabled()) {
      server.setRequestLog(new JettyAccessLog(telemetry.access()));
    }
    server.setStopTimeout(5_000);
    server.setStopAtShutdown(false);
    server.start();
    URI uri = config.listenUri(connector.getLocalPort());
    String description =
        "Portcullis Jetty gateway listening on "
            + uri
            + ", forwarding to "
            + config.upstream()
            + " ("
            + howItDecides
            + ")";
    return new JettyGateway(server, closeDecisions, uri, description);
  }

  /**
   * The gateway's server and its one connector, without a handler: its threads, HTTP parsing,
   * header deadline and TLS. Shared with the measurement of what the servlet layer costs.
   */
  static Server server(GatewayConfig config) throws Exception {
    Server server = new Server(threadPool(Runtime.getRuntime().availableProcessors()));
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // Jetty's 8 KiB default would refuse smaller heads than the enforcer does, with its own 431.
    http.setRequestHeaderSize(config.maxHeaderBytes() + REQUEST_LINE_BYTES);
    // RFC 9110 parsing (no obs-fold, one Host, one Content-Length, not both framings) without the
    // bare LF it tolerates: a front proxy that reads a bare LF differently would see other headers
    // than the policy.
    http.setHttpCompliance(
        HttpCompliance.RFC9110.without(
            "RFC9110_CRLF_ONLY", HttpCompliance.Violation.LF_HEADER_TERMINATION));
    HttpConnectionFactory http11 =
        new HeaderDeadlineConnectionFactory(http, config.headerTimeout());
    ServerConnector connector;
    if (config.tls()) {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      config.requireReadableTlsFiles();
      ssl.setKeyStore(PemKeyStore.load(config.tlsCertificate(), config.tlsKey()));
      ssl.setKeyStorePassword("");
      http.addCustomizer(new SecureRequestCustomizer(false));
      connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), http11);
    } else {
      connector = new ServerConnector(server, http11);
    }
    connector.setHost(config.listen().getHostString());
    connector.setPort(config.listen().getPort());
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    server.addConnector(connector);
    // Jetty's own error page quotes the request's URI: a JSON deny with a fixed reason instead.
    server.setErrorHandler(new JsonErrorHandler());
    return server;
  }

  /**
   * The server's threads, sized for {@code cores}: no thread ever waits for SonarQube (the filter
   * suspends a request while its token is verified, the proxy servlet streams both ways
   * asynchronously and the upstream client runs on these threads too), so a few threads per core
   * keep every core busy; more only add stacks, context switches and malloc arenas. Jetty's default
   * of 200 grew to about 50 threads under 32 connections on 2 cores, parked most of the time. The
   * floor leaves room for the threads Jetty leases for good (acceptor, selectors, the upstream
   * client's selector) and for a short burst of blocking deny writes.
   */
  static QueuedThreadPool threadPool(int cores) {
    int max = Math.max(MAX_THREADS_FLOOR, THREADS_PER_CORE * cores);
    QueuedThreadPool threads = new QueuedThreadPool(max, Math.min(max, 2 * cores + 2));
    threads.setName("gateway");
    return threads;
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
      closeDecisions.run();
    }
  }

  public static void main(String[] args) {
    defaultLogLevel("org.eclipse.jetty", "warn");
    // Its warnings quote a malformed request's headers: any client could fill the log with its own
    // text. The access log has a line for each such request, with its 400 and without its headers.
    defaultLogLevel("org.eclipse.jetty.http.HttpParser", "error");
    System.exit(GatewayCommand.run("jetty-gateway", JettyGateway::start, args));
  }

  /** Sets {@code logger}'s SLF4J simple level unless the command line already did. */
  private static void defaultLogLevel(String logger, String level) {
    String property = "org.slf4j.simpleLogger.log." + logger;
    System.setProperty(property, System.getProperty(property, level));
  }
}
