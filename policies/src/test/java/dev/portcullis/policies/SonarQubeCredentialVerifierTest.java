package dev.portcullis.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.credential.CredentialVerificationException;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.FakeSonarQube.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SonarQubeCredentialVerifierTest {

  static final String VALID_TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";
  static final String INVALID_TOKEN = "sqp_ffffffffffffffffffffffffffffffffffffffff";
  static final String UNKNOWN_TOKEN = "squ_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

  private FakeSonarQube sonar;

  /**
   * A SonarQube under {@code /sonar} that knows {@link #VALID_TOKEN} and {@link #INVALID_TOKEN},
   * answers 401 to other credentials and 400 to a malformed header, as these tests need.
   */
  static FakeSonarQube.Builder sonarQubeWithTestTokens() {
    return FakeSonarQube.builder()
        .contextPath("/sonar")
        .unknownCredentials(Reply.UNAUTHORIZED)
        .malformedAuthorization(Reply.BAD_REQUEST)
        .reply(VALID_TOKEN + ":", Reply.VALID)
        .reply(INVALID_TOKEN + ":", Reply.INVALID);
  }

  @BeforeEach
  void start() throws IOException {
    // SonarQube itself answers {"valid":false} to an unknown token; a 401 here covers the
    // verifier's handling of one.
    sonar = sonarQubeWithTestTokens().reply("scanner:s3cret:with:colons", Reply.VALID).start();
  }

  @AfterEach
  void stop() {
    sonar.close();
  }

  @Test
  void validTokenIsValidWhetherSentAsBearerOrBasic() throws Exception {
    SonarQubeCredentialVerifier verifier = verifier(Duration.ofSeconds(5));

    assertThat(await(verifier, bearer(VALID_TOKEN)))
        .isEqualTo(new CredentialVerification(CredentialValidity.VALID, "sonarqube"));
    assertThat(await(verifier, basicToken(VALID_TOKEN)).validity())
        .isEqualTo(CredentialValidity.VALID);
    assertThat(sonar.calls(VALID_TOKEN + ":")).isEqualTo(2);
    assertThat(sonar.malformedAuthorizations()).isEmpty();
  }

  @Test
  void speaksPlainHttp11WithoutAskingToUpgrade() throws Exception {
    await(verifier(Duration.ofSeconds(5)), bearer(VALID_TOKEN));

    assertThat(sonar.totalCalls()).isEqualTo(1);
    assertThat(sonar.protocolSwitches()).isEmpty();
  }

  @Test
  void passwordCredentialIsSentAsUserAndPassword() throws Exception {
    Credential password = basic("scanner", "s3cret:with:colons");

    assertThat(await(verifier(Duration.ofSeconds(5)), password).validity())
        .isEqualTo(CredentialValidity.VALID);
    assertThat(sonar.calls("scanner:s3cret:with:colons")).isEqualTo(1);
  }

  @Test
  void validFalseAnd401AreInvalid() throws Exception {
    SonarQubeCredentialVerifier verifier = verifier(Duration.ofSeconds(5));

    assertThat(await(verifier, bearer(INVALID_TOKEN)))
        .isEqualTo(new CredentialVerification(CredentialValidity.INVALID, "sonarqube"));
    assertThat(await(verifier, bearer(UNKNOWN_TOKEN)).validity())
        .isEqualTo(CredentialValidity.INVALID);
    assertThat(sonar.calls(UNKNOWN_TOKEN + ":")).isEqualTo(1);
  }

  @Test
  void otherMembersOfTheAnswerAreIgnored() throws Exception {
    sonar.reply(
        VALID_TOKEN + ":",
        Reply.json(" {\"future\": [1, {\"x\": null}], \"valid\": true, \"y\": \"z\"} "));

    assertThat(await(verifier(Duration.ofSeconds(5)), bearer(VALID_TOKEN)).validity())
        .isEqualTo(CredentialValidity.VALID);
  }

  @Test
  void serverErrorFailsTheStage() {
    sonar.reply(VALID_TOKEN + ":", Reply.SERVER_ERROR);

    CredentialVerificationException failure =
        failure(verifier(Duration.ofSeconds(5)), bearer(VALID_TOKEN));

    assertThat(failure.kind()).isEqualTo(CredentialVerificationException.UNEXPECTED_STATUS);
    assertThat(failure.upstreamStatus()).isEqualTo(500);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "<html>Sign in</html>",
        "{}",
        "[true]",
        "true",
        "{\"valid\":\"true\"}",
        "{\"valid\":1}",
        "{\"valid\":null}",
        "{\"valid\":true",
        "{\"valid\":true} {}",
        "{\"valid\":true,\"valid\":false}",
        "{\"Valid\":true}"
      })
  void malformedAnswerFailsTheStage(String body) {
    sonar.reply(VALID_TOKEN + ":", Reply.json(body));

    assertThat(failure(verifier(Duration.ofSeconds(5)), bearer(VALID_TOKEN)).kind())
        .isEqualTo(CredentialVerificationException.MALFORMED_RESPONSE);
  }

  @Test
  void oversizedAnswerFailsTheStage() {
    sonar.reply(
        VALID_TOKEN + ":",
        Reply.json(
            "{\"valid\":true,\"pad\":\""
                + "x".repeat(SonarQubeCredentialVerifier.MAX_BODY_BYTES)
                + "\"}"));

    assertThat(failure(verifier(Duration.ofSeconds(5)), bearer(VALID_TOKEN)).kind())
        .isEqualTo(CredentialVerificationException.MALFORMED_RESPONSE);
  }

  @Test
  void redirectIsAFailureAndIsNotFollowed() throws IOException {
    try (FakeSonarQube elsewhere = FakeSonarQube.builder().contextPath("/sonar").start()) {
      sonar.reply(
          VALID_TOKEN + ":", Reply.redirect(elsewhere.baseUri() + "/api/authentication/validate"));

      CredentialVerificationException failure =
          failure(verifier(Duration.ofSeconds(5)), bearer(VALID_TOKEN));

      assertThat(failure.kind()).isEqualTo(CredentialVerificationException.REDIRECT);
      assertThat(failure.upstreamStatus()).isEqualTo(302);
      assertThat(elsewhere.totalCalls()).isZero();
    }
  }

  @Test
  void slowAnswerFailsWithATimeout() {
    sonar.reply(VALID_TOKEN + ":", Reply.HELD);

    assertThatThrownBy(
            () ->
                verifier(Duration.ofMillis(200))
                    .verify(bearer(VALID_TOKEN))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("did not answer within PT0.2S");
  }

  @Test
  void stalledBodyFailsWithATimeout() {
    sonar.reply(VALID_TOKEN + ":", Reply.STALLED_BODY);

    assertThatThrownBy(
            () ->
                verifier(Duration.ofMillis(200))
                    .verify(bearer(VALID_TOKEN))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void unreachableSonarQubeFailsTheStage() throws IOException {
    SonarQubeCredentialVerifier verifier =
        SonarQubeCredentialVerifier.builder().baseUri(closedPortUri()).build();

    CredentialVerificationException failure = failure(verifier, bearer(VALID_TOKEN));

    assertThat(failure.kind()).isEqualTo(CredentialVerificationException.UNREACHABLE);
    assertThat(failure.upstreamStatus()).isEqualTo(-1);
  }

  @Test
  void credentialsSonarQubeCannotAuthenticateAreInvalidWithoutACall() throws Exception {
    SonarQubeCredentialVerifier verifier = verifier(Duration.ofSeconds(5));

    assertThat(await(verifier, Credential.parse(List.of("Token " + VALID_TOKEN))).validity())
        .isEqualTo(CredentialValidity.INVALID);
    assertThat(await(verifier, Credential.parse(List.of("Digest"))).validity())
        .isEqualTo(CredentialValidity.INVALID);
    // Sent as Basic, "user:pass" would be checked as a password; it is not the token the client
    // sent.
    assertThat(await(verifier, bearer("scanner:s3cret:with:colons")).validity())
        .isEqualTo(CredentialValidity.INVALID);
    assertThat(await(verifier, Credential.NONE)).isEqualTo(CredentialVerification.UNVERIFIED);
    assertThat(sonar.totalCalls()).isZero();
  }

  @Test
  void neitherFailuresNorLogsNorToStringContainTheCredential() throws Exception {
    String secret = "sqp_4242424242424242424242424242424242424242";
    String encoded =
        Base64.getEncoder().encodeToString((secret + ":").getBytes(StandardCharsets.UTF_8));
    List<Throwable> failures = new ArrayList<>();
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      // An upstream that echoes the credential back must not get it into a message either.
      List<Reply> replies =
          List.of(
              Reply.SERVER_ERROR,
              Reply.json(secret),
              Reply.json("{\"valid\": " + secret + "}"),
              Reply.json("Basic " + encoded),
              Reply.redirect("http://example.invalid/?t=" + secret),
              Reply.HELD);
      for (Reply reply : replies) {
        sonar.reply(secret + ":", reply);
        failures.add(failureOf(verifier(Duration.ofMillis(200)), bearer(secret)));
      }
      failures.add(
          failureOf(
              SonarQubeCredentialVerifier.builder().baseUri(closedPortUri()).build(),
              bearer(secret)));
    } finally {
      System.setErr(originalErr);
    }

    assertThat(failures).hasSize(7);
    for (Throwable failure : failures) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).doesNotContain(secret).doesNotContain(encoded);
        assertThat(t.toString()).doesNotContain(secret).doesNotContain(encoded);
      }
    }
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("credential verification failed")
        .doesNotContain(secret)
        .doesNotContain(encoded);
    assertThat(verifier(Duration.ofSeconds(5)).toString()).doesNotContain(secret);
  }

  @Test
  void validateUriKeepsTheContextPath() {
    assertThat(
            SonarQubeCredentialVerifier.builder()
                .baseUri(URI.create("https://sonar.example/sonarqube/"))
                .build()
                .validateUri())
        .isEqualTo(URI.create("https://sonar.example/sonarqube/api/authentication/validate"));
    assertThat(
            SonarQubeCredentialVerifier.builder()
                .baseUri(URI.create("http://sonar:9000"))
                .build()
                .validateUri())
        .isEqualTo(URI.create("http://sonar:9000/api/authentication/validate"));
  }

  @Test
  void builderRefusesUnsafeOrIncompleteConfiguration() {
    assertThatThrownBy(() -> SonarQubeCredentialVerifier.builder().build())
        .isInstanceOf(IllegalStateException.class);
    for (String uri :
        List.of(
            "sonar:9000",
            "ftp://sonar/",
            "http://admin:pw@sonar/",
            "http://sonar/?x=1",
            "http://sonar/#x",
            "/sonar")) {
      assertThatThrownBy(
              () -> SonarQubeCredentialVerifier.builder().baseUri(URI.create(uri)).build())
          .as(uri)
          .isInstanceOf(IllegalArgumentException.class);
    }
    HttpClient following =
        HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    assertThatThrownBy(
            () ->
                SonarQubeCredentialVerifier.builder()
                    .baseUri(sonar.baseUri())
                    .httpClient(following)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redirect");
    assertThatThrownBy(
            () ->
                SonarQubeCredentialVerifier.builder()
                    .baseUri(sonar.baseUri())
                    .requestTimeout(Duration.ZERO)
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  private SonarQubeCredentialVerifier verifier(Duration requestTimeout) {
    return SonarQubeCredentialVerifier.builder()
        .baseUri(sonar.baseUri())
        .requestTimeout(requestTimeout)
        .build();
  }

  static CredentialVerification await(SonarQubeCredentialVerifier verifier, Credential credential)
      throws Exception {
    return verifier.verify(credential).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static CredentialVerificationException failure(
      SonarQubeCredentialVerifier verifier, Credential credential) {
    Throwable failure = failureOf(verifier, credential);
    assertThat(failure).isInstanceOf(CredentialVerificationException.class);
    return (CredentialVerificationException) failure;
  }

  private static Throwable failureOf(SonarQubeCredentialVerifier verifier, Credential credential) {
    try {
      CredentialVerification verification =
          verifier.verify(credential).toCompletableFuture().get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failed stage, got " + verification);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("the stage did not complete", e);
    }
  }

  static URI closedPortUri() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port + "/sonar");
  }

  static Credential bearer(String token) {
    return Credential.parse(List.of("Bearer " + token));
  }

  static Credential basicToken(String token) {
    return basic(token, "");
  }

  static Credential basic(String user, String password) {
    return Credential.parse(
        List.of(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))));
  }
}
