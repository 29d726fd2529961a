package dev.portcullis.opa.remote;

import dev.portcullis.CanonicalTarget;
import dev.portcullis.Decision;
import dev.portcullis.PolicyEvaluationException;
import dev.portcullis.PolicyInput;
import dev.portcullis.internal.DecisionDocument;
import dev.portcullis.internal.LimitedBodySubscriber;
import dev.portcullis.internal.PolicyInputJson;
import dev.portcullis.internal.WarnOnce;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an OPA server for each decision over its Data API: {@code POST <url>/v1/data/<entrypoint>}
 * with {@code {"input": <the policy input>}}, the same input document the wasm engine evaluates,
 * and reads the decision under {@code result} as strictly as the wasm engine does.
 *
 * <p>Fails closed: every failure is a deny. A missing {@code result} (the policy is undefined for
 * the input) is {@code policy_result_undefined} and a result that is no well-formed decision {@code
 * policy_result_malformed} (500), as with the wasm engine. Failures of the exchange fail the
 * evaluation with their own reason, which the enforcer logs (once at WARN per reason): {@code
 * engine_unavailable} (503: connection refused or broken, connect timeout), {@code engine_timeout}
 * (503: no whole answer within the request timeout), {@code engine_bad_status} (503: an HTTP status
 * other than 200, such as OPA's 500 for an evaluation error or 401 for a wrong token) and {@code
 * engine_response_malformed} (500: a body that is not a JSON object) and {@code
 * engine_response_too_large} (500: a body longer than {@link Builder#maxResponseBytes}, which is
 * not read further). Messages name the URL, the status and OPA's error code, never the input or the
 * token.
 *
 * <p>Never blocks the caller of {@link #evaluateAsync}: the exchange runs on the JDK HTTP client,
 * whose connections are kept and reused, and its answer is handled on the engine's own threads.
 * Thread-safe; close it to release the client's threads.
 */
public final class RemoteOpaPolicyEngine implements PolicyEngine {

  private static final Logger LOG = LoggerFactory.getLogger(RemoteOpaPolicyEngine.class);

  /** The default of {@link Builder#maxResponseBytes}: 1 MiB. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

  private static final Pattern ERROR_CODE = Pattern.compile("\"code\"\\s*:\\s*\"([a-z_]{1,64})\"");

  private final URI decisionUri;
  private final String entrypoint;
  private final String authorization;
  private final Duration requestTimeout;
  private final int maxResponseBytes;
  private final String warmUpInput;
  private final ExecutorService executor;
  private final HttpClient client;
  private final String description;
  private final WarnOnce resultLog = new WarnOnce(LOG);
  private final AtomicReference<CompletableFuture<Boolean>> warmUp = new AtomicReference<>();
  private volatile boolean answering;
  private volatile boolean closed;

  private RemoteOpaPolicyEngine(Builder builder, URI decisionUri) {
    this.decisionUri = decisionUri;
    this.entrypoint = builder.entrypoint;
    this.authorization = builder.bearerToken == null ? null : "Bearer " + builder.bearerToken;
    this.requestTimeout = builder.requestTimeout;
    this.maxResponseBytes = builder.maxResponseBytes;
    this.warmUpInput = PolicyInputJson.write(builder.warmUpInput);
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread =
                  new Thread(runnable, "portcullis-opa-remote-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(builder.connectTimeout)
            // OPA's server speaks HTTP/1.1 in plain text; over TLS, ALPN may settle on HTTP/2.
            .version(
                "https".equals(decisionUri.getScheme())
                    ? HttpClient.Version.HTTP_2
                    : HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
    this.description =
        "opa-remote url="
            + builder.url
            + " entrypoint="
            + entrypoint
            + (authorization == null ? "" : " auth=bearer");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Waits for {@link #evaluateAsync}; for callers that may block. */
  @Override
  public Decision evaluate(PolicyInput input) {
    try {
      return evaluateAsync(input).toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw e;
    }
  }

  @Override
  public CompletionStage<Decision> evaluateAsync(PolicyInput input) {
    return ask(PolicyInputJson.write(Objects.requireNonNull(input, "input")));
  }

  private CompletableFuture<Decision> ask(String inputJson) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new PolicyEvaluationException(503, "engine_closed", "the policy engine is closed"));
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(decisionUri)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"input\":" + inputJson + "}", StandardCharsets.UTF_8));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    CompletableFuture<HttpResponse<byte[]>> exchange;
    try {
      exchange = client.sendAsync(request.build(), this::limitedBody);
    } catch (RuntimeException e) {
      exchange = CompletableFuture.failedFuture(e);
    }
    // The request timeout ends at the response's head; this bounds the body too.
    CompletableFuture<HttpResponse<byte[]>> exchanged = exchange;
    CompletableFuture<HttpResponse<byte[]>> bounded =
        exchange.copy().orTimeout(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    return bounded.handleAsync(
        (response, failure) -> {
          if (failure != null) {
            exchanged.cancel(true);
            answering = false;
            throw failed(failure);
          }
          Decision decision = read(response);
          answering = !decision.primaryReason().startsWith("policy_result_");
          return decision;
        },
        executor);
  }

  /** The body, up to {@link Builder#maxResponseBytes}: a decision is a small JSON document. */
  private HttpResponse.BodySubscriber<byte[]> limitedBody(HttpResponse.ResponseInfo info) {
    return new LimitedBodySubscriber(
        maxResponseBytes,
        () ->
            new PolicyEvaluationException(
                500,
                "engine_response_too_large",
                "OPA at "
                    + decisionUri
                    + " answered HTTP "
                    + info.statusCode()
                    + " with a body longer than "
                    + maxResponseBytes
                    + " bytes"));
  }

  private Decision read(HttpResponse<byte[]> response) {
    String body = new String(response.body(), StandardCharsets.UTF_8);
    if (response.statusCode() != 200) {
      answering = false;
      throw new PolicyEvaluationException(
          503,
          "engine_bad_status",
          "OPA at "
              + decisionUri
              + " answered HTTP "
              + response.statusCode()
              + errorCode(body)
              + " instead of 200");
    }
    Decision decision = DecisionDocument.parseDataResponse(body);
    if (decision == null) {
      answering = false;
      throw new PolicyEvaluationException(
          500,
          "engine_response_malformed",
          "OPA at " + decisionUri + " answered with a body that is not a JSON object");
    }
    if (!decision.allow() && decision.primaryReason().startsWith("policy_result_")) {
      resultLog.log(
          decision.primaryReason(),
          "further refusals",
          "policy result refused reason={} engine={}: the policy must always "
              + "define a decision object with a boolean 'allow' at this path",
          decision.primaryReason(),
          description);
    }
    return decision;
  }

  /** OPA's error code ({@code {"code": "internal_error", ...}}) for the log, never its message. */
  private static String errorCode(String body) {
    if (body == null) {
      return "";
    }
    Matcher code = ERROR_CODE.matcher(body);
    return code.find() ? " code=" + code.group(1) : "";
  }

  private PolicyEvaluationException failed(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof PolicyEvaluationException) {
      return (PolicyEvaluationException) cause;
    }
    if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException) {
      return new PolicyEvaluationException(
          503, "engine_unavailable", "OPA at " + decisionUri + " cannot be reached", cause);
    }
    if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
      return new PolicyEvaluationException(
          503,
          "engine_timeout",
          "OPA at " + decisionUri + " did not answer within " + requestTimeout,
          cause);
    }
    if (cause instanceof CancellationException && closed) {
      return new PolicyEvaluationException(
          503, "engine_closed", "the policy engine is closed", cause);
    }
    if (cause instanceof IOException) {
      return new PolicyEvaluationException(
          503, "engine_unavailable", "the exchange with OPA at " + decisionUri + " failed", cause);
    }
    return new PolicyEvaluationException(
        500, "engine_error", "asking OPA at " + decisionUri + " failed", cause);
  }

  /**
   * Asks OPA for the decision on the warm-up input (a typical scanner request unless the builder
   * says otherwise), unless such a question is already under way; completes with whether a
   * well-formed decision came back, which is also what {@link #answering} says from then on. Never
   * blocks; logs the outcome.
   */
  public CompletionStage<Boolean> warmUp() {
    CompletableFuture<Boolean> running = warmUp.get();
    if (running != null) {
      return running;
    }
    CompletableFuture<Boolean> started = new CompletableFuture<>();
    if (!warmUp.compareAndSet(null, started)) {
      return warmUp.get();
    }
    ask(warmUpInput)
        .whenComplete(
            (decision, failure) -> {
              boolean ok = failure == null && answering;
              if (ok) {
                LOG.info(
                    "remote policy engine answering engine={} warm_up_allow={} warm_up_reasons={}",
                    description,
                    decision.allow(),
                    decision.reasons());
              } else {
                LOG.warn(
                    "remote policy engine not answering engine={} reason={}",
                    description,
                    failure == null ? decision.primaryReason() : reasonOf(failure));
              }
              warmUp.set(null);
              started.complete(ok);
            });
    return started;
  }

  private static String reasonOf(Throwable failure) {
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    return cause instanceof PolicyEvaluationException
        ? ((PolicyEvaluationException) cause).reason() + " (" + cause.getMessage() + ")"
        : String.valueOf(cause);
  }

  /**
   * Whether the last exchange with OPA, a decision or a {@linkplain #warmUp warm-up}, returned a
   * well-formed decision; false before the first one. For readiness checks.
   */
  public boolean answering() {
    return answering && !closed;
  }

  @Override
  public String describe() {
    return description;
  }

  /** The OPA server decides with its own policy and data, which this engine cannot see: "". */
  @Override
  public String revision() {
    return "";
  }

  /** The URL decisions are asked at, such as {@code http://127.0.0.1:8181/v1/data/a/b}. */
  public URI decisionUri() {
    return decisionUri;
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
  }

  /**
   * Builds a {@link RemoteOpaPolicyEngine}; validated in {@link #build()}, which never connects.
   */
  public static final class Builder {
    private URI url;
    private String entrypoint;
    private String bearerToken;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(2);
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private PolicyInput warmUpInput = defaultWarmUpInput();

    private Builder() {}

    /**
     * The OPA server's base URL, such as {@code http://opa.internal:8181} or {@code
     * https://opa.internal:8181} (also with a path prefix in front of {@code /v1}, for a server
     * behind a proxy). Required.
     */
    public Builder url(URI url) {
      this.url = Objects.requireNonNull(url, "url");
      return this;
    }

    /**
     * The decision's path in OPA's data, such as {@code portcullis/sonarqube/decision}. Required.
     */
    public Builder entrypoint(String entrypoint) {
      this.entrypoint = Objects.requireNonNull(entrypoint, "entrypoint");
      return this;
    }

    /**
     * A token for OPA's own authentication ({@code --authentication=token}), sent as {@code
     * Authorization: Bearer}; never logged. Default: none.
     */
    public Builder bearerToken(String token) {
      this.bearerToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /** How long connecting to OPA may take before the decision is denied; default 2 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * How long OPA may take to answer a decision, once connected, before it is denied with 503
     * {@code engine_timeout}; default 2 s.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The longest answer read from OPA, in bytes; a longer one is cut off and the decision denied
     * with 500 {@code engine_response_too_large}. Default 1 MiB, far more than a decision document
     * needs.
     */
    public Builder maxResponseBytes(int bytes) {
      this.maxResponseBytes = bytes;
      return this;
    }

    /** The input {@link RemoteOpaPolicyEngine#warmUp} asks about. */
    public Builder warmUpInput(PolicyInput input) {
      this.warmUpInput = Objects.requireNonNull(input, "input");
      return this;
    }

    /**
     * The engine, not yet connected.
     *
     * @throws IllegalArgumentException for a URL that is not http(s), carries user info, a query or
     *     a fragment, an entrypoint that is no path, or a timeout or response limit that is not
     *     positive
     */
    public RemoteOpaPolicyEngine build() {
      if (url == null || entrypoint == null) {
        throw new IllegalArgumentException("url and entrypoint are required");
      }
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          || url.getHost() == null
          || url.getRawUserInfo() != null
          || url.getRawQuery() != null
          || url.getRawFragment() != null) {
        // The URL is not quoted: user info in it could be a password.
        throw new IllegalArgumentException(
            "the OPA URL must be http:// or https://HOST[:PORT][/PREFIX], without user, query or fragment"
                + " (give a token with bearerToken)");
      }
      if (!entrypoint.matches("[A-Za-z0-9_][A-Za-z0-9_-]*(/[A-Za-z0-9_][A-Za-z0-9_-]*)*")) {
        throw new IllegalArgumentException(
            "the entrypoint must be a path such as portcullis/sonarqube/decision, not '"
                + entrypoint
                + "'");
      }
      if (bearerToken != null
          && (bearerToken.isEmpty() || !bearerToken.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
        throw new IllegalArgumentException("the bearer token must be printable ASCII, no spaces");
      }
      for (Duration timeout : List.of(connectTimeout, requestTimeout)) {
        if (timeout.isNegative() || timeout.isZero()) {
          throw new IllegalArgumentException("the OPA timeouts must be positive");
        }
      }
      if (maxResponseBytes <= 0) {
        throw new IllegalArgumentException(
            "the OPA response limit must be positive: " + maxResponseBytes);
      }
      String base = url.toString().replaceAll("/+$", "");
      return new RemoteOpaPolicyEngine(this, URI.create(base + "/v1/data/" + entrypoint));
    }

    private static PolicyInput defaultWarmUpInput() {
      return new PolicyInput(
          PolicyInput.Request.of(
              "GET",
              CanonicalTarget.parse("/api/server/version"),
              Map.of(),
              List.of("host"),
              PolicyInput.NO_CONTENT_LENGTH),
          new PolicyInput.Client("127.0.0.1"),
          PolicyInput.CredentialSummary.NONE);
    }
  }
}
