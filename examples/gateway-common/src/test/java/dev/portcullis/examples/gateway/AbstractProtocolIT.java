package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.credential.StaticCredentialVerifier;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.RecordingUpstream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 at the byte level against every example gateway: ambiguous framing, malformed heads,
 * pipelines, slow clients and idle ones, and an upstream that answers more than it was asked. A
 * request the gateway must not forward ends in a 4xx (501 for an unknown transfer coding) or a
 * close, within a bounded time, and never reaches the {@link RecordingUpstream}; whatever hid
 * inside it (a smuggled second request) does not either. Each test then checks that the gateway
 * still serves a new client, so that no case leaves a thread stuck. Timeouts are short (1 s for
 * headers, 3 s idle) to keep the suite fast, and one gateway serves the whole suite.
 *
 * <p>Test methods are protected so that a gateway that cannot pass one yet overrides it with
 * {@code @Disabled} and the reason.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractProtocolIT {

  protected static final String TOKEN = "sqp_3333333333333333333333333333333333333333";
  protected static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

  /** Well apart from the header timeout, so that a head cut by the idle timeout instead shows. */
  protected static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);

  /** Allowed without a credential, and what every liveness check asks for. */
  private static final String ALLOWED = "/api/server/version";

  /** Allowed too: what a smuggled request asks for, so that reaching the upstream would show. */
  private static final String SMUGGLED = "GET /batch/index HTTP/1.1\r\nHost: gateway.test\r\n\r\n";

  private static final String UPLOAD_HEAD =
      "POST /api/ce/submit?projectKey=demo HTTP/1.1\r\nHost: gateway.test\r\n"
          + "Authorization: Bearer "
          + TOKEN
          + "\r\nContent-Type: multipart/form-data; boundary=x\r\n";

  /**
   * A report upload's body of exactly {@code length} bytes (at least 100) in the boundary {@code
   * UPLOAD_HEAD} declares: one file part named report, as the policy allows.
   */
  protected static String reportBody(int length) {
    String head =
        "--x\r\nContent-Disposition: form-data; name=\"report\"; filename=\"r.zip\"\r\n\r\n";
    String tail = "\r\n--x--\r\n";
    return head + "r".repeat(length - head.length() - tail.length()) + tail;
  }

  private Path tokens;
  protected RecordingUpstream upstream;
  protected RunningGateway gateway;

  /** Connections a test leaves open, closed after it. */
  private final List<AutoCloseable> closeAfterTest = new ArrayList<>();

  /** Starts the gateway under test; the suite closes it. */
  protected abstract RunningGateway start(GatewayConfig config) throws Exception;

  /** One gateway for the whole suite: loading the policy takes longer than most cases. */
  @BeforeAll
  void startGateway() throws Exception {
    tokens = Files.createTempFile("portcullis-tokens", "");
    Files.writeString(tokens, StaticCredentialVerifier.fileEntry(TOKEN) + "\n");
    upstream = RecordingUpstream.start();
    gateway = start(config(upstream).build());
  }

  @BeforeEach
  void forgetEarlierRequests() {
    upstream.clear();
  }

  @AfterEach
  void gatewayStillServes() throws Exception {
    try {
      for (AutoCloseable closeable : closeAfterTest) {
        closeable.close();
      }
    } finally {
      closeAfterTest.clear();
    }
    assertGatewayStillServes();
  }

  @AfterAll
  void stopGateway() throws Exception {
    try {
      gateway.close();
    } finally {
      upstream.close();
      Files.deleteIfExists(tokens);
    }
  }

  /**
   * Short timeouts, a 1 KiB/s minimum body rate, and {@link #TOKEN} as the one valid credential.
   */
  protected GatewayConfig.Builder config(RecordingUpstream target) {
    return GatewayConfig.builder(target.uri())
        .credentialCheck(new CredentialCheck(CredentialCheck.Mode.STATIC, tokens))
        .connectTimeout(Duration.ofSeconds(2))
        .upstreamTimeout(Duration.ofSeconds(10))
        .idleTimeout(IDLE_TIMEOUT)
        .headerTimeout(HEADER_TIMEOUT)
        .minBodyRate(1024);
  }

  // ---------------------------------------------------------------- framing

  @Test
  protected void contentLengthWithTransferEncodingIsRefused() throws Exception {
    assertRefusedAndClosed(
        UPLOAD_HEAD + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
        400);
  }

  static Stream<String> differingContentLengths() {
    return Stream.of("Content-Length: 5\r\nContent-Length: 45\r\n", "Content-Length: 5, 45\r\n");
  }

  @ParameterizedTest
  @MethodSource("differingContentLengths")
  protected void differingContentLengthsAreRefused(String headers) throws Exception {
    assertRefusedAndClosed(UPLOAD_HEAD + headers + "\r\nhello" + SMUGGLED, 400);
  }

  static Stream<String> transferCodings() {
    return Stream.of(
        "gzip", "identity", "chunked, chunked", "chunked\r\nTransfer-Encoding: chunked");
  }

  @ParameterizedTest
  @MethodSource("transferCodings")
  protected void transferCodingsOtherThanChunkedAreRefused(String coding) throws Exception {
    assertRefusedAndClosed(
        UPLOAD_HEAD + "Transfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, 501);
  }

  static Stream<String> codingsEndingInChunked() {
    return Stream.of("gzip, chunked", "deflate, chunked");
  }

  /**
   * A stack of codings that ends in {@code chunked} frames like a chunked body to a parser that
   * looks at the last coding only, and like a body of unknown length to one that refuses the first:
   * the gateway must refuse it and close, never frame it and read on.
   */
  @ParameterizedTest
  @MethodSource("codingsEndingInChunked")
  protected void stackedCodingsEndingInChunkedAreRefused(String coding) throws Exception {
    assertRefusedAndClosed(
        UPLOAD_HEAD + "Transfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, 501);
  }

  /**
   * HTTP/1.0 has no transfer codings (RFC 9112 section 6.1): a front end that speaks it may frame
   * the body by its Content-Length or by the close, and find the smuggled request in it or not.
   */
  @Test
  protected void transferEncodingOnHttp10IsRefused() throws Exception {
    assertRefusedAndClosed(
        UPLOAD_HEAD.replace(" HTTP/1.1\r\n", " HTTP/1.0\r\n")
            + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n"
            + SMUGGLED,
        400);
  }

  @Test
  protected void obsFoldedHeaderIsRefused() throws Exception {
    assertRefused(
        "GET " + ALLOWED + " HTTP/1.1\r\nHost: gateway.test\r\nX-Folded: a\r\n b\r\n\r\n", 400);
  }

  static Stream<String> bareLineEndings() {
    return Stream.of(
        "GET " + ALLOWED + " HTTP/1.1\rHost: gateway.test\r\r",
        "GET " + ALLOWED + " HTTP/1.1\r\nHost: gateway.test\r\nX-A: a\rX-B: b\r\n\r\n",
        "GET " + ALLOWED + " HTTP/1.1\nHost: gateway.test\n\n",
        "GET " + ALLOWED + " HTTP/1.1\r\nHost: gateway.test\nX-A: a\r\n\r\n");
  }

  @ParameterizedTest
  @MethodSource("bareLineEndings")
  protected void bareCarriageReturnsAndLineFeedsAreRefused(String request) throws Exception {
    assertRefused(request, 400);
  }

  /** Requests refused for their head (by the gateway's parser or Portcullis) with a token in it. */
  static Stream<String> refusedHeadsCarryingAToken() {
    String host = "\r\nHost: gateway.test\r\n\r\n";
    return Stream.of(
        "GET /api/%2F/search?token=" + TOKEN + " HTTP/1.1" + host,
        "GET /api//users?t=" + TOKEN + " HTTP/1.1" + host,
        "GET /api/%2e%2e/users?t=" + TOKEN + " HTTP/1.1" + host,
        "GET /api/u%ZZ?t=" + TOKEN + " HTTP/1.1" + host,
        "GET /api/x%00?t=" + TOKEN + " HTTP/1.1" + host,
        "GET http://u:" + TOKEN + "@gateway.test/api/server/version HTTP/1.1" + host,
        "GET /api/server/version?t=" + TOKEN + " HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /api/x#" + TOKEN + " HTTP/1.1" + host,
        "GET /api/server/version?t=" + TOKEN + " HTTP/2.0" + host);
  }

  /**
   * Whoever refuses it, the gateway's HTTP parser or Portcullis, a refusal is the JSON deny with a
   * reason code, and never quotes the request: Jetty's own error page did, query and user
   * information included.
   */
  @ParameterizedTest
  @MethodSource("refusedHeadsCarryingAToken")
  protected void aRefusalIsAJsonDenyThatNeverEchoesTheRequest(String request) throws Exception {
    try (RawHttpConnection client = connect()) {
      RawHttpResponse response = client.send(request).readIfAnswered();
      assertThat(response).as("answered").isNotNull();
      assertThat(response.status()).isBetween(400, 505);
      assertThat(response.header("content-type")).startsWith("application/json");
      assertThat(response.bodyText())
          .contains("\"reasons\":[\"")
          .doesNotContain(TOKEN.substring(4));
    }
    assertOnlyLivenessChecksReachTheUpstream();
  }

  // ---------------------------------------------------------------- heads

  @Test
  protected void oversizedRequestLineIsRefused() throws Exception {
    assertRefused(
        "GET " + ALLOWED + "?q=" + "x".repeat(20_000) + " HTTP/1.1\r\nHost: gateway.test\r\n\r\n",
        400,
        414,
        431);
  }

  static Stream<Integer> oversizedHeaderBytes() {
    return Stream.of(40 * 1024, 64 * 1024);
  }

  @ParameterizedTest
  @MethodSource("oversizedHeaderBytes")
  protected void oversizedHeadersAreRefused(int bytes) throws Exception {
    assertRefused(
        "GET "
            + ALLOWED
            + " HTTP/1.1\r\nHost: gateway.test\r\nX-Big: "
            + "x".repeat(bytes)
            + "\r\n\r\n",
        431);
  }

  @Test
  protected void moreHeadersThanTheMaximumAreRefused() throws Exception {
    StringBuilder request =
        new StringBuilder("GET " + ALLOWED + " HTTP/1.1\r\nHost: gateway.test\r\n");
    for (int i = 0; i < 100; i++) {
      request.append("X-Header-").append(i).append(": ").append(i).append("\r\n");
    }
    assertRefused(request.append("\r\n").toString(), 431);
  }

  static Stream<String> invalidMethods() {
    return Stream.of(
        "G@T " + ALLOWED,
        "GE(T " + ALLOWED,
        "\"GET\" " + ALLOWED,
        "get " + ALLOWED,
        "TRACE " + ALLOWED,
        "CONNECT upstream.test:443");
  }

  @ParameterizedTest
  @MethodSource("invalidMethods")
  protected void invalidOrUnexpectedMethodsAreRefused(String requestLine) throws Exception {
    assertRefused(
        requestLine + " HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n",
        400,
        403,
        405,
        501);
  }

  static Stream<String> unsupportedVersions() {
    return Stream.of("HTTP/1.2", "HTTP/2.0", "HTTP/9.9", "HTTP/0.9", "FOO/1.1");
  }

  /** Only HTTP/1.0 and HTTP/1.1 say how a request is framed and whether the connection lives on. */
  @ParameterizedTest
  @MethodSource("unsupportedVersions")
  protected void unsupportedHttpVersionsAreRefused(String version) throws Exception {
    assertRefusedAndClosed(
        "GET " + ALLOWED + " " + version + "\r\nHost: gateway.test\r\n\r\n" + SMUGGLED,
        400,
        426,
        505);
  }

  @Test
  protected void http10WithoutHostIsServed() throws Exception {
    try (RawHttpConnection client = connect()) {
      RawHttpResponse response =
          client.send("GET " + ALLOWED + " HTTP/1.0\r\n\r\n").readIfAnswered();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("echo GET " + ALLOWED);
    }
    assertThat(upstream.heads()).containsExactly("GET " + ALLOWED);
  }

  /**
   * The scheme of an absolute-form target is the client's word, not how it reached the gateway:
   * refused, or forwarded with the listener's own scheme in {@code X-Forwarded-Proto}.
   */
  @Test
  protected void anAbsoluteFormSchemeNeverBecomesTheForwardedProto() throws Exception {
    try (RawHttpConnection client = connect()) {
      client
          .send(
              "GET https://gateway.test"
                  + ALLOWED
                  + " HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n")
          .readIfAnswered();
    }
    assertThat(upstream.requests())
        .allSatisfy(
            request -> assertThat(request.headers()).containsEntry("x-forwarded-proto", "http"));
  }

  @Test
  protected void http11WithoutHostIsRefused() throws Exception {
    assertRefused("GET " + ALLOWED + " HTTP/1.1\r\nConnection: close\r\n\r\n", 400);
  }

  @Test
  protected void twoHostHeadersAreRefused() throws Exception {
    assertRefused(
        "GET " + ALLOWED + " HTTP/1.1\r\nHost: gateway.test\r\nHost: other.test\r\n\r\n", 400);
  }

  // ---------------------------------------------------------------- pipelines

  @Test
  protected void pipelinedRequestsAfterAnAllowAreAnsweredInOrder() throws Exception {
    try (RawHttpConnection client = connect()) {
      client.send(
          UPLOAD_HEAD + "Content-Length: 100\r\n\r\n" + reportBody(100) + get(ALLOWED) + SMUGGLED);

      assertThat(client.readIfAnswered().bodyText())
          .isEqualTo("echo POST /api/ce/submit?projectKey=demo");
      assertThat(client.readIfAnswered().bodyText()).isEqualTo("echo GET " + ALLOWED);
      assertThat(client.readIfAnswered().bodyText()).isEqualTo("echo GET /batch/index");
    }
    assertThat(upstream.requests())
        .extracting(RecordingUpstream.Request::line)
        .containsExactly(
            "POST /api/ce/submit?projectKey=demo", "GET " + ALLOWED, "GET /batch/index");
    assertThat(upstream.requests().get(0).bodyBytes()).isEqualTo(100);
  }

  /**
   * SonarQube reads a form field in the report upload's multipart body as a request parameter, so a
   * field beside the report would be a parameter the policy never saw: the gateway refuses it as
   * the body streams, after the report's bytes have begun to flow upstream, and the upstream never
   * gets a whole body.
   */
  @ParameterizedTest
  @ValueSource(strings = {"projectName", "characteristic", "projectKey", "report"})
  protected void aFormFieldBesideTheReportIsRefusedAndNeverCompletesUpstream(String field)
      throws Exception {
    String body =
        "--x\r\nContent-Disposition: form-data; name=\"report\"; filename=\"r.zip\"\r\n\r\n"
            + "r".repeat(256 * 1024)
            + "\r\n--x\r\nContent-Disposition: form-data; name=\""
            + field
            + "\"\r\n\r\nvalue\r\n--x--\r\n";
    try (RawHttpConnection client = connect()) {
      client.send(UPLOAD_HEAD + "Content-Length: " + body.length() + "\r\n\r\n" + body);

      RawHttpResponse response = client.readIfAnswered();

      assertThat(response).isNotNull();
      assertThat(response.status()).isEqualTo(403);
      assertThat(response.bodyText()).contains("\"body_part_not_allowed\"");
    }
    assertGatewayStillServes();
    assertThat(upstream.requests())
        .noneMatch(
            request -> request.target().startsWith("/api/ce/submit") && request.bodyComplete());
  }

  @Test
  protected void pipelinedRequestAfterADenyIsAnsweredInOrder() throws Exception {
    try (RawHttpConnection client = connect()) {
      client.send(get("/api/users/search?q=a") + get(ALLOWED));

      RawHttpResponse denied = client.readIfAnswered();
      assertThat(denied.status()).isBetween(400, 499);
      assertThat(denied.bodyText()).contains("\"reasons\"");
      assertThat(client.readIfAnswered().bodyText()).isEqualTo("echo GET " + ALLOWED);
    }
    assertThat(upstream.heads()).containsExactly("GET " + ALLOWED);
  }

  @Test
  protected void aDeniedRequestsBodyIsNeverTakenForTheNextRequest() throws Exception {
    assertRefusedAndClosed(
        "POST /api/users/create?login=a HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer "
            + TOKEN
            + "\r\nContent-Type: text/plain\r\nContent-Length: "
            + SMUGGLED.length()
            + "\r\n\r\n"
            + SMUGGLED,
        403);
  }

  // ---------------------------------------------------------------- slow and idle clients

  @Test
  protected void headersTrickledSlowerThanTheHeaderTimeoutAreCut() throws Exception {
    try (RawHttpConnection client = connect();
        Trickle trickle = new Trickle(client, "X-Slow: " + "a".repeat(100), 200)) {
      long start = System.nanoTime();
      client.send("GET " + ALLOWED + " HTTP/1.1\r\nHost: gateway.test\r\n");
      trickle.start();

      RawHttpResponse response = client.readIfAnswered();

      assertThat(response == null || response.status() == 408)
          .as("408 or a close, not %s", response)
          .isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(HEADER_TIMEOUT.plusMillis(1500));
    }
    assertOnlyLivenessChecksReachTheUpstream();
  }

  @Test
  protected void theHeaderTimeoutStartsWithEachRequestNotWithTheConnection() throws Exception {
    try (RawHttpConnection client = connect()) {
      assertThat(client.send(get(ALLOWED)).readIfAnswered().status()).isEqualTo(200);
      // Idle between requests for longer than the header timeout, shorter than the idle timeout.
      Thread.sleep(HEADER_TIMEOUT.toMillis() + 500);
      assertThat(client.send(get(ALLOWED)).readIfAnswered().status()).isEqualTo(200);
    }
  }

  @Test
  protected void aBodyTrickledSlowerThanTheMinimumRateIsCutAndNeverCompletesUpstream()
      throws Exception {
    try (RawHttpConnection client = connect();
        Trickle trickle = new Trickle(client, reportBody(100), 1000)) {
      long start = System.nanoTime();
      client.send(UPLOAD_HEAD + "Content-Length: 100\r\n\r\n");
      trickle.start();

      RawHttpResponse response = client.readIfAnswered();

      assertThat(response == null || response.status() == 408)
          .as("408 or a close, not %s", response)
          .isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(HEADER_TIMEOUT.plusSeconds(4));
    }
    assertGatewayStillServes();
    assertThat(upstream.requests())
        .noneMatch(
            request -> request.target().startsWith("/api/ce/submit") && request.bodyComplete());
  }

  /**
   * The minimum rate is checked only once the body has taken longer than the header timeout: a
   * short pause early in an upload is no failure, even though the body is slower than the rate
   * until it ends.
   */
  @Test
  protected void aBodyThatPausesWithinTheHeaderTimeoutIsNotCut() throws Exception {
    try (RawHttpConnection client = connect()) {
      String body = reportBody(2000);
      client.send(UPLOAD_HEAD + "Content-Length: 2000\r\n\r\n" + body.substring(0, 100));
      Thread.sleep(HEADER_TIMEOUT.toMillis() * 4 / 10);
      client.send(body.substring(100, 200));
      Thread.sleep(100);
      client.send(body.substring(200));

      assertThat(client.readIfAnswered().status()).isEqualTo(200);
    }
    assertThat(upstream.requests())
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.bodyBytes()).isEqualTo(2000);
              assertThat(request.bodyComplete()).isTrue();
            });
  }

  @Test
  protected void manyIdleConnectionsDoNotStopANewClientAndAreClosedByTheIdleTimeout()
      throws Exception {
    List<RawHttpConnection> idle = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      RawHttpConnection connection = connect();
      closeAfterTest.add(connection);
      idle.add(connection);
    }

    assertGatewayStillServes();

    long deadline = System.nanoTime() + IDLE_TIMEOUT.plusSeconds(5).toNanos();
    for (RawHttpConnection connection : idle) {
      Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
      assertThat(connection.closedWithin(left))
          .as("idle connection closed by the gateway")
          .isTrue();
    }
  }

  // ---------------------------------------------------------------- misbehaving upstream

  /**
   * An upstream that follows every response with a second one in the same write. Every connection
   * it answers on is poisoned, so whichever one the gateway would reuse, a later client would get
   * the stray.
   */
  @Test
  protected void anExtraResponseInTheSameSegmentNeverReachesAnotherClient() throws Exception {
    upstream.respondWith(
        (request, out) -> {
          out.write(
              concat(
                  RecordingUpstream.response(200, "echo " + request.line()),
                  RecordingUpstream.response(200, "STRAY")));
          out.flush();
          return true;
        });
    assertEveryClientGetsItsOwnAnswer(Duration.ZERO);
  }

  /**
   * An upstream that sends an unasked-for response on the kept-alive connection 300 ms after each
   * complete one.
   */
  @Test
  protected void extraBytesOnAnIdleUpstreamConnectionNeverReachAnotherClient() throws Exception {
    upstream.respondWith(
        (request, out) -> {
          out.write(RecordingUpstream.response(200, "echo " + request.line()));
          out.flush();
          Thread stray =
              new Thread(
                  () -> {
                    try {
                      Thread.sleep(300);
                      out.write(RecordingUpstream.response(200, "STRAY"));
                      out.flush();
                    } catch (IOException | InterruptedException closed) {
                      // the gateway closed the connection first: also fine
                    }
                  });
          stray.setDaemon(true);
          stray.start();
          return true;
        });
    assertEveryClientGetsItsOwnAnswer(Duration.ofMillis(600));
  }

  private void assertEveryClientGetsItsOwnAnswer(Duration pause) throws Exception {
    try {
      for (int i = 0; i < 6; i++) {
        // Consecutive clients ask different questions, so that one getting another's answer shows
        // too.
        String target = i % 2 == 0 ? "/batch/index" : ALLOWED;
        try (RawHttpConnection client = connect()) {
          RawHttpResponse response = client.send(get(target)).readIfAnswered();
          assertThat(response).as("answer to client %s", i).isNotNull();
          assertThat(response.bodyText()).isEqualTo("echo GET " + target);
        }
        Thread.sleep(pause.toMillis());
      }
    } finally {
      upstream.respondWith(RecordingUpstream.ECHO);
    }
  }

  // ---------------------------------------------------------------- helpers

  protected RawHttpConnection connect() throws IOException {
    return RawHttpConnection.open(gateway.uri());
  }

  protected static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: gateway.test\r\n\r\n";
  }

  /**
   * Sends {@code request}, expects one of {@code statuses} or a close, and that nothing reached the
   * upstream.
   */
  private void assertRefused(String request, int... statuses) throws Exception {
    try (RawHttpConnection client = connect()) {
      assertRefusal(client.send(request).readIfAnswered(), statuses);
    }
    assertOnlyLivenessChecksReachTheUpstream();
  }

  /**
   * Like {@link #assertRefused}, and the gateway must also close: the rest of the bytes cannot be
   * framed.
   */
  private void assertRefusedAndClosed(String request, int... statuses) throws Exception {
    try (RawHttpConnection client = connect()) {
      assertRefusal(client.send(request).readIfAnswered(), statuses);
      assertThat(client.closedWithin(Duration.ofSeconds(5)))
          .as("closed after the refusal")
          .isTrue();
    }
    assertOnlyLivenessChecksReachTheUpstream();
  }

  private static void assertRefusal(RawHttpResponse response, int... statuses) {
    if (response != null) {
      assertThat(response.status()).as("status of the refusal").isIn(box(statuses));
    }
  }

  private static Object[] box(int... values) {
    return Arrays.stream(values).boxed().toArray();
  }

  /** A new client gets an answer, and nothing but such checks ever reached the upstream. */
  private void assertOnlyLivenessChecksReachTheUpstream() throws Exception {
    assertGatewayStillServes();
    assertThat(upstream.heads())
        .as("requests that reached the upstream")
        .allMatch(("GET " + ALLOWED)::equals);
  }

  protected void assertGatewayStillServes() throws Exception {
    try (RawHttpConnection client = connect()) {
      client.setReadTimeout(Duration.ofSeconds(5));
      RawHttpResponse response = client.send(get(ALLOWED)).readIfAnswered();
      assertThat(response).as("answer to a new client").isNotNull();
      assertThat(response.status()).isEqualTo(200);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /**
   * Sends {@code text} one byte every {@code periodMillis} on its own thread until it is done or
   * the write fails.
   */
  private static final class Trickle implements AutoCloseable {
    private final Thread thread;

    Trickle(RawHttpConnection connection, String text, long periodMillis) {
      thread =
          new Thread(
              () -> {
                try {
                  for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                    Thread.sleep(periodMillis);
                    connection.send(new String(new byte[] {b}, StandardCharsets.ISO_8859_1));
                  }
                } catch (IOException | InterruptedException e) {
                  // cut off by the gateway, or stopped by the test
                }
              },
              "trickle");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      thread.interrupt();
      thread.join(5_000);
    }
  }
}
