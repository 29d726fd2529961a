package dev.portcullis.opa.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.RawRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The remote engine against a stub OPA (the JDK's HTTP server) for what a real OPA will not do on
 * demand: malformed bodies, odd statuses, stalls. {@code RemoteOpaPolicyEngineIT} in the policies
 * module runs it against a real {@code opa run --server}.
 */
class RemoteOpaPolicyEngineTest {

  private static final PolicyInput INPUT =
      new PolicyInput(
          PolicyInput.Request.of(
              "GET",
              CanonicalTarget.parse("/api/server/version"),
              Map.of(),
              List.of("host"),
              PolicyInput.NO_CONTENT_LENGTH),
          new PolicyInput.Client("203.0.113.7"),
          PolicyInput.CredentialSummary.NONE);

  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;
  private RemoteOpaPolicyEngine engine;

  @AfterEach
  void stop() {
    release.countDown();
    if (engine != null) {
      engine.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  /** A stub OPA answering every request with {@code answer}'s status and body. */
  private URI stub(Function<String, Answer> answer) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body);
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          authorizations.add(auth == null ? "-" : auth);
          Answer reply = answer.apply(body);
          if (reply == null) {
            awaitRelease();
            exchange.close();
            return;
          }
          send(exchange, reply);
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private record Answer(int status, String body) {}

  private void awaitRelease() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(HttpExchange exchange, Answer reply) throws IOException {
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private RemoteOpaPolicyEngine engine(URI url) {
    return engine(url, Duration.ofMillis(500));
  }

  private RemoteOpaPolicyEngine engine(URI url, Duration requestTimeout) {
    engine =
        RemoteOpaPolicyEngine.builder()
            .url(url)
            .entrypoint("portcullis/sonarqube/decision")
            .requestTimeout(requestTimeout)
            .build();
    return engine;
  }

  /** An engine that reads at most {@code bytes} of an answer, in place of the previous one. */
  private RemoteOpaPolicyEngine engineReadingAtMost(URI url, int bytes) {
    if (engine != null) {
      engine.close();
    }
    engine =
        RemoteOpaPolicyEngine.builder()
            .url(url)
            .entrypoint("portcullis/sonarqube/decision")
            .maxResponseBytes(bytes)
            .build();
    return engine;
  }

  @Test
  void postsTheInputToTheDataApiAndReadsTheResult() throws Exception {
    URI url =
        stub(
            body ->
                new Answer(
                    200,
                    "{\"decision_id\":\"x\",\"result\":{\"allow\":true,\"reasons\":[\"scanner_api\"],"
                        + "\"message\":\"Ok.\"}}"));

    Decision decision = engine(url).evaluate(INPUT);

    assertThat(decision.allow()).isTrue();
    assertThat(decision.reasons()).containsExactly("scanner_api");
    assertThat(requests)
        .containsExactly(
            "POST /v1/data/portcullis/sonarqube/decision {\"input\":" + INPUT.toJson() + "}");
    assertThat(authorizations).containsExactly("-");
    assertThat(engine.answering()).isTrue();
  }

  @Test
  void sendsTheBearerTokenButNeverDescribesIt() throws Exception {
    URI url = stub(body -> new Answer(200, "{\"result\":{\"allow\":false,\"status\":403}}"));
    engine =
        RemoteOpaPolicyEngine.builder()
            .url(URI.create(url + "/"))
            .entrypoint("a/b")
            .bearerToken("s3cret-token")
            .build();

    Decision decision = engine.evaluate(INPUT);

    assertThat(decision.status()).isEqualTo(403);
    assertThat(decision.reasons()).containsExactly("denied_by_policy");
    assertThat(authorizations).containsExactly("Bearer s3cret-token");
    assertThat(engine.describe()).doesNotContain("s3cret").contains("auth=bearer");
    assertThat(requests.get(0)).startsWith("POST /v1/data/a/b ");
  }

  @Test
  void aMissingResultIsUndefinedAndAWrongOneMalformed() throws Exception {
    URI url =
        stub(
            body ->
                body.contains("203.0.113.7")
                    ? new Answer(200, "{}")
                    : new Answer(200, "{\"result\":{\"allow\":\"yes\"}}"));

    Decision undefined = engine(url).evaluate(INPUT);
    assertThat(undefined.allow()).isFalse();
    assertThat(undefined.status()).isEqualTo(500);
    assertThat(undefined.reasons()).containsExactly("policy_result_undefined");
    assertThat(engine.answering()).isFalse();

    Decision malformed =
        engine.evaluate(
            new PolicyInput(
                INPUT.request(), new PolicyInput.Client("10.0.0.1"), INPUT.credential()));
    assertThat(malformed.allow()).isFalse();
    assertThat(malformed.reasons()).containsExactly("policy_result_malformed");
  }

  @Test
  void failuresOfTheExchangeHaveTheirOwnReasons() throws Exception {
    URI url =
        stub(
            body -> {
              if (body.contains("\"GET\"")) {
                return new Answer(500, "{\"code\":\"internal_error\",\"message\":\"boom\"}");
              }
              return new Answer(200, "<html>not json</html>");
            });
    engine(url);

    assertThatThrownBy(() -> engine.evaluate(INPUT))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("engine_bad_status");
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.getMessage()).contains("HTTP 500 code=internal_error");
            });
    PolicyInput post =
        new PolicyInput(
            PolicyInput.Request.of(
                "POST",
                CanonicalTarget.parse("/api/ce/submit"),
                Map.of(),
                List.of("host"),
                PolicyInput.NO_CONTENT_LENGTH),
            INPUT.client(),
            INPUT.credential());
    assertThatThrownBy(() -> engine.evaluate(post))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("engine_response_malformed");
              assertThat(e.status()).isEqualTo(500);
            });
  }

  @Test
  void anAnswerIsReadUpToTheLimitAndNoFurther() throws Exception {
    String answer = "{\"result\":{\"allow\":true,\"reasons\":[\"ok\"],\"message\":\"Ok.\"}}";
    int length = answer.getBytes(StandardCharsets.UTF_8).length;
    URI url = stub(body -> new Answer(200, answer));

    assertThat(engineReadingAtMost(url, length).evaluate(INPUT).allow()).isTrue();

    assertThatThrownBy(() -> engineReadingAtMost(url, length - 1).evaluate(INPUT))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("engine_response_too_large");
              assertThat(e.status()).isEqualTo(500);
              assertThat(e.getMessage()).contains("longer than " + (length - 1) + " bytes");
            });
  }

  @Test
  void anEndlessAnswerIsCutOffAtTheDefaultLimitLongBeforeTheTimeout() throws Exception {
    AtomicLong written = new AtomicLong();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = new byte[64 * 1024];
          Arrays.fill(chunk, (byte) ' ');
          try (OutputStream out = exchange.getResponseBody()) {
            out.write('{');
            // Until the client hangs up; the bound only keeps a broken test from running forever.
            while (written.get() < 1L << 30) {
              out.write(chunk);
              written.addAndGet(chunk.length);
            }
          } catch (IOException hungUp) {
            // expected: the engine cancelled the exchange
          }
        });
    server.start();
    engine(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(30));

    assertThatThrownBy(() -> engine.evaluate(INPUT))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("engine_response_too_large");
              assertThat(e.getMessage())
                  .contains(
                      "longer than " + RemoteOpaPolicyEngine.DEFAULT_MAX_RESPONSE_BYTES + " bytes");
            });
  }

  @Test
  void aResponseLimitThatIsNotPositiveIsRefused() {
    assertThatThrownBy(
            () ->
                RemoteOpaPolicyEngine.builder()
                    .url(URI.create("http://127.0.0.1:8181"))
                    .entrypoint("portcullis/sonarqube/decision")
                    .maxResponseBytes(0)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("response limit");
  }

  @Test
  void aServerThatDoesNotAnswerTimesOutWithoutBlockingTheCaller() throws Exception {
    URI url = stub(body -> null);
    // Long enough that a loaded machine still returns from evaluateAsync before it runs out.
    engine(url, Duration.ofSeconds(3));

    long started = System.nanoTime();
    CompletableFuture<Decision> pending = engine.evaluateAsync(INPUT).toCompletableFuture();
    long returnedAfter = System.nanoTime() - started;

    assertThat(pending).as("asked, not answered yet").isNotDone();
    assertThat(Duration.ofNanos(returnedAfter)).isLessThan(Duration.ofSeconds(3));
    assertThat(pending)
        .failsWithin(Duration.ofSeconds(30))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("engine_timeout");
              assertThat(e.status()).isEqualTo(503);
            });
  }

  @Test
  void aServerThatIsNotThereIsUnavailable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    engine(URI.create("http://127.0.0.1:" + port));

    assertThatThrownBy(() -> engine.evaluate(INPUT))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> assertThat(e.reason()).isEqualTo("engine_unavailable"));
    assertThat(engine.warmUp().toCompletableFuture().get(30, TimeUnit.SECONDS)).isFalse();
    assertThat(engine.answering()).isFalse();
  }

  @Test
  void theEnforcerWaitsForTheAnswerWithoutBlockingAndDeniesOnFailure() throws Exception {
    URI url =
        stub(
            body ->
                body.contains("/api/server/version")
                    ? null
                    : new Answer(200, "{\"result\":{\"allow\":true}}"));
    PolicyEnforcer enforcer = PolicyEnforcer.builder(engine(url, Duration.ofSeconds(3))).build();

    CompletableFuture<Decision> stalled =
        enforcer
            .decideAsync(
                RawRequest.of("GET", "/api/server/version", "203.0.113.7"), RawRequest.ACCESSOR)
            .toCompletableFuture();
    assertThat(stalled).isNotDone();
    Decision denied = stalled.get(30, TimeUnit.SECONDS);
    assertThat(denied.allow()).isFalse();
    assertThat(denied.status()).isEqualTo(503);
    assertThat(denied.reasons()).containsExactly("engine_timeout");

    Decision allowed =
        enforcer
            .decideAsync(
                RawRequest.of("GET", "/api/plugins/installed", "203.0.113.7"), RawRequest.ACCESSOR)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertThat(allowed.allow()).isTrue();
    assertThat(allowed.forwardTarget()).isEqualTo("/api/plugins/installed");
  }

  @Test
  void aWarmUpMakesItAnswering() throws Exception {
    URI url = stub(body -> new Answer(200, "{\"result\":{\"allow\":false,\"status\":401}}"));
    engine(url);
    assertThat(engine.answering()).isFalse();

    assertThat(engine.warmUp().toCompletableFuture().get(30, TimeUnit.SECONDS)).isTrue();

    assertThat(engine.answering()).isTrue();
    engine.close();
    assertThat(engine.answering()).isFalse();
    assertThatThrownBy(() -> engine.evaluate(INPUT))
        .isInstanceOfSatisfying(
            PolicyEvaluationException.class,
            e -> assertThat(e.reason()).isEqualTo("engine_closed"));
  }

  @Test
  void refusesUrlsThatCouldLeakOrMislead() {
    for (String url :
        List.of("ftp://opa:8181", "http://user:pw@opa:8181", "http://opa:8181?x=1", "opa:8181")) {
      assertThatThrownBy(
              () -> RemoteOpaPolicyEngine.builder().url(URI.create(url)).entrypoint("a/b").build())
          .as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageNotContaining("pw");
    }
    assertThatThrownBy(
            () ->
                RemoteOpaPolicyEngine.builder()
                    .url(URI.create("http://opa:8181"))
                    .entrypoint("../admin")
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
