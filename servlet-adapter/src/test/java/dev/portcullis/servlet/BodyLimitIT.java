package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.RawHttp;
import dev.portcullis.testkit.StubPolicyEngine;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The body limit of an allowed request ({@link Decision#maxBodyBytes()}) on Jetty and Tomcat, with
 * the filter deciding blocking and asynchronously, for a servlet that reads blocking and one that
 * reads in a {@link ReadListener}. Chunked uploads declare no length, so only counting the streamed
 * bytes stops them.
 */
class BodyLimitIT {

  private static final int LIMIT = 1000;

  /**
   * With a credential, so that the asynchronous filter suspends the request while it is verified.
   */
  private static final String CHUNKED_HEAD =
      "Host: localhost\r\nAuthorization: Bearer sqp_0123456789abcdef0123456789abcdef01234567\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n";

  /** Bytes the servlets got from the body, all requests together. */
  private final AtomicLong bodyBytesRead = new AtomicLong();

  private final List<Throwable> readFailures = new CopyOnWriteArrayList<>();
  private AutoCloseable server;

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  static Stream<Arguments> containers() {
    return Stream.of(
        Arguments.of("jetty", false),
        Arguments.of("jetty", true),
        Arguments.of("tomcat", false),
        Arguments.of("tomcat", true));
  }

  @ParameterizedTest(name = "{0} asynchronous={1}")
  @MethodSource("containers")
  void aChunkedBodyOfExactlyTheLimitPasses(String container, boolean asynchronous)
      throws Exception {
    URI uri = start(container, asynchronous);

    RawHttp.Response response =
        RawHttp.exchange(
            uri,
            "POST /limited/blocking HTTP/1.1\r\nConnection: close\r\n" + CHUNKED_HEAD,
            chunked(LIMIT, 100));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).isEqualTo("read " + LIMIT);
  }

  @ParameterizedTest(name = "{0} asynchronous={1}")
  @MethodSource("containers")
  void aBlockingReaderPastTheLimitGets413AndTheConnectionCloses(
      String container, boolean asynchronous) throws Exception {
    URI uri = start(container, asynchronous);

    RawHttp.Response response =
        RawHttp.exchange(
            uri, "POST /limited/blocking HTTP/1.1\r\n" + CHUNKED_HEAD, chunked(3 * LIMIT, 500));

    assertBodyTooLarge(response);
    assertThat(readFailures).singleElement().isInstanceOf(BodyTooLargeException.class);
  }

  @ParameterizedTest(name = "{0} asynchronous={1}")
  @MethodSource("containers")
  void aReaderThatSwallowsTheFailureStillLeaves413(String container, boolean asynchronous)
      throws Exception {
    URI uri = start(container, asynchronous);

    RawHttp.Response response =
        RawHttp.exchange(
            uri, "POST /limited/swallowing HTTP/1.1\r\n" + CHUNKED_HEAD, chunked(3 * LIMIT, 500));

    assertBodyTooLarge(response);
  }

  @ParameterizedTest(name = "{0} asynchronous={1}")
  @MethodSource("containers")
  void aReadListenerPastTheLimitFailsAndAnswersWithTheFiltersResponse(
      String container, boolean asynchronous) throws Exception {
    URI uri = start(container, asynchronous);

    RawHttp.Response response =
        RawHttp.exchange(
            uri, "POST /limited/listening HTTP/1.1\r\n" + CHUNKED_HEAD, chunked(3 * LIMIT, 500));

    assertBodyTooLarge(response);
    assertThat(readFailures)
        .singleElement()
        .satisfies(t -> assertThat(BodyTooLargeException.causedBy(t)).isTrue());
  }

  @ParameterizedTest(name = "{0} asynchronous={1}")
  @MethodSource("containers")
  void aDeclaredLengthPastTheLimitIsRefusedBeforeTheServletRuns(
      String container, boolean asynchronous) throws Exception {
    URI uri = start(container, asynchronous);

    RawHttp.Response response =
        RawHttp.exchange(
            uri,
            "POST /limited/blocking HTTP/1.1\r\n"
                + CHUNKED_HEAD.replace(
                    "Transfer-Encoding: chunked", "Content-Length: " + (LIMIT + 1)),
            // Whole, since Tomcat reads what is declared (up to its maxSwallowSize) before it
            // closes.
            new byte[LIMIT + 1]);

    assertBodyTooLarge(response);
    assertThat(readFailures).isEmpty();
    assertThat(bodyBytesRead).hasValue(0);
  }

  private void assertBodyTooLarge(RawHttp.Response response) {
    assertThat(response.status()).isEqualTo(413);
    assertThat(response.header("Content-Type")).startsWith("application/json");
    assertThat(response.header("Cache-Control")).isEqualTo("no-store");
    assertThat(response.bodyText()).isEqualTo(DeniedResponse.json(Decision.bodyTooLarge()));
    assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
    assertThat(response.closedByServer()).isTrue();
    assertThat(bodyBytesRead.get()).as("bytes handed to the servlet").isLessThanOrEqualTo(LIMIT);
  }

  /** {@code size} bytes in chunks of {@code chunk}, with the last chunk. */
  private static byte[] chunked(int size, int chunk) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int sent = 0; sent < size; sent += chunk) {
      int length = Math.min(chunk, size - sent);
      body.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      body.writeBytes("y".repeat(length).getBytes(StandardCharsets.US_ASCII));
      body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    body.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return body.toByteArray();
  }

  private URI start(String container, boolean asynchronous) throws Exception {
    PolicyEnforcer enforcer =
        asynchronous
            ? SlowVerifier.enforcer(new LimitingEngine())
            : PolicyEnforcer.builder(new LimitingEngine()).build();
    PortcullisFilter filter = PortcullisFilter.builder(enforcer).asynchronous(asynchronous).build();
    return container.equals("jetty") ? startJetty(filter) : startTomcat(filter);
  }

  private URI startJetty(PortcullisFilter filter) throws Exception {
    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(true);
    context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    ServletHolder servlet = new ServletHolder(new ReadingServlet());
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/*");
    jetty.setHandler(context);
    jetty.start();
    server = jetty::stop;
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  private URI startTomcat(PortcullisFilter filter) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", null);
    FilterDef definition = new FilterDef();
    definition.setFilterName("portcullis");
    definition.setFilter(filter);
    definition.setAsyncSupported("true");
    context.addFilterDef(definition);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName("portcullis");
    mapping.addURLPattern("/*");
    mapping.setDispatcher("REQUEST");
    mapping.setDispatcher("ASYNC");
    context.addFilterMap(mapping);
    Wrapper servlet = Tomcat.addServlet(context, "reader", new ReadingServlet());
    servlet.setAsyncSupported(true);
    context.addServletMapping("/*", "reader");
    tomcat.start();
    server =
        () -> {
          tomcat.stop();
          tomcat.destroy();
        };
    return URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort());
  }

  /**
   * Allows {@code /limited/**} with a body limit of {@link #LIMIT} bytes; the stub's rules
   * otherwise.
   */
  static final class LimitingEngine implements PolicyEngine {
    private final StubPolicyEngine stub = new StubPolicyEngine();

    @Override
    public Decision evaluate(PolicyInput input) {
      if (input.request().path().startsWith("/limited/")) {
        return Decision.allow(List.of("limited"), "Allowed with a body limit.")
            .withMaxBodyBytes(LIMIT);
      }
      return stub.evaluate(input);
    }

    @Override
    public String describe() {
      return "limiting stub";
    }
  }

  /**
   * Reads the whole body: {@code /limited/blocking} and {@code /limited/swallowing} on the
   * container thread (the latter ignoring a failure and answering nothing), {@code
   * /limited/listening} in a read listener that answers a failed body with {@link
   * PortcullisFilter#sendBodyTooLarge}.
   */
  private final class ReadingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      switch (request.getRequestURI()) {
        case "/limited/listening":
          listen(request, response);
          return;
        case "/limited/swallowing":
          try {
            drain(request.getInputStream());
          } catch (IOException ignored) {
            // as a careless servlet would
          }
          return;
        default:
          try {
            long read = drain(request.getInputStream());
            response.getWriter().print("read " + read);
          } catch (IOException e) {
            readFailures.add(e);
            throw e;
          }
      }
    }

    private long drain(ServletInputStream body) throws IOException {
      byte[] buffer = new byte[300];
      long total = 0;
      for (int read; (read = body.read(buffer)) >= 0; ) {
        total += read;
        bodyBytesRead.addAndGet(read);
      }
      return total;
    }

    private void listen(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      AsyncContext async = request.startAsync();
      ServletInputStream body = request.getInputStream();
      body.setReadListener(
          new ReadListener() {
            @Override
            public void onDataAvailable() throws IOException {
              byte[] buffer = new byte[300];
              while (body.isReady()) {
                int read = body.read(buffer);
                if (read < 0) {
                  return;
                }
                bodyBytesRead.addAndGet(read);
              }
            }

            @Override
            public void onAllDataRead() throws IOException {
              response.getWriter().print("read " + bodyBytesRead.get());
              async.complete();
            }

            @Override
            public void onError(Throwable failure) {
              readFailures.add(failure);
              try {
                if (BodyTooLargeException.causedBy(failure)) {
                  PortcullisFilter.sendBodyTooLarge(response);
                }
              } catch (IOException e) {
                readFailures.add(e);
              } finally {
                async.complete();
              }
            }
          });
    }
  }
}
