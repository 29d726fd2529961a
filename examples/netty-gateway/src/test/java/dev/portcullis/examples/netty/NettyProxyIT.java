package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.examples.gateway.CredentialCheck;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.GatewaySonarQube;
import dev.portcullis.examples.gateway.PatternStream;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.RecordingUpstream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy alone (no policy in front: every request counts as judged as it is) against upstreams
 * that behave well and badly: pooling, framing, headers, failures, streaming with a small heap,
 * shutdown. {@link NettyGatewayIT} runs the whole gateway.
 */
@ExtendWith(NettyLeakCheck.class)
class NettyProxyIT {

  /**
   * Lets everything through unchanged; what the Portcullis handler would do if it allowed
   * everything.
   */
  private static final Decider EVERYTHING =
      new Decider() {
        @Override
        public ChannelHandler newHandler() {
          return new ChannelInboundHandlerAdapter();
        }

        @Override
        public Allowed judged(Channel channel, HttpRequest request) {
          return new Allowed(request.uri(), "");
        }
      };

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    resources.add(resource);
    return resource;
  }

  private NettyGateway proxy(URI upstream) throws Exception {
    return proxy(upstream, builder -> builder);
  }

  private NettyGateway proxy(URI upstream, UnaryOperator<GatewayConfig.Builder> settings)
      throws Exception {
    return proxy(upstream, EVERYTHING, settings);
  }

  private NettyGateway proxy(
      URI upstream, Decider decider, UnaryOperator<GatewayConfig.Builder> settings)
      throws Exception {
    GatewayConfig config =
        settings
            .apply(
                GatewayConfig.builder(upstream)
                    .credentialCheck(CredentialCheck.NONE)
                    .connectTimeout(Duration.ofSeconds(2))
                    .idleTimeout(Duration.ofSeconds(30))
                    .upstreamTimeout(Duration.ofSeconds(60)))
            .build();
    return closing(NettyGateway.start(config, decider, () -> {}, "test decider"));
  }

  /**
   * The Portcullis handler with a policy that allows every request with a body of at most {@code
   * limit} bytes.
   */
  private static Decider allowingBodiesUpTo(long limit) {
    PolicyEngine engine =
        new PolicyEngine() {
          @Override
          public Decision evaluate(PolicyInput input) {
            return Decision.allow(List.of("test_allowed"), "Allowed by the test.")
                .withMaxBodyBytes(limit);
          }

          @Override
          public String describe() {
            return "everything allowed, bodies up to " + limit + " bytes";
          }
        };
    return new PortcullisDecider(PolicyEnforcer.builder(engine).build());
  }

  private static String chunk(int size) {
    return Integer.toHexString(size) + "\r\n" + "x".repeat(size) + "\r\n";
  }

  private static boolean ok(RecordingUpstream.Request request, OutputStream out)
      throws IOException {
    RecordingUpstream.respond(out, 200, "", "ok " + request.target());
    return true;
  }

  @Test
  void sequentialRequestsShareOneUpstreamConnection() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(NettyProxyIT::ok));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      for (int i = 0; i < 20; i++) {
        RawHttpResponse response =
            client.send(RawHttpConnection.get("/api/server/version?i=" + i)).read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("ok /api/server/version?i=" + i);
      }
    }

    assertThat(upstream.completedRequests()).hasSize(20);
    assertThat(upstream.connections()).isEqualTo(1);
  }

  @Test
  void runsOnNativeEpollOnLinuxAndOnNioWhenEpollIsTurnedOff() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(NettyProxyIT::ok));
    boolean linux =
        System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux");
    String expected = linux ? "epoll" : "nio";
    assertThat(proxy(upstream.uri()).describe()).contains(" on " + expected + ")");

    System.setProperty(Transport.PROPERTY, "nio");
    NettyGateway overNio;
    try {
      overNio = proxy(upstream.uri());
    } finally {
      System.clearProperty(Transport.PROPERTY);
    }
    assertThat(overNio.describe()).contains(" on nio)");
    try (RawHttpConnection client = RawHttpConnection.open(overNio.uri())) {
      RawHttpResponse response = client.send(RawHttpConnection.get("/api/server/version")).read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("ok /api/server/version");
    }
  }

  @Test
  void anUploadOverItsBodyLimitIs413AndItsUpstreamConnectionIsClosedUnfinished() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(NettyProxyIT::ok));
    NettyGateway gateway = proxy(upstream.uri(), allowingBodiesUpTo(1000), builder -> builder);

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(
          "POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              + chunk(600));
      assertThat(upstream.awaitHead(Duration.ofSeconds(10)))
          .as("the upload reached the upstream")
          .isTrue();
      client.send(chunk(600));
      RawHttpResponse response = client.read();

      assertThat(response.status()).isEqualTo(413);
      assertThat(response.head().header("connection")).isEqualTo("close");
      assertThat(response.bodyText()).contains("\"body_too_large\"");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(upstream.awaitClosedByGateway(Duration.ofSeconds(10))).isTrue();
    assertThat(upstream.bodiesCutShort())
        .as("the upstream saw the body end early, never complete")
        .isEqualTo(1);
    assertThat(upstream.completedRequests()).isEmpty();

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(
              client
                  .send("POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                  .read()
                  .status())
          .isEqualTo(200);
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  /** A complete response with a text body, as bytes to write at once. */
  private static byte[] response(int status, String extraHeaders, String body) {
    return ("HTTP/1.1 "
            + status
            + " X\r\n"
            + extraHeaders
            + "Content-Type: text/plain\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n"
            + body)
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[] first, String second) {
    byte[] both = java.util.Arrays.copyOf(first, first.length + second.length());
    System.arraycopy(
        second.getBytes(StandardCharsets.ISO_8859_1), 0, both, first.length, second.length());
    return both;
  }

  @Test
  void aSecondResponseInTheSameSegmentReachesNoWaitingClientAndTheConnectionIsClosed()
      throws Exception {
    CountDownLatch secondWaits = new CountDownLatch(1);
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.target().equals("/first")) {
                    await(secondWaits);
                    byte[] stray = response(200, "X-Stray: yes\r\n", "stray");
                    out.write(
                        concat(
                            response(200, "", "first"),
                            new String(stray, StandardCharsets.ISO_8859_1)));
                    return true;
                  }
                  RecordingUpstream.respond(out, 200, "", "ok " + request.target());
                  return true;
                }));
    // One event loop with one upstream connection: the second client waits for the first one's
    // connection.
    GatewayConfig config =
        GatewayConfig.builder(upstream.uri()).credentialCheck(CredentialCheck.NONE).build();
    NettyGateway gateway =
        closing(
            NettyGateway.start(
                config, EVERYTHING, () -> {}, "one connection", new NettyGateway.Sizes(1, 1)));

    try (RawHttpConnection first = RawHttpConnection.open(gateway.uri());
        RawHttpConnection second = RawHttpConnection.open(gateway.uri())) {
      first.send(RawHttpConnection.get("/first"));
      awaitRequests(upstream, 1);
      second.send(RawHttpConnection.get("/second"));
      Thread.sleep(
          300); // lets the second request reach the pool's line; too short only makes the test pass
      // vacuously
      secondWaits.countDown();

      assertThat(first.read().bodyText()).isEqualTo("first");
      RawHttpResponse response = second.read();
      assertThat(response.head().header("x-stray")).isNull();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("ok /second");
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  @Test
  void bytesAfterAResponseInTheSameSegmentCloseTheConnection() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.target().equals("/first")) {
                    // The start of a response head that the next response would complete.
                    out.write(
                        concat(
                            response(200, "", "first"),
                            "HTTP/1.1 299 Stray\r\nX-Stray: yes\r\nX-Swallowed: "));
                    return true;
                  }
                  RecordingUpstream.respond(out, 200, "", "ok " + request.target());
                  return true;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/first")).read().bodyText()).isEqualTo("first");
      RawHttpResponse response = client.send(RawHttpConnection.get("/second")).read();

      assertThat(response.head().header("x-stray")).isNull();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("ok /second");
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  @Test
  void bytesSentLateToAnIdleConnectionCloseIt() throws Exception {
    CountDownLatch straySent = new CountDownLatch(1);
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.target().equals("/first")) {
                    RecordingUpstream.respond(out, 200, "", "first");
                    sleep(300);
                    out.write(
                        "HTTP/1.1 299 Stray\r\nX-Stray: yes\r\nX-Swallowed: "
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    straySent.countDown();
                    return true;
                  }
                  RecordingUpstream.respond(out, 200, "", "ok " + request.target());
                  return true;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/first")).read().bodyText()).isEqualTo("first");
      assertThat(straySent.await(10, TimeUnit.SECONDS)).isTrue();
      // The gateway closes the connection as the stray bytes arrive; without that, wait a little
      // and go on.
      upstream.awaitClosedByGateway(Duration.ofSeconds(2));

      RawHttpResponse response = client.send(RawHttpConnection.get("/second")).read();

      assertThat(response.head().header("x-stray")).isNull();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("ok /second");
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  private static void awaitRequests(RecordingUpstream upstream, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (upstream.completedRequests().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(upstream.completedRequests()).hasSizeGreaterThanOrEqualTo(count);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aConnectionTheUpstreamSaidCloseOnIsNotReused() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  RecordingUpstream.respond(out, 200, "Connection: close\r\n", "bye");
                  return false;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      for (int i = 0; i < 3; i++) {
        RawHttpResponse response = client.send(RawHttpConnection.get("/a")).read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.head().header("connection")).isNull();
      }
    }

    assertThat(upstream.connections()).isEqualTo(3);
  }

  @Test
  void hopByHopHeadersStayOnTheirHopAndForwardingHeadersAreTheGateways() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  RecordingUpstream.respond(
                      out,
                      200,
                      "Connection: keep-alive, X-Upstream-Hop\r\nX-Upstream-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                          + "Proxy-Authenticate: Basic\r\nTrailer: X-Checksum\r\nUpgrade: h2c\r\nSonar-MD5: abc\r\n",
                      "ok");
                  return true;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    RawHttpResponse response;
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      response =
          client
              .send(
                  "GET /api/settings/values?component=demo HTTP/1.1\r\nHost: sonar.example:8443\r\n"
                      + "Authorization: Bearer token-value\r\nConnection: keep-alive, X-Client-Hop, Content-Length\r\nX-Client-Hop: 1\r\n"
                      + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic abc\r\nProxy-Connection: keep-alive\r\n"
                      + "Upgrade: websocket\r\nForwarded: for=6.6.6.6\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
                      + "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Prefix: /x\r\nX-Real-IP: 6.6.6.6\r\n"
                      + "Accept: application/json\r\n\r\n")
              .read();
    }

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.head().headers())
        .containsEntry("sonar-md5", List.of("abc"))
        .doesNotContainKeys(
            "x-upstream-hop",
            "keep-alive",
            "proxy-authenticate",
            "trailer",
            "upgrade",
            "connection");
    var received = upstream.completedRequests().get(0);
    assertThat(received.target()).isEqualTo("/api/settings/values?component=demo");
    assertThat(received.headers())
        .containsEntry("host", upstream.uri().getAuthority())
        .containsEntry("authorization", "Bearer token-value")
        .containsEntry("accept", "application/json")
        .containsEntry("x-forwarded-for", "127.0.0.1")
        .containsEntry("x-forwarded-proto", "http")
        .containsEntry("x-forwarded-port", Integer.toString(gateway.uri().getPort()))
        .containsEntry("x-forwarded-host", "sonar.example:8443")
        .doesNotContainKeys(
            "x-client-hop",
            "keep-alive",
            "te",
            "proxy-authorization",
            "proxy-connection",
            "upgrade",
            "forwarded",
            "x-forwarded-prefix",
            "x-real-ip");
    assertThat(received.headers().get("connection")).isNull();
  }

  @Test
  void aBodyTheUpstreamEndsByClosingIsChunkedForTheClient() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end"
                          .getBytes(StandardCharsets.ISO_8859_1));
                  return false;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      RawHttpResponse first = client.send(RawHttpConnection.get("/one")).read();
      RawHttpResponse second = client.send(RawHttpConnection.get("/two")).read();

      assertThat(first.head().header("transfer-encoding")).isEqualTo("chunked");
      assertThat(first.bodyText()).isEqualTo("until the end");
      assertThat(first.complete()).isTrue();
      assertThat(second.bodyText()).isEqualTo("until the end");
    }
  }

  @Test
  void clientLeavingMidDownloadClosesTheUpstreamConnection() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  long size = 1L << 40;
                  out.write(
                      ("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n")
                          .getBytes(StandardCharsets.ISO_8859_1));
                  byte[] chunk = new byte[64 * 1024];
                  for (long sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk);
                  }
                  return false;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(RawHttpConnection.get("/api/plugins/download?plugin=java"));
      assertThat(client.readHead().status()).isEqualTo(200);
      client.input().readNBytes(1024 * 1024);
    }

    assertThat(upstream.awaitWriteFailure(Duration.ofSeconds(30)))
        .as("the upstream connection was closed")
        .isTrue();
  }

  @Test
  void upstreamClosingMidResponseClosesTheClientConnection() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"
                          .getBytes(StandardCharsets.ISO_8859_1));
                  out.write(new byte[1000]);
                  return false;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      RawHttpResponse response =
          client.send(RawHttpConnection.get("/api/plugins/download?plugin=java")).read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.complete()).isFalse();
      assertThat(response.bodyLength()).isLessThan(1_000_000);
    }
  }

  @Test
  void upstreamClosingBeforeAnsweringIs502() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start((request, out) -> false));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/a")).read().status()).isEqualTo(502);
      // the request was complete, so the client connection stays usable
      assertThat(client.send(RawHttpConnection.get("/b")).read().status()).isEqualTo(502);
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  @Test
  void aGetThatLostAReusedConnectionIsSentAgainButAPostIsNot() throws Exception {
    // Answers the first request on each connection, then closes without answering, like a server
    // whose
    // keep-alive timeout struck just as the gateway reused the connection.
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.indexOnConnection() > 1) {
                    return false;
                  }
                  RecordingUpstream.respond(out, 200, "", "ok " + request.method());
                  return true;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/first")).read().status()).isEqualTo(200);
      assertThat(client.send(RawHttpConnection.get("/second")).read().bodyText())
          .isEqualTo("ok GET");
      assertThat(upstream.connections()).isEqualTo(2);

      RawHttpResponse post =
          client
              .send("POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
              .read();
      assertThat(post.status()).isEqualTo(502);
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  @Test
  void silentUpstreamIs504AfterTheIdleTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  try {
                    release.await(60, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return false;
                }));
    NettyGateway gateway =
        proxy(upstream.uri(), builder -> builder.idleTimeout(Duration.ofSeconds(1)));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/api/ce/task?id=1")).read().status())
          .isEqualTo(504);
    } finally {
      release.countDown();
    }
  }

  @Test
  void unreachableUpstreamIs502() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    NettyGateway gateway = proxy(URI.create("http://127.0.0.1:" + closedPort));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      RawHttpResponse response = client.send(RawHttpConnection.get("/api/server/version")).read();
      assertThat(response.status()).isEqualTo(502);
      assertThat(response.bodyText()).contains("upstream_unreachable");
    }
  }

  @Test
  void requestWithoutADecisionIsRefused() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(NettyProxyIT::ok));
    Decider nothingJudged =
        new Decider() {
          @Override
          public ChannelHandler newHandler() {
            return new ChannelInboundHandlerAdapter();
          }

          @Override
          public Allowed judged(Channel channel, HttpRequest request) {
            return null;
          }
        };
    NettyGateway gateway =
        closing(
            NettyGateway.start(
                GatewayConfig.builder(upstream.uri()).credentialCheck(CredentialCheck.NONE).build(),
                nothingJudged,
                () -> {},
                "nothing judged"));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/api/server/version")).read().status())
          .isEqualTo(500);
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(upstream.connections()).isZero();
  }

  @Test
  void headersTrickledOneByteASecondAreAnswered408AtTheHeaderTimeoutOnEachRequest()
      throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(NettyProxyIT::ok));
    NettyGateway gateway =
        proxy(
            upstream.uri(),
            builder ->
                builder.headerTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(10)));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(client.send(RawHttpConnection.get("/first")).read().status()).isEqualTo(200);
      long start = System.nanoTime();
      client.trickle(
          "GET /second HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100), Duration.ofSeconds(1));

      RawHttpResponse response = client.read();
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(response.status()).isEqualTo(408);
      assertThat(response.head().header("connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
      assertThat(elapsedMillis).as("long before the idle timeout").isBetween(900L, 5_000L);
    }
    assertThat(upstream.completedRequests()).hasSize(1);
  }

  @Test
  void aBodyTrickledOneByteASecondIsCutAfterTheHeaderTimeoutAndItsUpstreamExchangeEnds()
      throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(NettyProxyIT::ok));
    // Every byte of the body resets the idle timeout, so it would never strike.
    NettyGateway gateway =
        proxy(
            upstream.uri(),
            builder ->
                builder
                    .headerTimeout(Duration.ofSeconds(1))
                    .minBodyRate(1024)
                    .idleTimeout(Duration.ofSeconds(3)));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send("POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
      long start = System.nanoTime();
      assertThat(upstream.awaitHead(Duration.ofSeconds(10)))
          .as("the upload reached the upstream")
          .isTrue();
      client.trickle("x", Duration.ofSeconds(1));

      assertThat(client.closedByServer()).isTrue();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(900L, 5_000L);
    }
    assertThat(upstream.awaitClosedByGateway(Duration.ofSeconds(10))).isTrue();
    assertThat(upstream.bodiesCutShort()).isEqualTo(1);
    assertThat(upstream.completedRequests()).isEmpty();
  }

  @Test
  void hugeUploadStreamsThroughASmallHeap() throws Exception {
    FakeSonarQube sonar = closing(GatewaySonarQube.start());
    // A short header timeout makes the body rate count while the upload streams.
    NettyGateway gateway =
        proxy(sonar.baseUri(), builder -> builder.headerTimeout(Duration.ofSeconds(1)));
    long size = 300L * 1024 * 1024;

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        gateway.uri().resolve("/api/ce/submit?projectKey=demo"))
                    .POST(
                        BodyPublishers.fromPublisher(
                            BodyPublishers.ofInputStream(() -> new PatternStream(size)), size))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(GatewaySonarQube.digest(new PatternStream(size)));
  }

  @Test
  void aClientThatStopsReadingStopsTheUpstream() throws Exception {
    AtomicLong sent = new AtomicLong();
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n"
                          .getBytes(StandardCharsets.ISO_8859_1));
                  byte[] chunk = new byte[64 * 1024];
                  for (; ; ) {
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                  }
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri(), 64 * 1024)) {
      client.send(RawHttpConnection.get("/api/plugins/download?plugin=java"));
      assertThat(client.readHead().status()).isEqualTo(200);
      client.input().readNBytes(1024 * 1024);

      // Without backpressure the gateway would read the endless body into memory until it ran out.
      assertThat(settled(sent)).isLessThan(96L * 1024 * 1024);
    }
  }

  @Test
  void anUpstreamThatStopsReadingStopsTheClient() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ServerSocket small = new ServerSocket();
    small.setReceiveBufferSize(64 * 1024);
    small.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.leavingBodiesUnread(
                small,
                (request, out) -> {
                  try {
                    release.await(60, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return false;
                }));
    NettyGateway gateway = proxy(upstream.uri());
    AtomicLong written = new AtomicLong();

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(
          "POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n");
      Thread writer =
          new Thread(
              () -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                  for (; ; ) {
                    client.send(chunk);
                    written.addAndGet(chunk.length);
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              },
              "uploading-client");
      writer.setDaemon(true);
      writer.start();

      assertThat(settled(written)).isLessThan(96L * 1024 * 1024);
    } finally {
      release.countDown();
    }
  }

  /** The counter's value once it stopped growing for a second (or after 30 s). */
  private static long settled(AtomicLong counter) throws InterruptedException {
    long last = -1;
    int unchanged = 0;
    for (int i = 0; i < 120 && unchanged < 4; i++) {
      Thread.sleep(250);
      long now = counter.get();
      unchanged = now == last ? unchanged + 1 : 0;
      last = now;
    }
    return last;
  }

  @Test
  void anEarlyAnswerEndsTheExchangeAndNeitherConnectionIsReused() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.leavingBodiesUnread(
                new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                (request, out) -> {
                  RecordingUpstream.respond(out, 413, "", "too large");
                  try {
                    release.await(60, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return false;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client
          .send("POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
          .send(new byte[1024]);
      RawHttpResponse response = client.read();

      assertThat(response.status()).isEqualTo(413);
      assertThat(response.head().header("connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
    }
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.send(
          "POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
      assertThat(client.read().status()).isEqualTo(413);
    } finally {
      release.countDown();
    }
    assertThat(upstream.connections()).isEqualTo(2);
  }

  @Test
  void headAndChunkedRequestsKeepTheirFraming() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.method().equals("HEAD")) {
                    out.write(
                        "HTTP/1.1 200 OK\r\nContent-Length: 123\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    return true;
                  }
                  RecordingUpstream.respond(
                      out,
                      200,
                      "",
                      request.method()
                          + " "
                          + request.headers().get("transfer-encoding")
                          + " "
                          + request.bodyBytes());
                  return true;
                }));
    NettyGateway gateway = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      RawHttpResponse head =
          client.send("HEAD /batch/file?name=x.jar HTTP/1.1\r\nHost: x\r\n\r\n").readToHead();
      RawHttpResponse chunked =
          client
              .send(
                  "POST /api/ce/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
              .read();

      assertThat(head.head().header("content-length")).isEqualTo("123");
      assertThat(chunked.bodyText()).isEqualTo("POST chunked 11");
    }
    assertThat(upstream.connections()).isEqualTo(1);
  }

  @Test
  void httpsUpstreamIsVerifiedWithTheDefaultTrust(@TempDir Path dir) throws Exception {
    Path keyStore = dir.resolve("upstream.p12");
    Path certificate = dir.resolve("upstream.pem");
    Path trustStore = dir.resolve("trust.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "upstream",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        keyStore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    keytool(
        "-exportcert",
        "-alias",
        "upstream",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-rfc",
        "-file",
        certificate.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "upstream",
        "-file",
        certificate.toString(),
        "-keystore",
        trustStore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      keys.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keyManagers.getKeyManagers(), null, null);
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.on(
                tls.getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                NettyProxyIT::ok));

    NettyGateway trusting;
    // The JDK's default trust reads these when the gateway builds its TLS context, so only that
    // start sees them.
    System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    try {
      trusting = proxy(upstream.uri());
    } finally {
      System.clearProperty("javax.net.ssl.trustStore");
      System.clearProperty("javax.net.ssl.trustStorePassword");
      System.clearProperty("javax.net.ssl.trustStoreType");
    }
    NettyGateway distrusting = proxy(upstream.uri());

    try (RawHttpConnection client = RawHttpConnection.open(trusting.uri());
        RawHttpConnection refused = RawHttpConnection.open(distrusting.uri())) {
      assertThat(client.send(RawHttpConnection.get("/api/server/version")).read().bodyText())
          .isEqualTo("ok /api/server/version");
      assertThat(refused.send(RawHttpConnection.get("/api/server/version")).read().status())
          .isEqualTo(502);
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }

  @Test
  void closeFinishesAnInFlightDownloadAndClosesIdleConnections() throws Exception {
    long size = 32L * 1024 * 1024;
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.target().equals("/small")) {
                    RecordingUpstream.respond(out, 200, "", "small");
                    return true;
                  }
                  out.write(
                      ("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n")
                          .getBytes(StandardCharsets.ISO_8859_1));
                  byte[] chunk = new byte[64 * 1024];
                  for (long sent = 0; sent < size; sent += chunk.length) {
                    PatternStream.fill(chunk, sent);
                    out.write(chunk);
                  }
                  return true;
                }));
    NettyGateway gateway =
        NettyGateway.start(
            GatewayConfig.builder(upstream.uri()).credentialCheck(CredentialCheck.NONE).build(),
            EVERYTHING,
            () -> {},
            "no policy");

    try (RawHttpConnection downloading = RawHttpConnection.open(gateway.uri());
        RawHttpConnection idle = RawHttpConnection.open(gateway.uri())) {
      assertThat(idle.send(RawHttpConnection.get("/small")).read().bodyText()).isEqualTo("small");
      downloading.send(RawHttpConnection.get("/api/plugins/download?plugin=java"));
      RawHttpResponse.Head head = downloading.readHead();
      assertThat(head.status()).isEqualTo(200);
      byte[] start = downloading.input().readNBytes(64 * 1024);

      CompletableFuture<Void> closed =
          CompletableFuture.runAsync(
              () -> {
                try {
                  gateway.close();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });

      assertThat(idle.closedByServer()).as("an idle connection is closed at once").isTrue();
      String rest =
          GatewaySonarQube.digest(
              new java.io.SequenceInputStream(
                  new java.io.ByteArrayInputStream(start), downloading.input()));
      assertThat(rest).isEqualTo(GatewaySonarQube.digest(new PatternStream(size)));
      closed.get(30, TimeUnit.SECONDS);
    }
    assertThatThrownBy(() -> RawHttpConnection.open(gateway.uri()).close())
        .isInstanceOf(ConnectException.class);
  }
}
