package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.StubPolicyEngine;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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
  private MultipartContainers servers;
  private List<URI> containers;

  @BeforeAll
  void start() throws Exception {
    PortcullisFilter filter =
        PortcullisFilter.builder(PolicyEnforcer.builder(new StubPolicyEngine()).build()).build();
    servers = MultipartContainers.start(PartsApplication::new, filter);
    containers = servers.uris();
  }

  @AfterAll
  void stop() throws Exception {
    servers.close();
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
