package dev.portcullis.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.RawHttpConnection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every example gateway must do, whatever server it runs on: the real gateway (its adapter,
 * the bundled policy, credential verification) in front of a {@link FakeSonarQube}. Each gateway's
 * test extends it and says how to start that gateway.
 */
public abstract class AbstractGatewayIT {

  protected static final String BASIC_GOOD =
      "Basic "
          + Base64.getEncoder()
              .encodeToString((GatewaySonarQube.GOOD_TOKEN + ":").getBytes(StandardCharsets.UTF_8));

  @TempDir protected Path dir;
  protected FakeSonarQube sonar;
  protected RunningGateway gateway;
  protected final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Starts the gateway under test; it is closed by the test. */
  protected abstract RunningGateway start(GatewayConfig config) throws Exception;

  @BeforeEach
  void startGateway() throws Exception {
    sonar = GatewaySonarQube.start();
    gateway = start(config(sonar.baseUri(), null, null));
  }

  @AfterEach
  void stopGateway() throws Exception {
    try {
      gateway.close();
    } finally {
      sonar.close();
    }
  }

  @Test
  void scannerRequestIsForwardedWithItsCredentialAndTheGatewaysForwardingHeaders()
      throws Exception {
    HttpResponse<String> response =
        client.send(
            get("/api/settings/values.protobuf?component=demo")
                .header("Authorization", BASIC_GOOD)
                .header("X-Forwarded-For", "6.6.6.6")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("echo GET /api/settings/values.protobuf?component=demo");
    var headers = sonar.headers("/api/settings/values.protobuf");
    assertThat(headers.get("Authorization")).containsExactly(BASIC_GOOD);
    assertThat(headers.get("X-forwarded-for")).containsExactly("127.0.0.1");
    assertThat(headers.get("X-forwarded-proto")).containsExactly("http");
  }

  @Test
  void canonicalTargetIsWhatReachesSonarQube() throws Exception {
    HttpResponse<String> response =
        client.send(
            get("/api/settings/values.protobuf?component=%64emo")
                .header("Authorization", BASIC_GOOD)
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(sonar.received()).contains("GET /api/settings/values.protobuf?component=demo");
  }

  @Test
  void forbiddenEndpointIsRefusedByTheGatewayItself() throws Exception {
    HttpResponse<String> response =
        client.send(
            get("/api/users/search?q=a").header("Authorization", BASIC_GOOD).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("\"reasons\":[\"user_directory\"]");
    assertThat(sonar.received()).noneMatch(line -> line.contains("/api/users"));
  }

  @Test
  void wrongTokenIs401WithoutReachingTheEndpoint() throws Exception {
    String wrong = "Bearer sqp_2222222222222222222222222222222222222222";
    HttpResponse<String> response =
        client.send(
            get("/api/plugins/installed").header("Authorization", wrong).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).isNotEmpty();
    assertThat(sonar.received()).containsExactly("GET /api/authentication/validate");
  }

  @Test
  void largeDownloadStreamsThroughWithSonarHeaders() throws Exception {
    long size = GatewaySonarQube.PLUGIN_BYTES;
    HttpResponse<InputStream> response =
        client.send(
            get("/api/plugins/download?plugin=java").header("Authorization", BASIC_GOOD).build(),
            HttpResponse.BodyHandlers.ofInputStream());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Sonar-MD5"))
        .hasValue("d41d8cd98f00b204e9800998ecf8427e");
    String received;
    try (InputStream body = response.body()) {
      received = GatewaySonarQube.digest(body);
    }
    assertThat(received).isEqualTo(expectedDigest(size));
  }

  @Test
  void largeReportUploadStreamsThrough() throws Exception {
    long size = 40L * 1024 * 1024;
    HttpRequest upload =
        HttpRequest.newBuilder(gateway.uri().resolve("/api/ce/submit?projectKey=demo"))
            .header("Authorization", BASIC_GOOD)
            .header("Content-Type", UPLOAD_CONTENT_TYPE)
            .POST(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> reportUpload(size)),
                    reportUploadLength(size)))
            .build();

    HttpResponse<String> response = client.send(upload, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(GatewaySonarQube.digest(reportUpload(size)));
  }

  @Test
  void deniedUploadIsAnsweredWithoutReadingItsBody() throws Exception {
    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      client.setReadTimeout(Duration.ofSeconds(10));
      client
          .send(
              "POST /api/users/create HTTP/1.1\r\nHost: x\r\nAuthorization: "
                  + BASIC_GOOD
                  + "\r\nContent-Length: 500000000\r\n\r\n")
          .send(new byte[4096]);
      String statusLine = client.readHead().statusLine();
      assertThat(statusLine).isEqualTo("HTTP/1.1 403 Forbidden");
    }
  }

  @Test
  void unreachableUpstreamIs502AndSlowUpstreamIs504() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (RunningGateway down =
        start(
            GatewayConfig.builder(URI.create("http://127.0.0.1:" + closedPort))
                .credentialCheck(CredentialCheck.NONE)
                .connectTimeout(Duration.ofSeconds(2))
                .build())) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(down.uri().resolve("/api/server/version")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(502);
    }
    try (RunningGateway impatient =
        start(
            GatewayConfig.builder(sonar.baseUri())
                .connectTimeout(Duration.ofSeconds(2))
                .upstreamTimeout(Duration.ofSeconds(1))
                .build())) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(impatient.uri().resolve("/api/ce/task?id=1"))
                  .header("Authorization", BASIC_GOOD)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(504);
    }
  }

  @Test
  void clientIpComesFromForwardingHeadersOnlyBehindATrustedProxy() throws Exception {
    String onlyDocumentationRange =
        "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[\"203.0.113.0/24\"]}}}}";
    try (RunningGateway behindProxy =
            start(
                GatewayConfig.builder(sonar.baseUri())
                    .policyData(onlyDocumentationRange)
                    .trustedProxies(List.of("127.0.0.0/8"))
                    .build());
        RunningGateway direct =
            start(
                GatewayConfig.builder(sonar.baseUri())
                    .policyData(onlyDocumentationRange)
                    .build())) {
      assertThat(status(behindProxy, "/api/server/version", "203.0.113.9")).isEqualTo(200);
      assertThat(status(behindProxy, "/api/server/version", null)).isEqualTo(403);
      // Without a trusted proxy the same header is the client's own claim and changes nothing.
      assertThat(status(direct, "/api/server/version", "203.0.113.9")).isEqualTo(403);
    }
  }

  private int status(RunningGateway target, String path, String forwardedFor) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(target.uri().resolve(path));
    if (forwardedFor != null) {
      request.header("X-Forwarded-For", forwardedFor);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void servesHttpsWithAPemCertificate() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    selfSigned(cert, key);

    try (RunningGateway tls = start(config(sonar.baseUri(), cert, key))) {
      assertThat(tls.uri().getScheme()).isEqualTo("https");
      HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(cert)).build();
      HttpResponse<String> response =
          trusting.send(
              HttpRequest.newBuilder(tls.uri().resolve("/api/server/version")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(sonar.headers("/api/server/version").get("X-forwarded-proto"))
          .containsExactly("https");
    }
  }

  @Test
  void tlsFilesThatCannotBeUsedAreNamedAtStart() throws Exception {
    Path cert = dir.resolve("named-cert.pem");
    Path key = dir.resolve("named-key.pem");
    selfSigned(cert, key);
    Path notACertificate = Files.writeString(dir.resolve("not-a-cert.pem"), "hello\n");

    assertThatThrownBy(() -> start(config(sonar.baseUri(), dir.resolve("absent.pem"), key)))
        .hasMessageContaining("--tls-cert " + dir.resolve("absent.pem") + ": no such file");
    assertThatThrownBy(() -> start(config(sonar.baseUri(), cert, dir.resolve("absent.pem"))))
        .hasMessageContaining("--tls-key " + dir.resolve("absent.pem") + ": no such file");
    assertThatThrownBy(() -> start(config(sonar.baseUri(), notACertificate, key)))
        .hasMessageContaining("Cannot load the TLS certificate " + notACertificate)
        // Netty's own reason, or the Jetty gateway's: the certificate, not the key, is at fault
        .hasMessageMatching("(?s).*(valid certificates|must be a PEM certificate chain).*");
  }

  /** A self-signed certificate for 127.0.0.1 and its unencrypted PKCS#8 key, made by openssl. */
  private static void selfSigned(Path cert, Path key) throws Exception {
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-days",
                "1")
            .redirectErrorStream(true)
            .start();
    openssl.getInputStream().readAllBytes();
    assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).isZero();
  }

  protected HttpRequest.Builder get(String target) {
    return HttpRequest.newBuilder(gateway.uri().resolve(target)).timeout(Duration.ofSeconds(60));
  }

  protected static GatewayConfig config(URI upstream, Path cert, Path key) {
    return GatewayConfig.builder(upstream)
        .tls(cert, key)
        .connectTimeout(Duration.ofSeconds(2))
        .upstreamTimeout(Duration.ofSeconds(30))
        .idleTimeout(Duration.ofSeconds(30))
        .build();
  }

  private static final String REPORT_BOUNDARY = "portcullis-gateway-it-3f9c";

  /** The Content-Type of {@link #reportUpload}. */
  protected static final String UPLOAD_CONTENT_TYPE =
      "multipart/form-data; boundary=" + REPORT_BOUNDARY;

  private static final byte[] REPORT_HEAD =
      ("--"
              + REPORT_BOUNDARY
              + "\r\nContent-Disposition: form-data; name=\"report\"; filename=\"scanner-report.zip\""
              + "\r\nContent-Type: application/zip\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] REPORT_TAIL =
      ("\r\n--" + REPORT_BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);

  /**
   * A report upload's body as a scanner sends it: one file part named report holding {@code
   * contentSize} {@link PatternStream} bytes (which never hold a CRLF), streamed.
   */
  protected static InputStream reportUpload(long contentSize) {
    return new SequenceInputStream(
        Collections.enumeration(
            List.of(
                new ByteArrayInputStream(REPORT_HEAD),
                new PatternStream(contentSize),
                new ByteArrayInputStream(REPORT_TAIL))));
  }

  /** The length of {@link #reportUpload}. */
  protected static long reportUploadLength(long contentSize) {
    return REPORT_HEAD.length + contentSize + REPORT_TAIL.length;
  }

  protected static String expectedDigest(long size) throws IOException {
    return GatewaySonarQube.digest(new PatternStream(size));
  }

  protected static SSLContext trusting(Path cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      trust.setCertificateEntry(
          "gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
