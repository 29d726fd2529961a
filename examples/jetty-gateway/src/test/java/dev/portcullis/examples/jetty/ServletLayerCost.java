package dev.portcullis.examples.jetty;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.ProxyTelemetry;
import dev.portcullis.servlet.PortcullisFilter;
import dev.portcullis.spi.PolicyEngine;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Server;

/**
 * Not a test: starts the Jetty gateway's server and proxy servlet with a cheaper judge in front, or
 * Jetty's own reverse proxy without servlets, to measure under wrk what each layer of the Jetty
 * gateway costs against the real gateway on the same upstream ({@code
 * ROWS=nginx-plain,jetty,jetty-layers benchmarks/load/run-load.sh} runs all three).
 *
 * <pre>
 * java -cp examples/jetty-gateway/target/test-classes:examples/jetty-gateway/target/jetty-gateway.jar:JETTY_PROXY_JAR \
 *   dev.portcullis.examples.jetty.ServletLayerCost core-proxy|pass-through|allow-all UPSTREAM_URL PORT
 * </pre>
 *
 * <ul>
 *   <li>{@code core-proxy}: no servlets and no Portcullis: Jetty's core {@code ProxyHandler} on the
 *       gateway's server and connector, with an upstream client on the same buffer pool (Jetty's
 *       HTTP and its client only).
 *   <li>{@code pass-through}: no Portcullis at all; a filter hands the raw target to the proxy
 *       servlet (Jetty, the servlet layer, the proxy servlet and its upstream client).
 *   <li>{@code allow-all}: the Portcullis filter and enforcer (input built, headers checked,
 *       credential inspected) over an engine that allows everything, no credential verification.
 * </ul>
 *
 * No access log in either; the gateway itself runs it unless {@code
 * -Dorg.slf4j.simpleLogger.log.portcullis.access=off}.
 */
final class ServletLayerCost {

  private ServletLayerCost() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println(
          "usage: ServletLayerCost core-proxy|pass-through|allow-all UPSTREAM_URL PORT");
      System.exit(2);
    }
    GatewayConfig config =
        GatewayConfig.builder(URI.create(args[1]))
            .listen(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2])))
            .build();
    if (args[0].equals("core-proxy")) {
      Server server = coreProxy(config);
      System.out.println("Jetty core reverse proxy listening on port " + args[2]);
      server.join();
      return;
    }
    Filter judge;
    if (args[0].equals("pass-through")) {
      judge = new PassThrough();
    } else if (args[0].equals("allow-all")) {
      judge =
          PortcullisFilter.builder(PolicyEnforcer.builder(new AllowAll()).build())
              .asynchronous(true)
              .build();
    } else {
      throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    JettyGateway gateway =
        JettyGateway.start(config, judge, () -> {}, args[0], ProxyTelemetry.NONE);
    System.out.println(gateway.describe());
    gateway.join();
  }

  /** The gateway's server with Jetty's core reverse proxy as its only handler, started. */
  private static Server coreProxy(GatewayConfig config) throws Exception {
    Server server = JettyGateway.server(config);
    String upstream = config.upstream().toString().replaceAll("/+$", "");
    ClientConnector connector = new ClientConnector();
    connector.setByteBufferPool(server.getByteBufferPool());
    HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
    client.setFollowRedirects(false);
    ProxyHandler proxy =
        new ProxyHandler.Reverse(
            request -> HttpURI.build(upstream + request.getHttpURI().getPathQuery()));
    proxy.setHttpClient(client);
    server.setHandler(proxy);
    server.start();
    return server;
  }

  /** Forwards every request's raw target, as the proxy servlet's plain use would. */
  private static final class PassThrough implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest http = (HttpServletRequest) request;
      String query = http.getQueryString();
      http.setAttribute(
          PortcullisFilter.FORWARD_TARGET_ATTRIBUTE,
          query == null ? http.getRequestURI() : http.getRequestURI() + "?" + query);
      chain.doFilter(request, response);
    }
  }

  private static final class AllowAll implements PolicyEngine {
    private static final Decision ALLOW = Decision.allow(List.of("allow_all"), "allowed");

    @Override
    public Decision evaluate(PolicyInput input) {
      return ALLOW;
    }

    @Override
    public String describe() {
      return "allow-all";
    }
  }
}
