package dev.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.PolicyEnforcer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every Portcullis adapter shares, run against a real server: allowed requests pass
 * through untouched with the judged canonical target, denied ones get the policy's status and a
 * JSON body without ever reaching the upstream, ambiguous targets get 400, and large bodies stream.
 *
 * <p>An adapter test starts its server with the adapter in front of the given {@link
 * UpstreamHandler} and the given enforcer (which uses {@link StubPolicyEngine}). The large-body
 * tests prove correctness, not memory use: run the suite with a heap of about 128 MiB so that a 64
 * MiB body buffered more than once fails with an {@code OutOfMemoryError}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractAdapterConformanceTest {

  /**
   * A syntactically real SonarQube token; it must reach the upstream and never appear in a deny.
   */
  protected static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";

  protected static final long LARGE_BODY_BYTES = 64L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final EchoUpstream upstream = new EchoUpstream();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private URI server;

  /**
   * Starts the adapter under test on an ephemeral port, in front of {@code upstream}.
   *
   * @return the server's base URI, such as {@code http://127.0.0.1:41234}
   */
  protected abstract URI startServer(PolicyEnforcer enforcer, UpstreamHandler upstream)
      throws Exception;

  protected abstract void stopServer() throws Exception;

  /** The enforcer put in front of the upstream; override to add a credential verifier. */
  protected PolicyEnforcer enforcer() {
    return PolicyEnforcer.builder(new StubPolicyEngine()).build();
  }

  @BeforeAll
  final void startAdapter() throws Exception {
    server = startServer(enforcer(), upstream);
  }

  @AfterAll
  final void stopAdapter() throws Exception {
    stopServer();
  }

  @BeforeEach
  final void resetUpstream() {
    upstream.reset();
  }

  @Test
  void allowedRequestReachesUpstreamUntouched() throws Exception {
    byte[] body = new byte[100_000];
    new Random(42).nextBytes(body);
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resolve("/echo/some/path?a=1&b=two"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/octet-stream")
                .header("X-Portcullis-Test", "kept as sent")
                .POST(BodyPublishers.ofByteArray(body))
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode report = JSON.readTree(response.body());
    assertThat(report.get("method").asText()).isEqualTo("POST");
    assertThat(report.get("target").asText()).isEqualTo("/echo/some/path?a=1&b=two");
    assertThat(texts(report.at("/headers/authorization"))).containsExactly("Bearer " + TOKEN);
    assertThat(texts(report.at("/headers/content-type")))
        .containsExactly("application/octet-stream");
    assertThat(texts(report.at("/headers/x-portcullis-test"))).containsExactly("kept as sent");
    assertThat(report.get("body_bytes").asLong()).isEqualTo(body.length);
    assertThat(report.get("body_sha256").asText())
        .isEqualTo(Payload.digest(new ByteArrayInputStream(body)).sha256());
    assertThat(upstream.calls()).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("methodsWithoutBody")
  void allowedRequestWithoutBodyKeepsItsMethod(String method) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resolve("/allowed/x"))
                .method(method, BodyPublishers.noBody())
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode report = JSON.readTree(response.body());
    assertThat(report.get("method").asText()).isEqualTo(method);
    assertThat(report.get("target").asText()).isEqualTo("/allowed/x");
    assertThat(report.get("body_bytes").asLong()).isZero();
  }

  static Stream<String> methodsWithoutBody() {
    return Stream.of("GET", "DELETE", "OPTIONS");
  }

  @ParameterizedTest
  @MethodSource("canonicalTargets")
  void upstreamReceivesTheCanonicalTarget(String sent, String canonical) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(server + sent))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("target").asText()).isEqualTo(canonical);
  }

  static Stream<Arguments> canonicalTargets() {
    return Stream.of(
        Arguments.of("/echo/%61b?x=%41", "/echo/ab?x=A"),
        Arguments.of("/echo/%7euser?q=a+b", "/echo/~user?q=a%20b"),
        Arguments.of("/echo/plain?k=v", "/echo/plain?k=v"));
  }

  @ParameterizedTest
  @MethodSource("denies")
  void deniedRequestGetsThePolicyStatusAndNeverReachesUpstream(
      String path, int status, String reason) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resolve(path + "?marker=do-not-echo"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(BodyPublishers.ofString("a small body"))
                .build(),
            BodyHandlers.ofString());

    assertDeny(response, status, reason);
    List<String> challenges = response.headers().allValues("WWW-Authenticate");
    if (status == 401) {
      assertThat(challenges)
          .anyMatch(c -> c.startsWith("Basic realm="))
          .anyMatch(c -> c.startsWith("Bearer realm="));
    } else {
      assertThat(challenges).isEmpty();
    }
    assertThat(response.body()).doesNotContain(TOKEN).doesNotContain("do-not-echo");
    assertThat(upstream.calls()).isZero();
  }

  static Stream<Arguments> denies() {
    return Stream.of(
        Arguments.of("/denied", 403, StubPolicyEngine.DENIED),
        Arguments.of("/unauthorized", 401, StubPolicyEngine.UNAUTHORIZED),
        Arguments.of("/too-large", 413, StubPolicyEngine.TOO_LARGE),
        Arguments.of("/anything/else", 403, StubPolicyEngine.NO_RULE));
  }

  @Test
  void engineFailureIsADeny() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resolve("/engine-failure")).GET().build(),
            BodyHandlers.ofString());

    assertDeny(response, 500, "engine_error");
    assertThat(upstream.calls()).isZero();
  }

  /**
   * Targets that HTTP clients would normalize, sent over a socket. A container may refuse some of
   * them itself before the adapter runs; that is fine as long as the answer is 400 and the upstream
   * never sees the request. When the adapter answers, its body names the reason.
   */
  @ParameterizedTest
  @MethodSource("ambiguousTargets")
  void ambiguousTargetIsRefusedWith400(String target, String reason) throws Exception {
    RawHttp.Response response =
        RawHttp.exchange(
            server,
            "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            new byte[0]);

    assertThat(response.status()).as("status for %s", target).isEqualTo(400);
    if (isJson(response.header("Content-Type"))) {
      assertThat(texts(JSON.readTree(response.body()).get("reasons")))
          .as("reasons for %s", target)
          .contains(reason);
    }
    assertThat(upstream.calls()).as("upstream calls for %s", target).isZero();
    ambiguousTargetAnswered(target, isJson(response.header("Content-Type")));
  }

  /**
   * Called once per ambiguous target with whether the adapter (true) or the container (false)
   * refused it.
   */
  protected void ambiguousTargetAnswered(String target, boolean byAdapter) {}

  static Stream<Arguments> ambiguousTargets() {
    return Stream.of(
        Arguments.of("/echo/..%2Fx", "encoded_separator"),
        Arguments.of("/echo/%2e%2e/x", "encoded_dot"),
        Arguments.of("/echo/../x", "dot_segment"),
        Arguments.of("/echo//x", "empty_segment"),
        Arguments.of("/echo;x=1", "semicolon"),
        Arguments.of("/echo/%C3%28", "invalid_utf8"),
        Arguments.of("/echo\\x", "backslash"),
        Arguments.of("/echo/%5Cx", "encoded_separator"),
        Arguments.of("/echo/%25252e", "double_encoding"));
  }

  @Test
  void largeUploadStreamsToUpstream() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resolve("/allowed/upload"))
                .header("Content-Type", "application/octet-stream")
                .POST(
                    BodyPublishers.fromPublisher(
                        BodyPublishers.ofInputStream(() -> Payload.stream(LARGE_BODY_BYTES)),
                        LARGE_BODY_BYTES))
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode report = JSON.readTree(response.body());
    assertThat(report.get("body_bytes").asLong()).isEqualTo(LARGE_BODY_BYTES);
    assertThat(report.get("body_sha256").asText()).isEqualTo(Payload.sha256(LARGE_BODY_BYTES));
  }

  @Test
  void largeDownloadStreamsToClient() throws Exception {
    HttpResponse<InputStream> response =
        client.send(
            HttpRequest.newBuilder(server.resolve("/allowed/download?bytes=" + LARGE_BODY_BYTES))
                .GET()
                .build(),
            BodyHandlers.ofInputStream());

    assertThat(response.statusCode()).isEqualTo(200);
    Payload.Digest received;
    try (InputStream body = response.body()) {
      received = Payload.digest(body);
    }
    assertThat(received.bytes()).isEqualTo(LARGE_BODY_BYTES);
    assertThat(received.sha256()).isEqualTo(Payload.sha256(LARGE_BODY_BYTES));
  }

  /**
   * A denied request that declares 500 MB but sends only 8 KiB is answered at once, and the server
   * then closes the connection instead of draining the rest of the body: a client that goes on
   * sending is cut off within 64 MiB. (Tomcat swallows up to its {@code maxSwallowSize}, 2 MiB by
   * default, before closing.)
   */
  @Test
  void deniedLargeBodyIsAnsweredWithoutReadingIt() throws Exception {
    byte[] prefix = Payload.stream(8 * 1024).readAllBytes();
    RawHttp.Response response =
        RawHttp.exchange(
            server,
            "POST /denied HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: 500000000\r\n\r\n",
            prefix,
            LARGE_BODY_BYTES);

    assertThat(response.status()).isEqualTo(403);
    assertThat(texts(JSON.readTree(response.body()).get("reasons")))
        .containsExactly(StubPolicyEngine.DENIED);
    assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
    assertThat(response.closedByServer())
        .as("server closed the connection before 64 MiB more")
        .isTrue();
    assertThat(upstream.calls()).isZero();
  }

  private static final String BOUNDARY = "portcullis-conformance-0b1c2d3e";

  /** A multipart body as a scanner's HTTP client writes it: each part, then the closing line. */
  private static byte[] multipart(List<String> headerBlocks, byte[] fileContent) {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (String headers : headerBlocks) {
      body.writeBytes(
          ("--" + BOUNDARY + "\r\n" + headers + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      body.writeBytes(headers.contains("filename=") ? fileContent : "value".getBytes());
      body.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
    return body.toByteArray();
  }

  private static final String REPORT_PART =
      "Content-Disposition: form-data; name=\"report\"; filename=\"scanner-report.zip\"\r\n"
          + "Content-Type: application/zip";

  private RawHttp.Response postMultipart(String path, String contentType, byte[] body)
      throws IOException {
    return RawHttp.exchange(
        server,
        "POST "
            + path
            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: "
            + contentType
            + "\r\nContent-Length: "
            + body.length
            + "\r\n\r\n",
        body);
  }

  @Test
  void aMultipartBodyWithTheAllowedFilePartReachesUpstreamWhole() throws Exception {
    byte[] report = Payload.stream(300_000).readAllBytes();
    byte[] body = multipart(List.of(REPORT_PART), report);

    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resolve("/parts/submit"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(BodyPublishers.ofByteArray(body))
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode echoed = JSON.readTree(response.body());
    assertThat(echoed.get("body_bytes").asLong()).isEqualTo(body.length);
    assertThat(echoed.get("body_sha256").asText())
        .isEqualTo(Payload.digest(new ByteArrayInputStream(body)).sha256());
  }

  static Stream<Arguments> refusedParts() {
    int large = 300_000;
    return Stream.of(
        Arguments.of(
            List.of(REPORT_PART, "Content-Disposition: form-data; name=\"projectName\""), large),
        Arguments.of(
            List.of(REPORT_PART, "Content-Disposition: form-data; name=\"report\""), large),
        Arguments.of(
            List.of(
                REPORT_PART, "Content-Disposition: form-data; name=\"other\"; filename=\"x.zip\""),
            large),
        // Refused at once: a small body, so that the client has sent it all before the close.
        Arguments.of(
            List.of("Content-Disposition: form-data; name=\"characteristic\"", REPORT_PART), 3));
  }

  /**
   * A form field or a file part the decision does not name, after a large file part (the upstream
   * has begun to read the body when it arrives) or before it (nothing has been passed on yet): the
   * upstream never gets the body whole, and the client gets the refusal.
   */
  @ParameterizedTest
  @MethodSource("refusedParts")
  void aPartTheDecisionDoesNotNameIsRefusedAndNeverReachesUpstreamWhole(
      List<String> parts, int reportBytes) throws Exception {
    byte[] report = Payload.stream(reportBytes).readAllBytes();
    byte[] body = multipart(parts, report);

    RawHttp.Response response =
        postMultipart("/parts/submit", "multipart/form-data; boundary=" + BOUNDARY, body);

    assertThat(response.status()).isEqualTo(403);
    assertThat(texts(JSON.readTree(response.body()).get("reasons")))
        .containsExactly("body_part_not_allowed");
    assertThat(upstream.wholeBodies()).isZero();
  }

  @Test
  void aMultipartBodyIsRefusedWhereTheDecisionNamesNoParts() throws Exception {
    byte[] body = multipart(List.of(REPORT_PART), new byte[] {1, 2, 3});

    RawHttp.Response response =
        postMultipart("/allowed/submit", "multipart/form-data; boundary=" + BOUNDARY, body);

    assertThat(response.status()).isEqualTo(403);
    assertThat(upstream.wholeBodies()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "multipart/form-data; boundary=" + BOUNDARY + ", boundary=other",
        "multipart/form-data; boundary=" + BOUNDARY + "; boundary=other",
        "multipart/form-data"
      })
  void aMultipartBodyWithoutOneStrictBoundaryIsRefusedBeforeUpstream(String contentType)
      throws Exception {
    byte[] body = multipart(List.of(REPORT_PART), new byte[] {1, 2, 3});

    RawHttp.Response response = postMultipart("/parts/submit", contentType, body);

    assertThat(response.status()).isEqualTo(400);
    assertThat(texts(JSON.readTree(response.body()).get("reasons")))
        .containsExactly("multipart_malformed");
    assertThat(upstream.calls()).isZero();
  }

  private static void assertDeny(HttpResponse<String> response, int status, String reason)
      throws IOException {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(isJson(t)).isTrue());
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("status").asInt()).isEqualTo(status);
    assertThat(texts(body.get("reasons"))).containsExactly(reason);
    assertThat(body.get("message").isTextual()).isTrue();
  }

  private static boolean isJson(String contentType) {
    return contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    if (array != null) {
      array.forEach(node -> texts.add(node.asText()));
    }
    return texts;
  }
}
