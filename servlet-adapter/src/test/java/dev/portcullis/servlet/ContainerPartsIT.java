package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.StubPolicyEngine;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The filter in front of an application that reads a multipart body through the container ({@code
 * getParts}, {@code getParameter}), in real Tomcat 11 and Jetty 12: the container parses the body
 * itself, so the filter judges the parts it parsed before the application gets any.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerPartsIT {

  private static final String BOUNDARY = "container-parts-5e2a";
  private static final String REPORT =
      "Content-Disposition: form-data; name=\"report\"; filename=\"r.zip\"\r\n"
          + "Content-Type: application/zip";

  private final HttpClient client = HttpClient.newHttpClient();
  private final AtomicInteger servletRuns = new AtomicInteger();
  private final AtomicInteger partsHandedOut = new AtomicInteger();
  private Tomcat tomcat;
  private Server jetty;
  private List<URI> containers;

  @BeforeAll
  void start() throws Exception {
    PortcullisFilter filter =
        PortcullisFilter.builder(PolicyEnforcer.builder(new StubPolicyEngine()).build()).build();

    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat-parts").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", null);
    FilterDef definition = new FilterDef();
    definition.setFilterName("portcullis");
    definition.setFilter(filter);
    context.addFilterDef(definition);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName("portcullis");
    mapping.addURLPattern("/*");
    context.addFilterMap(mapping);
    Wrapper servlet = Tomcat.addServlet(context, "app", new PartsApplication());
    servlet.setMultipartConfigElement(new MultipartConfigElement(""));
    context.addServletMapping("/*", "app");
    tomcat.start();

    jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    jetty.addConnector(connector);
    ServletContextHandler handler = new ServletContextHandler("/");
    handler.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    ServletHolder holder = new ServletHolder(new PartsApplication());
    holder
        .getRegistration()
        .setMultipartConfig(
            new MultipartConfigElement(Files.createTempDirectory("jetty-parts").toString()));
    handler.addServlet(holder, "/*");
    jetty.setHandler(handler);
    jetty.start();

    containers =
        List.of(
            URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort()),
            URI.create("http://127.0.0.1:" + connector.getLocalPort()));
  }

  @AfterAll
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    jetty.stop();
  }

  @BeforeEach
  void reset() {
    servletRuns.set(0);
    partsHandedOut.set(0);
  }

  List<String> reads() {
    return List.of("parts", "part", "parameter", "parameterMap", "parameterNames", "values");
  }

  @ParameterizedTest
  @MethodSource("reads")
  void theAllowedReportIsHandedOut(String read) throws Exception {
    for (URI container : containers) {
      HttpResponse<String> response = post(container, read, List.of(REPORT));

      assertThat(response.statusCode()).as(container + " " + read).isEqualTo(200);
    }
    assertThat(servletRuns).hasValue(2);
  }

  @ParameterizedTest
  @MethodSource("reads")
  void aFormFieldFailsTheReadAndTheFilterAnswersTheRefusal(String read) throws Exception {
    for (URI container : containers) {
      HttpResponse<String> response =
          post(
              container,
              read,
              List.of(REPORT, "Content-Disposition: form-data; name=\"projectName\""));

      assertThat(response.statusCode()).as(container + " " + read).isEqualTo(403);
      assertThat(response.body()).contains("\"body_part_not_allowed\"");
    }
    assertThat(partsHandedOut).hasValue(0);
  }

  private HttpResponse<String> post(URI container, String read, List<String> headerBlocks)
      throws IOException, InterruptedException {
    StringBuilder body = new StringBuilder();
    for (String headers : headerBlocks) {
      body.append("--").append(BOUNDARY).append("\r\n").append(headers).append("\r\n\r\n");
      body.append(headers.contains("filename=") ? "PK\u0003\u0004" : "Evil").append("\r\n");
    }
    body.append("--").append(BOUNDARY).append("--\r\n");
    return client.send(
        HttpRequest.newBuilder(container.resolve("/parts/submit?read=" + read))
            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.ISO_8859_1))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Reads the body the way its {@code read} parameter names, then answers 200. */
  private final class PartsApplication extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
        throws IOException, jakarta.servlet.ServletException {
      servletRuns.incrementAndGet();
      String read = request.getQueryString().substring("read=".length());
      List<Object> got = new ArrayList<>();
      switch (read) {
        case "parts":
          for (Part part : request.getParts()) {
            got.add(part);
          }
          break;
        case "part":
          got.add(request.getPart("report"));
          break;
        case "parameter":
          got.add(String.valueOf(request.getParameter("projectName")));
          break;
        case "parameterMap":
          got.add(request.getParameterMap());
          break;
        case "parameterNames":
          got.add(request.getParameterNames());
          break;
        default:
          got.add(String.valueOf(request.getParameterValues("projectName")));
          break;
      }
      partsHandedOut.addAndGet(got.size());
      response.setStatus(200);
      response.getWriter().write("read " + got.size());
    }
  }
}
