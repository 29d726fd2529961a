package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.StubPolicyEngine;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter in a container that speaks HTTP/2 (Tomcat with h2c, reached by the JDK's client, which
 * upgrades its first request). HTTP/2 carries a body in DATA frames with neither Content-Length nor
 * Transfer-Encoding, so a request can look bodiless to the policy and still have one; and it
 * forbids {@code Connection}, so a deny must not carry it.
 */
class Http2IT {

  private final AtomicLong bodyBytesRead = new AtomicLong();
  private Tomcat tomcat;
  private URI base;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat-h2").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    tomcat.getConnector().addUpgradeProtocol(new Http2Protocol());
    Context context = tomcat.addContext("", null);
    FilterDef definition = new FilterDef();
    definition.setFilterName("portcullis");
    definition.setFilter(
        PortcullisFilter.builder(PolicyEnforcer.builder(new StubPolicyEngine()).build()).build());
    context.addFilterDef(definition);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName("portcullis");
    mapping.addURLPattern("/*");
    context.addFilterMap(mapping);
    Wrapper servlet = Tomcat.addServlet(context, "reader", new ReadingServlet());
    context.addServletMapping("/*", "reader");
    tomcat.start();
    base = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort());
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    // The JDK's client upgrades to h2c on a first request without a body; later ones reuse it.
    HttpResponse<String> upgraded =
        client.send(
            HttpRequest.newBuilder(base.resolve("/allowed/warm-up")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(upgraded.version()).isEqualTo(HttpClient.Version.HTTP_2);
  }

  @AfterEach
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }

  @Test
  void anAllowedRequestWithoutABodyStillPasses() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(base.resolve("/allowed/x")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("read 0");
  }

  @Test
  void aBodyNoHeaderAnnouncedNeverReachesTheServlet() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(base.resolve("/allowed/x"))
                .method("GET", undeclaredLength("component=other"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("body_too_large");
    assertThat(bodyBytesRead).hasValue(0);
  }

  @Test
  void aDenyOfARequestWithABodyArrivesWithoutAConnectionHeader() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(base.resolve("/denied"))
                .method("GET", HttpRequest.BodyPublishers.ofString("abc"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("connection")).isEmpty();
  }

  /** A body published without a length: sent in DATA frames, with no Content-Length. */
  private static HttpRequest.BodyPublisher undeclaredLength(String text) {
    HttpRequest.BodyPublisher known =
        HttpRequest.BodyPublishers.ofByteArrays(List.of(text.getBytes(StandardCharsets.UTF_8)));
    return new HttpRequest.BodyPublisher() {
      @Override
      public long contentLength() {
        return -1;
      }

      @Override
      public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        known.subscribe(subscriber);
      }
    };
  }

  /** Reads the whole body and answers how many bytes it got. */
  private final class ReadingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      byte[] buffer = new byte[256];
      long total = 0;
      for (int read; (read = request.getInputStream().read(buffer)) >= 0; ) {
        total += read;
        bodyBytesRead.addAndGet(read);
      }
      response.getWriter().print("read " + total);
    }
  }
}
