package dev.portcullis;

import dev.portcullis.client.ClientAddressResolver;
import dev.portcullis.client.IpAddress;
import dev.portcullis.client.TrustedProxies;
import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.internal.EnforcerMetrics;
import dev.portcullis.internal.MicrometerEnforcerMetrics;
import dev.portcullis.internal.RequestFraming;
import dev.portcullis.internal.WarnOnce;
import dev.portcullis.spi.CredentialClassifier;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.spi.RequestAccessor;
import dev.portcullis.throttle.CredentialFailureThrottle;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides about requests: reads a request once through its stack's {@link RequestAccessor}, rejects
 * malformed or ambiguous ones with a 400, builds the {@link PolicyInput}, verifies the credential,
 * asks the {@link PolicyEngine} and returns the {@link Decision}.
 *
 * <p>Fails closed: {@link #decide} never throws for a bad request, a failing verifier or a failing
 * engine; each becomes a deny with its own reason code and, for failures of Portcullis or its
 * engine, a log line that says why. Only a decision whose {@code allow} is {@code true} lets a
 * request through.
 *
 * <p>Thread-safe and immutable once built; share one instance.
 */
public final class PolicyEnforcer {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyEnforcer.class);

  /** The headers whose values the policy sees by default. Credentials are never among them. */
  public static final Set<String> DEFAULT_SELECTED_HEADERS =
      Set.of(
          "accept",
          "accept-encoding",
          "content-encoding",
          "content-type",
          "expect",
          "transfer-encoding",
          "user-agent");

  /** The most header fields a request may have unless {@link Builder#maxHeaders} says otherwise. */
  public static final int DEFAULT_MAX_HEADER_COUNT = 100;

  /** The most header bytes a request may have unless {@link Builder#maxHeaders} says otherwise. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;

  /** Headers whose values never enter the policy input, whatever the configuration says. */
  static final Set<String> SECRET_HEADERS =
      Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");

  private final PolicyEngine engine;
  private final CredentialVerifier verifier;
  private final CredentialClassifier classifier;
  private final String realm;
  private final Set<String> selectedHeaders;
  private final int maxTargetLength;
  private final List<DecisionListener> listeners;
  private final Duration verificationTimeout;
  private final ClientAddressResolver clientAddressResolver;
  private final CredentialFailureThrottle throttle;
  private final RequestFraming framing;
  private final List<DecisionRecorder> recorders;
  private final EnforcerMetrics metrics;
  private final boolean reportOnly;
  private final WarnOnce failureLog = new WarnOnce(LOG);

  private PolicyEnforcer(Builder builder) {
    this.engine = builder.engine;
    this.verifier = builder.verifier;
    this.classifier = builder.classifier;
    this.realm = builder.realm;
    this.selectedHeaders = Set.copyOf(builder.selectedHeaders);
    this.maxTargetLength = builder.maxTargetLength;
    this.listeners = List.copyOf(builder.listeners);
    this.verificationTimeout = builder.verificationTimeout;
    this.clientAddressResolver = ClientAddressResolver.trusting(builder.trustedProxies);
    this.throttle = builder.throttle;
    this.framing =
        new RequestFraming(builder.maxHeaderCount, builder.maxHeaderBytes, selectedHeaders);
    this.recorders = List.copyOf(builder.recorders);
    this.metrics = builder.metrics;
    this.reportOnly = builder.reportOnly;
    if (reportOnly) {
      LOG.warn(
          "REPORT-ONLY MODE: requests the policy denies are forwarded anyway and only logged; "
              + "nothing but framing, throttling and failures is enforced engine={}",
          engine.describe());
    }
  }

  public static Builder builder(PolicyEngine engine) {
    return new Builder(engine);
  }

  /**
   * The decision for one request, waiting for credential verification if the verifier is
   * asynchronous. An allowed decision carries the canonical target to forward. Never throws for a
   * bad request, a failing verifier or a failing engine. Do not call it on an event loop; use
   * {@link #decideAsync}.
   *
   * @param request the stack's request
   * @param accessor reads {@code request}
   */
  public <R> Decision decide(R request, RequestAccessor<R> accessor) {
    return decideAsync(request, accessor).toCompletableFuture().join();
  }

  /**
   * The decision for one request, completed once the credential is verified. The request is read
   * through {@code accessor} before this method returns, so the adapter may recycle it afterwards;
   * the policy is asked through {@link PolicyEngine#evaluateAsync} on the thread that completes the
   * verification (the calling thread when the verifier answers at once), and the rest of the
   * decision runs on the thread that completes the evaluation (the same one for an engine that
   * computes in place, such as the wasm engine). The stage never completes exceptionally.
   *
   * <p>A credential is verified only when the decision depends on it. Unless the verifier already
   * remembers it as valid, the policy is first asked whether the request would be allowed if the
   * credential were valid ({@code "valid": "valid", "verifier": "assumed"}); a deny then is final,
   * so a credential that could never pass (a kind the policy refuses, a denied endpoint) is neither
   * verified nor throttled, and a right and a wrong password get the same answer. Policies must
   * therefore allow nothing for an invalid or unverified credential that they would deny for a
   * valid one.
   */
  public <R> CompletionStage<Decision> decideAsync(R request, RequestAccessor<R> accessor) {
    Pending pending = new Pending(System.nanoTime());
    InspectedRequest inspected;
    try {
      pending.method = accessor.method(request);
      inspected = inspect(request, accessor, pending.method);
    } catch (RequestRejectedException rejected) {
      return CompletableFuture.completedFuture(finish(pending, null, rejected.toDecision()));
    } catch (RuntimeException | StackOverflowError unexpected) {
      return CompletableFuture.completedFuture(finish(pending, null, internalError(unexpected)));
    }
    CompletionStage<Decision> decided;
    try {
      decided = decideInspected(pending, inspected);
    } catch (RuntimeException | StackOverflowError unexpected) {
      decided = CompletableFuture.failedFuture(unexpected);
    }
    return decided.exceptionally(
        unexpected ->
            finish(
                pending,
                null,
                internalError(
                    unexpected instanceof CompletionException && unexpected.getCause() != null
                        ? unexpected.getCause()
                        : unexpected)));
  }

  private CompletionStage<Decision> decideInspected(Pending pending, InspectedRequest inspected) {
    Credential credential = inspected.credential();
    if (!credential.present()) {
      return decideVerified(pending, inspected, CredentialVerification.UNVERIFIED);
    }
    CredentialVerification remembered = remembered(credential);
    if (remembered != null && remembered.validity() == CredentialValidity.VALID) {
      metrics.verified("valid", true);
      return decideVerified(pending, inspected, remembered);
    }
    PolicyInput assumed = inspected.toInput(ASSUMED_VALID);
    return evaluate(pending, assumed)
        .thenCompose(
            ifValid -> {
              // In report-only mode a policy deny is not final: the request may be forwarded, so
              // its credential is verified and the real decision logged.
              if (!ifValid.allow() && !(reportOnly && reportable(ifValid))) {
                return CompletableFuture.completedFuture(finish(pending, assumed, ifValid));
              }
              if (verifier.verifying(credential)) {
                // Another request's verification of this very credential holds a reservation:
                // share its answer rather than take another of the client's places for it, so
                // parallel requests with a token whose cached answer just expired are not refused.
                return verifyAndDecide(pending, inspected, false);
              }
              return reserveFailure(inspected)
                  .thenCompose(
                      throttled -> {
                        if (throttled == null) {
                          return verifyAndDecide(pending, inspected, true);
                        }
                        metrics.throttled();
                        return CompletableFuture.completedFuture(
                            finish(
                                pending,
                                inspected.toInput(CredentialVerification.UNVERIFIED),
                                throttled));
                      });
            });
  }

  /** Verifies, then decides; {@code reserved}: whether this request holds a failure reservation. */
  private CompletionStage<Decision> verifyAndDecide(
      Pending pending, InspectedRequest inspected, boolean reserved) {
    return verify(inspected.credential())
        .handle(
            (verification, failure) -> {
              try {
                if (reserved
                    && (failure != null
                        || verification == null
                        || verification.validity() != CredentialValidity.INVALID)) {
                  throttle.release(inspected.client()); // not a failure: give the reservation back
                }
                if (failure != null || verification == null) {
                  Decision failed = verificationFailure(failure);
                  metrics.verified(
                      "credential_verification_timeout".equals(failed.primaryReason())
                          ? "timeout"
                          : "error",
                      false);
                  return CompletableFuture.completedFuture(finish(pending, null, failed));
                }
                metrics.verified(verification.validity().name().toLowerCase(Locale.ROOT), false);
                return decideVerified(pending, inspected, verification);
              } catch (RuntimeException | StackOverflowError unexpected) {
                return CompletableFuture.completedFuture(
                    finish(pending, null, internalError(unexpected)));
              }
            })
        .thenCompose(decided -> decided);
  }

  /**
   * A deny the policy made, which report-only mode forwards: not a failure of the engine or of the
   * policy's result (5xx), which is enforced in every mode, like framing refusals and throttling.
   */
  private static boolean reportable(Decision deny) {
    return deny.status() < 500;
  }

  /** What one decision has measured so far; used by one thread at a time. */
  private static final class Pending {
    final long startedNanos;
    String method = "";
    long evaluationNanos;

    Pending(long startedNanos) {
      this.startedNanos = startedNanos;
    }
  }

  /**
   * The credential summary of the first question: would the request be allowed if the credential
   * were valid?
   */
  private static final CredentialVerification ASSUMED_VALID =
      new CredentialVerification(CredentialValidity.VALID, "assumed");

  private CompletionStage<Decision> decideVerified(
      Pending pending, InspectedRequest inspected, CredentialVerification verification) {
    PolicyInput input = inspected.toInput(verification);
    return evaluate(pending, input)
        .thenApply(decision -> decideVerified(pending, inspected, input, decision));
  }

  private Decision decideVerified(
      Pending pending, InspectedRequest inspected, PolicyInput input, Decision decision) {
    if (decision.allow() && decision.bodyLimitExceededBy(input.request().contentLength())) {
      // The declared length is already over the allow's limit: refuse before any byte is forwarded.
      return finish(pending, input, Decision.bodyTooLarge());
    }
    if (!decision.allow() && reportOnly && reportable(decision)) {
      Decision forwarded =
          Decision.allow(decision.reasons(), "Denied by the policy, forwarded in report-only mode.")
              .forTarget(inspected.target().forwardTarget())
              .forClient(inspected.client().text());
      return finish(pending, input, decision, forwarded);
    }
    Decision targeted =
        decision.forTarget(inspected.target().forwardTarget()).forClient(inspected.client().text());
    return finish(pending, input, targeted);
  }

  /** What the verifier remembers about the credential without asking anyone; null when nothing. */
  private CredentialVerification remembered(Credential credential) {
    return verifier.remembered(credential).orElse(null);
  }

  /**
   * A 429 when the client has presented too many failed credentials, checked before verification so
   * a brute-force attempt costs no verification call; a null result when the request may go on,
   * with one failure reserved that {@link #decideAsync} gives back unless the credential is
   * invalid. Only requests that are about to be verified get here: a credential the verifier
   * remembers as valid is never throttled, so one attacker behind a shared address cannot lock out
   * the pipelines there.
   */
  private CompletionStage<Decision> reserveFailure(InspectedRequest inspected) {
    CompletionStage<Duration> reservation;
    try {
      reservation = throttle.reserveAsync(inspected.client());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return reservation.thenApply(
        wait ->
            wait.isZero() || wait.isNegative()
                ? null
                : Decision.deny(
                        429,
                        "too_many_failed_credentials",
                        "Too many failed credentials from this client; try again later.")
                    .withRetryAfter(wait));
  }

  private Decision finish(Pending pending, PolicyInput input, Decision decided) {
    return finish(pending, input, decided, decided);
  }

  /**
   * Records and returns {@code applied}, the decision the adapter acts on; {@code judged} differs
   * from it only for a deny forwarded in report-only mode.
   */
  private Decision finish(Pending pending, PolicyInput input, Decision judged, Decision applied) {
    String method = pending.method;
    Decision decision =
        realm != null && applied.status() == 401 ? applied.withRealm(realm) : applied;
    boolean enforced = judged == applied;
    Decision recorded = enforced ? decision : judged;
    long nanos = System.nanoTime() - pending.startedNanos;
    try {
      metrics.decided(recorded, enforced, nanos);
    } catch (RuntimeException e) {
      failureLog.log(
          "metrics", "further failures", "decision metrics failed cause={}", e.toString());
    }
    if (!recorders.isEmpty()) {
      record(
          new DecisionRecord(
              method,
              input,
              recorded,
              enforced,
              System.currentTimeMillis(),
              pending.evaluationNanos,
              nanos,
              engine.revision()));
    }
    notifyListeners(method, input, decision);
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "decision allow={} status={} reasons={} method={} path={}",
          decision.allow(),
          decision.status(),
          decision.reasons(),
          method,
          input == null ? "-" : input.request().path());
    }
    return decision;
  }

  private Decision internalError(Throwable unexpected) {
    // An accessor or Portcullis itself is broken: still a deny, never an escape.
    Decision deny = Decision.INTERNAL_ERROR;
    return failure(deny.status(), deny.primaryReason(), deny.message(), unexpected);
  }

  private Decision verificationFailure(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof TimeoutException) {
      return failure(
          503,
          "credential_verification_timeout",
          "The credential could not be verified in time.",
          cause,
          false);
    }
    return failure(
        503,
        "credential_verification_failed",
        "The credential could not be verified.",
        cause,
        false);
  }

  /** Reads and checks everything about the request that does not need the engine. */
  private <R> InspectedRequest inspect(R request, RequestAccessor<R> accessor, String method) {
    checkMethod(method);
    CanonicalTarget target = CanonicalTarget.parse(accessor.rawTarget(request), maxTargetLength);
    TreeSet<String> headerNames = new TreeSet<>();
    for (String name : accessor.headerNames(request)) {
      headerNames.add(name.toLowerCase(Locale.ROOT));
    }
    RequestFraming.Framing framed = framing.check(request, accessor, headerNames);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : selectedHeaders) {
      if (headerNames.contains(name)) {
        headers.put(name, String.join(", ", accessor.headerValues(request, name)));
      }
    }
    Credential credential =
        Credential.parse(accessor.headerValues(request, "authorization"), classifier);
    IpAddress client =
        clientAddressResolver.resolve(
            accessor.remoteAddress(request),
            presentValues(request, accessor, headerNames, "forwarded"),
            presentValues(request, accessor, headerNames, "x-forwarded-for"));
    PolicyInput.Request canonical =
        PolicyInput.Request.of(
            method,
            target,
            headers,
            new ArrayList<>(headerNames),
            framed.contentLength(),
            framed.body());
    return new InspectedRequest(target, canonical, client, credential);
  }

  /**
   * A header's values, looked up only when the request has it: most requests carry no forwarding
   * headers.
   */
  private static <R> List<String> presentValues(
      R request, RequestAccessor<R> accessor, Set<String> headerNames, String name) {
    return headerNames.contains(name) ? accessor.headerValues(request, name) : List.of();
  }

  private static void checkMethod(String method) {
    if (method == null || method.isEmpty() || method.length() > 32) {
      throw RequestRejectedException.badRequest(
          "invalid_method", "The request method is not a valid token.");
    }
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      boolean tokenChar =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!tokenChar) {
        throw RequestRejectedException.badRequest(
            "invalid_method", "The request method is not a valid token.");
      }
    }
  }

  private CompletionStage<CredentialVerification> verify(Credential credential) {
    if (!credential.present()) {
      return CompletableFuture.completedFuture(CredentialVerification.UNVERIFIED);
    }
    CompletionStage<CredentialVerification> stage;
    try {
      stage = verifier.verify(credential);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (stage == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the credential verifier returned no result"));
    }
    CompletableFuture<CredentialVerification> future = stage.toCompletableFuture();
    return future.isDone()
        ? future
        : future.copy().orTimeout(verificationTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * The engine's decision for {@code input}; never fails: an engine failure or a missing decision
   * is a deny. The time until the engine answers counts as evaluation time.
   */
  private CompletionStage<Decision> evaluate(Pending pending, PolicyInput input) {
    long started = System.nanoTime();
    CompletionStage<Decision> evaluation;
    try {
      evaluation = engine.evaluateAsync(input);
    } catch (RuntimeException | StackOverflowError e) {
      evaluation = CompletableFuture.failedFuture(e);
    }
    if (evaluation == null) {
      evaluation = CompletableFuture.completedFuture(null);
    }
    return evaluation.handle(
        (decision, failure) -> {
          pending.evaluationNanos += System.nanoTime() - started;
          return checked(decision, failure);
        });
  }

  private Decision checked(Decision decision, Throwable failure) {
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    if (cause instanceof PolicyEvaluationException) {
      PolicyEvaluationException e = (PolicyEvaluationException) cause;
      return failure(e.status(), e.reason(), "The policy could not be evaluated.", e);
    }
    if (cause != null) {
      return failure(500, "engine_error", "The policy could not be evaluated.", cause);
    }
    if (decision == null) {
      return failure(
          500, "engine_returned_nothing", "The policy engine returned no decision.", null);
    }
    return decision;
  }

  private Decision failure(int status, String reason, String message, Throwable cause) {
    return failure(status, reason, message, cause, true);
  }

  /**
   * A deny for a failure of Portcullis, its verifier or its engine, logged once at WARN per reason.
   * {@code logCauseMessage} is false for verifier failures, whose messages might quote a
   * credential.
   */
  private Decision failure(
      int status, String reason, String message, Throwable cause, boolean logCauseMessage) {
    String causeText =
        cause == null
            ? "none"
            : cause.getClass().getName()
                + (logCauseMessage ? ": " + cause.getMessage() + rootCauseOf(cause) : "");
    failureLog.log(
        reason,
        "further failures with this reason",
        "denying request: decision failed reason={} engine={} cause={}",
        reason,
        engine.describe(),
        causeText);
    return Decision.deny(status, reason, message);
  }

  /**
   * "; root cause: TYPE: MESSAGE" of the deepest cause of {@code failure}, at most 300 characters,
   * or "" when it has none: an engine wraps what went wrong (a rule conflict in the policy, an
   * abort) in a failure of its own.
   */
  private static String rootCauseOf(Throwable failure) {
    Throwable root = failure;
    for (int depth = 0; depth < 8 && root.getCause() != null && root.getCause() != root; depth++) {
      root = root.getCause();
    }
    if (root == failure) {
      return "";
    }
    String text = root.getClass().getName() + ": " + root.getMessage();
    return "; root cause: " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
  }

  private void record(DecisionRecord record) {
    for (DecisionRecorder recorder : recorders) {
      try {
        recorder.record(record);
      } catch (RuntimeException e) {
        LOG.warn(
            "decision recorder failed recorder={} cause={}",
            recorder.getClass().getName(),
            e.toString());
      }
    }
  }

  private void notifyListeners(String method, PolicyInput input, Decision decision) {
    for (DecisionListener listener : listeners) {
      try {
        listener.onDecision(method, input, decision);
      } catch (RuntimeException e) {
        LOG.warn(
            "decision listener failed listener={} cause={}",
            listener.getClass().getName(),
            e.toString());
      }
    }
  }

  /** Whether policy denies are forwarded and only recorded ({@link Builder#reportOnly}). */
  public boolean reportOnly() {
    return reportOnly;
  }

  /** The engine this enforcer asks. */
  public PolicyEngine engine() {
    return engine;
  }

  private record InspectedRequest(
      CanonicalTarget target,
      PolicyInput.Request request,
      IpAddress client,
      Credential credential) {

    PolicyInput toInput(CredentialVerification verification) {
      return new PolicyInput(
          request,
          new PolicyInput.Client(client.text()),
          PolicyInput.CredentialSummary.of(credential, verification));
    }
  }

  /** Builds a {@link PolicyEnforcer}; validated in {@link #build()}. */
  public static final class Builder {
    private final PolicyEngine engine;
    private CredentialVerifier verifier = CredentialVerifier.NONE;
    private CredentialClassifier classifier = CredentialClassifier.GENERIC;
    private String realm;
    private final Set<String> selectedHeaders = new TreeSet<>(DEFAULT_SELECTED_HEADERS);
    private final Set<String> secretHeaders = new TreeSet<>();
    private int maxTargetLength = CanonicalTarget.DEFAULT_MAX_LENGTH;
    private final List<DecisionListener> listeners = new ArrayList<>();
    private Duration verificationTimeout = Duration.ofSeconds(10);
    private TrustedProxies trustedProxies = TrustedProxies.none();
    private CredentialFailureThrottle throttle = CredentialFailureThrottle.NONE;
    private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
    private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    private final List<DecisionRecorder> recorders = new ArrayList<>();
    private EnforcerMetrics metrics = EnforcerMetrics.NONE;
    private boolean reportOnly;

    private Builder(PolicyEngine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** Who verifies credentials; by default nobody ({@code valid: "unknown"}). */
    public Builder credentialVerifier(CredentialVerifier verifier) {
      this.verifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * Names the kind of each token credential ({@code credential.kind}), such as a product's token
     * prefix; by default every token is {@code other} ({@link CredentialClassifier#GENERIC}).
     */
    public Builder credentialClassifier(CredentialClassifier classifier) {
      this.classifier = Objects.requireNonNull(classifier, "classifier");
      return this;
    }

    /**
     * The protection space every 401 names in its {@code WWW-Authenticate} challenges, such as the
     * product behind the gateway; by default the decision's own ({@value Decision#DEFAULT_REALM}
     * unless the engine set one). Printable ASCII without {@code "} or {@code \}.
     */
    public Builder realm(String realm) {
      this.realm = Decision.checkRealm(realm);
      return this;
    }

    /**
     * Headers that carry secrets besides {@code Authorization}, {@code Proxy-Authorization}, {@code
     * Cookie} and {@code Set-Cookie}, such as a product's own passcode header: like those, they can
     * never be selected. Replaces the ones given before; names are matched case-insensitively.
     */
    public Builder secretHeaders(Set<String> names) {
      secretHeaders.clear();
      for (String name : names) {
        secretHeaders.add(name.toLowerCase(Locale.ROOT));
      }
      return this;
    }

    /** Replaces the headers whose values the policy sees (names are matched case-insensitively). */
    public Builder selectedHeaders(Set<String> names) {
      selectedHeaders.clear();
      for (String name : names) {
        selectedHeaders.add(name.toLowerCase(Locale.ROOT));
      }
      return this;
    }

    /** The longest request target accepted; longer ones get 414. */
    public Builder maxTargetLength(int maxTargetLength) {
      this.maxTargetLength = maxTargetLength;
      return this;
    }

    /**
     * The most header fields a request may have (repeated names count once per value) and their
     * most bytes in total (names, values and 4 bytes per field, as on the wire); more gets 431
     * before the policy runs. Defaults: {@value #DEFAULT_MAX_HEADER_COUNT} fields, {@value
     * #DEFAULT_MAX_HEADER_BYTES} bytes. An HTTP stack usually limits the header bytes already; the
     * field count it usually does not.
     */
    public Builder maxHeaders(int count, int bytes) {
      this.maxHeaderCount = count;
      this.maxHeaderBytes = bytes;
      return this;
    }

    /** How long to wait for an asynchronous verifier before denying with 503; default 10 s. */
    public Builder verificationTimeout(Duration timeout) {
      this.verificationTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The reverse proxies whose {@code Forwarded} and {@code X-Forwarded-For} headers name the
     * client IP (see {@link ClientAddressResolver} for the rules); by default nobody, and the
     * client is the peer of the connection.
     */
    public Builder trustedProxies(TrustedProxies trustedProxies) {
      this.trustedProxies = Objects.requireNonNull(trustedProxies, "trustedProxies");
      return this;
    }

    /**
     * Counts the credentials the verifier finds invalid per client IP and answers 429 with {@code
     * Retry-After}, before any verification, once a client has too many; by default nobody is
     * throttled. See {@link dev.portcullis.throttle.SlidingWindowCredentialFailureThrottle}.
     */
    public Builder credentialFailureThrottle(CredentialFailureThrottle throttle) {
      this.throttle = Objects.requireNonNull(throttle, "throttle");
      return this;
    }

    /**
     * Adds a recorder that gets a {@link DecisionRecord} of every decision (with timings, the
     * policy revision and, in report-only mode, the denies that were not enforced), such as a
     * {@link dev.portcullis.audit.JsonDecisionLog}.
     */
    public Builder recorder(DecisionRecorder recorder) {
      recorders.add(Objects.requireNonNull(recorder, "recorder"));
      return this;
    }

    /**
     * Counts decisions ({@code portcullis.decisions}, by result, primary reason and whether it was
     * enforced), their latency ({@code portcullis.decision.duration}), credential verifications by
     * outcome ({@code portcullis.credential.verifications}) and throttle refusals ({@code
     * portcullis.throttle.refusals}) in {@code registry}. Reason labels are bounded: anything but
     * the first 100 snake_case codes counts as {@code other}. Micrometer is an optional dependency:
     * needed on the classpath only when this is called.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.metrics = MicrometerEnforcerMetrics.of(registry);
      return this;
    }

    /**
     * Report-only mode, for rolling out a stricter policy: a request the policy denies (a 4xx from
     * the policy) is forwarded anyway, recorded as not enforced ({@link DecisionRecord#enforced()}
     * false), and its credential verified as for an allow. Refusals that protect the gateway itself
     * are enforced in every mode: malformed or ambiguous requests (400), over-long targets (414),
     * too many or too large headers (431), bodies over a limit (413), unsupported framing (501),
     * throttling (429), and every failure to decide (5xx). Listeners see the decision the adapter
     * acts on. Off by default.
     */
    public Builder reportOnly(boolean reportOnly) {
      this.reportOnly = reportOnly;
      return this;
    }

    /** Adds a listener that sees every decision. */
    public Builder listener(DecisionListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public PolicyEnforcer build() {
      for (String name : selectedHeaders) {
        if (SECRET_HEADERS.contains(name) || secretHeaders.contains(name)) {
          throw new IllegalArgumentException(
              "Header '"
                  + name
                  + "' carries secrets and can never be passed to a policy; remove it from selectedHeaders.");
        }
      }
      if (verificationTimeout.isNegative() || verificationTimeout.isZero()) {
        throw new IllegalArgumentException("verificationTimeout must be positive");
      }
      if (maxHeaderCount < 1 || maxHeaderBytes < 256) {
        throw new IllegalArgumentException(
            "maxHeaders needs at least 1 field and 256 bytes, not "
                + maxHeaderCount
                + " and "
                + maxHeaderBytes);
      }
      if (maxTargetLength < 16) {
        throw new IllegalArgumentException(
            "maxTargetLength must be at least 16, not " + maxTargetLength);
      }
      return new PolicyEnforcer(this);
    }
  }
}
