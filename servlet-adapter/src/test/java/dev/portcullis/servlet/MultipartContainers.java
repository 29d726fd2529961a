package dev.portcullis.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Real Tomcat 11 and Jetty 12 on loopback, each serving one servlet with a multipart configuration
 * (so that the container parses multipart bodies), behind a filter when one is given.
 */
final class MultipartContainers implements AutoCloseable {

  private final Tomcat tomcat;
  private final Server jetty;
  private final List<URI> uris;

  private MultipartContainers(Tomcat tomcat, Server jetty, List<URI> uris) {
    this.tomcat = tomcat;
    this.jetty = jetty;
    this.uris = uris;
  }

  /** Starts both, each with its own {@code servlet}, behind {@code filter} unless it is null. */
  static MultipartContainers start(Supplier<HttpServlet> servlet, Filter filter) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat-multipart").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", null);
    if (filter != null) {
      FilterDef definition = new FilterDef();
      definition.setFilterName("portcullis");
      definition.setFilter(filter);
      context.addFilterDef(definition);
      FilterMap mapping = new FilterMap();
      mapping.setFilterName("portcullis");
      mapping.addURLPattern("/*");
      context.addFilterMap(mapping);
    }
    Wrapper wrapper = Tomcat.addServlet(context, "app", servlet.get());
    wrapper.setMultipartConfigElement(new MultipartConfigElement(""));
    context.addServletMapping("/*", "app");
    tomcat.start();

    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    jetty.addConnector(connector);
    ServletContextHandler handler = new ServletContextHandler("/");
    if (filter != null) {
      handler.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    ServletHolder holder = new ServletHolder(servlet.get());
    holder
        .getRegistration()
        .setMultipartConfig(
            new MultipartConfigElement(Files.createTempDirectory("jetty-multipart").toString()));
    handler.addServlet(holder, "/*");
    jetty.setHandler(handler);
    jetty.start();

    return new MultipartContainers(
        tomcat,
        jetty,
        List.of(
            URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort()),
            URI.create("http://127.0.0.1:" + connector.getLocalPort())));
  }

  /** Tomcat's base URI, then Jetty's. */
  List<URI> uris() {
    return uris;
  }

  @Override
  public void close() throws Exception {
    try {
      tomcat.stop();
      tomcat.destroy();
    } finally {
      jetty.stop();
    }
  }
}
