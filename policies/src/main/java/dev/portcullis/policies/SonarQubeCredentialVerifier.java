package dev.portcullis.policies;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.portcullis.credential.CachingCredentialVerifier;
import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.credential.CredentialVerificationException;
import dev.portcullis.internal.LimitedBodySubscriber;
import dev.portcullis.internal.WarnOnce;
import dev.portcullis.spi.CredentialVerifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A credential verifier that asks SonarQube's {@code GET /api/authentication/validate} whether a
 * token or a user name and password are genuine, one HTTP call per verification; wrap it in a
 * {@link CachingCredentialVerifier} so that a scanner's hundreds of requests cost one call.
 *
 * <p>The credential is always sent as HTTP Basic, whatever scheme the client used: a token as
 * {@code token:} (SonarQube 9.9 rejects Bearer; 10.x and later accept both) and a password
 * credential as {@code user:password}. {@code 200 {"valid":true}} is {@link
 * CredentialValidity#VALID}; {@code 200 {"valid":false}} and {@code 401} (what SonarQube answers a
 * bad credential when "force user authentication" is on) are {@link CredentialValidity#INVALID}.
 * Credentials SonarQube cannot authenticate (another scheme, a token containing {@code :}) are
 * {@code INVALID} without a call.
 *
 * <p>Fails closed: an unreachable SonarQube, a redirect (never followed, so a credential never
 * reaches another host), any other status and a malformed body complete the stage with a {@link
 * CredentialVerificationException}, and running out of {@link Builder#requestTimeout time} with a
 * {@link TimeoutException}; the enforcer denies both with 503. Each kind of failure is logged once
 * at WARN, then at DEBUG; the credential and the {@code Authorization} header are never logged.
 *
 * <p>Thread-safe and never blocks. The stage completes on a thread of the {@link HttpClient}'s
 * executor, on the JDK's shared {@code CompletableFuture} pool for timeouts, or on the calling
 * thread when no call is needed.
 */
public final class SonarQubeCredentialVerifier implements CredentialVerifier {

  private static final Logger LOG = LoggerFactory.getLogger(SonarQubeCredentialVerifier.class);

  /**
   * The verifier name in the {@link CredentialVerification} ({@code credential.verifier} in the
   * input).
   */
  public static final String NAME = "sonarqube";

  static final String VALIDATE_PATH = "api/authentication/validate";

  /** SonarQube answers {@code {"valid":true}}; anything near this size is not that answer. */
  static final int MAX_BODY_BYTES = 8 * 1024;

  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final CredentialVerification VALID =
      new CredentialVerification(CredentialValidity.VALID, NAME);
  private static final CredentialVerification INVALID =
      new CredentialVerification(CredentialValidity.INVALID, NAME);

  private final URI validateUri;
  private final HttpClient client;
  private final Duration requestTimeout;
  private final WarnOnce failureLog = new WarnOnce(LOG);

  private SonarQubeCredentialVerifier(URI validateUri, HttpClient client, Duration requestTimeout) {
    this.validateUri = validateUri;
    this.client = client;
    this.requestTimeout = requestTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletionStage<CredentialVerification> verify(Credential credential) {
    Objects.requireNonNull(credential, "credential");
    if (!credential.present()) {
      return CompletableFuture.completedFuture(CredentialVerification.UNVERIFIED);
    }
    if (!authenticatable(credential)) {
      return CompletableFuture.completedFuture(INVALID);
    }
    // Plain HTTP/1.1: the JDK's default HTTP/2 would send "Upgrade: h2c" to a cleartext SonarQube,
    // a
    // protocol switch that proxies and SonarQube's Tomcat need not handle the same way.
    HttpRequest request =
        HttpRequest.newBuilder(validateUri)
            .version(HttpClient.Version.HTTP_1_1)
            .GET()
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .header("Authorization", basicAuthorization(credential))
            .build();
    CompletableFuture<CredentialVerification> result = new CompletableFuture<>();
    CompletableFuture<HttpResponse<byte[]>> exchange;
    try {
      exchange = client.sendAsync(request, SonarQubeCredentialVerifier::bodyHandler);
    } catch (RuntimeException e) {
      fail(
          result,
          new CredentialVerificationException(
              CredentialVerificationException.UNREACHABLE,
              -1,
              "Could not ask SonarQube at " + validateUri + ".",
              e));
      return result;
    }
    exchange.whenComplete(
        (response, failure) -> {
          if (failure != null) {
            fail(result, exchangeFailure(failure));
            return;
          }
          try {
            result.complete(interpret(response));
          } catch (CredentialVerificationException e) {
            fail(result, e);
          } catch (RuntimeException e) {
            fail(result, malformed(e.getClass().getSimpleName()));
          }
        });
    // HttpRequest.timeout only bounds the wait for the response headers; this also bounds the body.
    CompletableFuture.delayedExecutor(requestTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .execute(
            () -> {
              if (!result.isDone() && fail(result, timeout(null))) {
                exchange.cancel(true);
              }
            });
    return result;
  }

  /**
   * Whether SonarQube could authenticate this credential at all. A token with a {@code :} would be
   * read as {@code user:password} once sent as Basic, so it is refused rather than verified as
   * something else.
   */
  private static boolean authenticatable(Credential credential) {
    if (credential.scheme() != CredentialScheme.BEARER
        && credential.scheme() != CredentialScheme.BASIC) {
      return false;
    }
    if (credential.secret().isEmpty()) {
      // Never ask anonymously: validate answers true to an anonymous call when authentication is
      // optional.
      return false;
    }
    if (credential.kind().equals(CredentialKind.PASSWORD)) {
      return !credential.user().isEmpty() && credential.user().indexOf(':') < 0;
    }
    return credential.secret().indexOf(':') < 0;
  }

  private static String basicAuthorization(Credential credential) {
    String userPass =
        credential.kind().equals(CredentialKind.PASSWORD)
            ? credential.user() + ":" + credential.secret()
            : credential.secret() + ":";
    return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse.BodySubscriber<byte[]> bodyHandler(HttpResponse.ResponseInfo info) {
    return info.statusCode() == 200
        ? new LimitedBodySubscriber(
            MAX_BODY_BYTES,
            () ->
                new CredentialVerificationException(
                    CredentialVerificationException.MALFORMED_RESPONSE,
                    200,
                    "SonarQube answered 200 with a body longer than " + MAX_BODY_BYTES + " bytes.",
                    null))
        : HttpResponse.BodySubscribers.replacing(new byte[0]);
  }

  private CredentialVerification interpret(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    if (status == 401) {
      return INVALID;
    }
    if (status >= 300 && status < 400) {
      throw new CredentialVerificationException(
          CredentialVerificationException.REDIRECT,
          status,
          "SonarQube at "
              + validateUri
              + " answered "
              + status
              + " with a redirect, which is not followed;"
              + " check the base URI (scheme, host, context path).",
          null);
    }
    if (status != 200) {
      throw new CredentialVerificationException(
          CredentialVerificationException.UNEXPECTED_STATUS,
          status,
          "SonarQube at " + validateUri + " answered " + status + ".",
          null);
    }
    return parseValid(response.body()) ? VALID : INVALID;
  }

  /** Reads {@code {"valid": true|false}}, ignoring other members; anything else is malformed. */
  private boolean parseValid(byte[] body) {
    Boolean valid = null;
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw malformed("not an object");
      }
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("valid".equals(name)) {
          if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
            throw malformed("\"valid\" is not a boolean");
          }
          valid = value == JsonToken.VALUE_TRUE;
        } else {
          parser.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw malformed("not a single object");
      }
      if (valid == null) {
        throw malformed("no \"valid\" member");
      }
    } catch (JsonProcessingException e) {
      // Its message may quote the body; only the position is kept.
      JsonLocation at = e.getLocation();
      throw malformed(
          "not JSON"
              + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr()));
    } catch (IOException e) {
      throw malformed(e.getClass().getSimpleName());
    }
    return valid;
  }

  /** A malformed answer; never carries the parser's exception, whose message may quote the body. */
  private CredentialVerificationException malformed(String detail) {
    return new CredentialVerificationException(
        CredentialVerificationException.MALFORMED_RESPONSE,
        200,
        "SonarQube at "
            + validateUri
            + " answered 200 without a {\"valid\": true|false} object ("
            + detail
            + ").",
        null);
  }

  private Exception exchangeFailure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CredentialVerificationException) {
        return (CredentialVerificationException) cause;
      }
      if (cause instanceof HttpTimeoutException) {
        return timeout(cause);
      }
    }
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return new CredentialVerificationException(
        CredentialVerificationException.UNREACHABLE,
        -1,
        "Could not reach SonarQube at "
            + validateUri
            + ": "
            + cause.getClass().getSimpleName()
            + ".",
        cause);
  }

  private TimeoutException timeout(Throwable cause) {
    TimeoutException timeout =
        new TimeoutException(
            "SonarQube at " + validateUri + " did not answer within " + requestTimeout + ".");
    timeout.initCause(cause);
    return timeout;
  }

  /** Completes {@code result} with {@code failure} and logs it, unless it is already complete. */
  private boolean fail(CompletableFuture<CredentialVerification> result, Exception failure) {
    if (result.isDone() || !result.completeExceptionally(failure)) {
      return false;
    }
    String kind =
        failure instanceof CredentialVerificationException
            ? ((CredentialVerificationException) failure).kind()
            : "timeout";
    Throwable cause = failure.getCause();
    // JDK HttpClient exception messages name hosts and protocol states, never request headers.
    String causeText = cause == null ? "none" : cause.toString().lines().findFirst().orElse("");
    failureLog.log(
        kind,
        "further failures of this kind",
        "credential verification failed verifier={} kind={} uri={} message=\"{}\" cause={}",
        NAME,
        kind,
        validateUri,
        failure.getMessage(),
        causeText);
    return true;
  }

  /** The endpoint this verifier asks. */
  public URI validateUri() {
    return validateUri;
  }

  @Override
  public String toString() {
    return "SonarQubeCredentialVerifier[uri="
        + validateUri
        + ", requestTimeout="
        + requestTimeout
        + "]";
  }

  /** Builds a {@link SonarQubeCredentialVerifier}; validated in {@link #build()}. */
  public static final class Builder {
    private URI baseUri;
    private HttpClient httpClient;
    private Duration requestTimeout = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * SonarQube's root URI as Portcullis reaches it, including the web context ({@code
     * sonar.web.context}) if any, such as {@code http://sonarqube:9000/sonarqube}. Required; {@code
     * http} or {@code https}, without user info, query or fragment.
     */
    public Builder baseUri(URI baseUri) {
      this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
      return this;
    }

    /**
     * The client that calls SonarQube. It must not follow redirects, so a credential never reaches
     * a host other than SonarQube. Its executor is where verifications complete. Default: a new
     * client with a 5 s connect timeout that follows no redirects.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /**
     * How long one verification may take, connection included, before its stage completes with a
     * {@link TimeoutException}; default 5 s. Keep it below the enforcer's verification timeout (10
     * s) so that a slow SonarQube is reported by the verifier, which also aborts the call.
     */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
      return this;
    }

    public SonarQubeCredentialVerifier build() {
      if (baseUri == null) {
        throw new IllegalStateException(
            "baseUri is required: SonarQube's root URI, such as http://sonarqube:9000");
      }
      String scheme =
          baseUri.getScheme() == null ? "" : baseUri.getScheme().toLowerCase(Locale.ROOT);
      if (!baseUri.isAbsolute()
          || !(scheme.equals("http") || scheme.equals("https"))
          || baseUri.getHost() == null) {
        throw new IllegalArgumentException(
            "baseUri must be an absolute http or https URI with a host, not " + baseUri);
      }
      if (baseUri.getRawUserInfo() != null
          || baseUri.getRawQuery() != null
          || baseUri.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "baseUri must have no user info, query or fragment: SonarQube's root URI, such as https://sonarqube.example/sonarqube");
      }
      if (requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException(
            "requestTimeout must be positive, not " + requestTimeout);
      }
      HttpClient client =
          httpClient != null
              ? httpClient
              : HttpClient.newBuilder()
                  .version(HttpClient.Version.HTTP_1_1)
                  .connectTimeout(Duration.ofSeconds(5))
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .build();
      if (client.followRedirects() != HttpClient.Redirect.NEVER) {
        throw new IllegalArgumentException(
            "httpClient follows redirects ("
                + client.followRedirects()
                + "); use followRedirects(Redirect.NEVER)"
                + " so that a credential is never sent to a redirect target");
      }
      String path = baseUri.getRawPath() == null ? "" : baseUri.getRawPath();
      String root = baseUri.toString().substring(0, baseUri.toString().length() - path.length());
      URI validateUri = URI.create(root + path.replaceAll("/+$", "") + "/" + VALIDATE_PATH);
      return new SonarQubeCredentialVerifier(validateUri, client, requestTimeout);
    }
  }
}
