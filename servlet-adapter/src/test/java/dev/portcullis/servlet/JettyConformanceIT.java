package dev.portcullis.servlet;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.AbstractAdapterConformanceTest;
import dev.portcullis.testkit.UpstreamHandler;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

class JettyConformanceIT extends AbstractAdapterConformanceTest {

  private Server server;

  @Override
  protected URI startServer(PolicyEnforcer enforcer, UpstreamHandler upstream) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filter = new FilterHolder(filter(enforcer));
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    ServletHolder servlet = new ServletHolder(new UpstreamServlet(upstream));
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/*");
    server.setHandler(context);
    server.start();
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  PortcullisFilter filter(PolicyEnforcer enforcer) {
    return new PortcullisFilter(enforcer);
  }

  @Override
  protected void stopServer() throws Exception {
    server.stop();
  }
}
