package dev.portcullis.servlet;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.AbstractAdapterConformanceTest;
import dev.portcullis.testkit.UpstreamHandler;
import java.net.URI;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

class TomcatConformanceIT extends AbstractAdapterConformanceTest {

  private Tomcat tomcat;

  @Override
  protected URI startServer(PolicyEnforcer enforcer, UpstreamHandler upstream) throws Exception {
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", null);
    FilterDef filter = new FilterDef();
    filter.setFilterName("portcullis");
    filter.setFilter(filter(enforcer));
    filter.setAsyncSupported("true");
    context.addFilterDef(filter);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName("portcullis");
    mapping.addURLPattern("/*");
    mapping.setDispatcher("REQUEST");
    mapping.setDispatcher("ASYNC");
    context.addFilterMap(mapping);
    Wrapper servlet = Tomcat.addServlet(context, "upstream", new UpstreamServlet(upstream));
    servlet.setAsyncSupported(true);
    context.addServletMapping("/*", "upstream");
    tomcat.start();
    return URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort());
  }

  PortcullisFilter filter(PolicyEnforcer enforcer) {
    return new PortcullisFilter(enforcer);
  }

  @Override
  protected void stopServer() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }
}
