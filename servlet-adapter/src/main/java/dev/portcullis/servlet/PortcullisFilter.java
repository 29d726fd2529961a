package dev.portcullis.servlet;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.body.MultipartGuard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jakarta Servlet filter that asks a {@link PolicyEnforcer} about every request before the rest
 * of the chain sees it. An allowed request continues with its canonical target ({@code
 * getRequestURI()}, {@code getQueryString()} and {@code getRequestURL()} give what the policy
 * judged, also available as the {@value #FORWARD_TARGET_ATTRIBUTE} request attribute for a proxy
 * servlet). A denied request gets the policy's status and a small JSON body; its body is never read
 * and the chain never runs. A request that is not HTTP fails with a {@link ServletException}
 * instead of passing through. When the decision limits the body ({@link Decision#maxBodyBytes()}),
 * a request that declares more gets 413 at once and one whose body grows past the limit while it is
 * read fails that read with a {@link BodyTooLargeException}.
 *
 * <p>A {@code multipart/*} body may carry only the file parts the decision names ({@link
 * Decision#bodyParts()}), since the container reads its form fields as request parameters the
 * policy never saw. Read as a stream, it is judged by a {@link dev.portcullis.body.MultipartGuard}
 * and the read that holds a refused byte fails with a {@link MultipartBodyException}. Read through
 * the container ({@code getParts}, {@code getParameter} and the like), the parts the container
 * parsed are judged before any of them is returned, and a refusal fails the call. Either way the
 * filter answers the refusal (403 {@code body_part_not_allowed} or 400 {@code multipart_malformed})
 * when the servlet met it on the filter's thread.
 *
 * <p>Place it first in the chain, mapped to {@code /*}, so that nothing reads or answers a request
 * before it is judged. By default it blocks the container thread while an asynchronous credential
 * verifier works; {@link Builder#asynchronous(boolean)} suspends the request with {@code
 * startAsync} instead.
 *
 * <p>Thread-safe; one instance serves all requests.
 */
public final class PortcullisFilter implements Filter {

  /**
   * The request attribute holding the canonical target of an allowed request, such as {@code
   * /api/x?a=1}.
   */
  public static final String FORWARD_TARGET_ATTRIBUTE = "dev.portcullis.forwardTarget";

  /** The request attribute holding the {@link Decision} of an allowed request. */
  public static final String DECISION_ATTRIBUTE = "dev.portcullis.decision";

  /**
   * The request attribute holding the {@link Decision} of a request this filter refused, for an
   * access log at the end of the exchange. Never consulted by the filter itself.
   */
  public static final String DENIAL_ATTRIBUTE = "dev.portcullis.denial";

  /** An allow waiting for its asynchronous dispatch; only this filter sets it. */
  private static final String PENDING_ALLOW_ATTRIBUTE =
      PortcullisFilter.class.getName() + ".pendingAllow";

  /**
   * The body-limiting wrapper of an allowed request, for its later dispatches; only this filter
   * sets it.
   */
  private static final String LIMITED_BODY_ATTRIBUTE =
      PortcullisFilter.class.getName() + ".limitedBody";

  private static final Logger LOG = LoggerFactory.getLogger(PortcullisFilter.class);

  private final PolicyEnforcer enforcer;
  private final boolean asynchronous;
  private final AtomicBoolean warnedNotAsync = new AtomicBoolean();

  /** A filter that blocks the container thread while the enforcer decides. */
  public PortcullisFilter(PolicyEnforcer enforcer) {
    this(builder(enforcer));
  }

  private PortcullisFilter(Builder builder) {
    this.enforcer = builder.enforcer;
    this.asynchronous = builder.asynchronous;
  }

  public static Builder builder(PolicyEnforcer enforcer) {
    return new Builder(enforcer);
  }

  @Override
  public void doFilter(
      ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if (!(servletRequest instanceof HttpServletRequest)
        || !(servletResponse instanceof HttpServletResponse)) {
      throw new ServletException(
          "PortcullisFilter only judges HTTP requests and refuses a "
              + servletRequest.getClass().getName()
              + "; map it to HTTP servlets only");
    }
    HttpServletRequest request = (HttpServletRequest) servletRequest;
    HttpServletResponse response = (HttpServletResponse) servletResponse;

    if (request.getDispatcherType() != DispatcherType.REQUEST) {
      Object pending = request.getAttribute(PENDING_ALLOW_ATTRIBUTE);
      if (pending instanceof Decision && request.getDispatcherType() == DispatcherType.ASYNC) {
        request.removeAttribute(PENDING_ALLOW_ATTRIBUTE);
        allow((Decision) pending, request, response, chain);
        return;
      }
      if (request.getAttribute(DECISION_ATTRIBUTE) != null) {
        // A forward, include, error or later async dispatch of a request this filter already
        // allowed. A
        // dispatch may bring back the container's request without the wrapper that limits the body.
        Object limited = request.getAttribute(LIMITED_BODY_ATTRIBUTE);
        if (limited instanceof LimitedBodyRequest) {
          forwardLimited(
              new LimitedBodyRequest(request, (LimitedBodyRequest) limited), response, chain);
        } else {
          chain.doFilter(request, response);
        }
        return;
      }
    }

    CompletableFuture<Decision> decision =
        enforcer.decideAsync(request, ServletRequestAccessor.INSTANCE).toCompletableFuture();
    if (decision.isDone() || !suspend(request)) {
      apply(decision.join(), request, response, chain);
      return;
    }
    AsyncContext async = request.startAsync(request, response);
    // The enforcer bounds verification with its own timeout; a container timeout would race it.
    async.setTimeout(0);
    decision.whenComplete((decided, failure) -> resume(decided, async, request, response));
  }

  private boolean suspend(HttpServletRequest request) {
    if (!asynchronous) {
      return false;
    }
    if (request.isAsyncSupported()) {
      return true;
    }
    if (warnedNotAsync.compareAndSet(false, true)) {
      LOG.warn(
          "request not async-supported; blocking the container thread for credential verification "
              + "(register the filter and servlet with asyncSupported=true; further occurrences are not logged)");
    }
    return false;
  }

  private static void resume(
      Decision decided,
      AsyncContext async,
      HttpServletRequest request,
      HttpServletResponse response) {
    // decideAsync never completes exceptionally; a null still must not allow.
    Decision decision = decided != null ? decided : Decision.INTERNAL_ERROR;
    if (decision.allow()) {
      // The chain can only continue on a container dispatch; doFilter picks the allow up there.
      request.setAttribute(PENDING_ALLOW_ATTRIBUTE, decision);
      request.setAttribute(DECISION_ATTRIBUTE, decision);
      request.setAttribute(FORWARD_TARGET_ATTRIBUTE, decision.forwardTarget());
      async.dispatch();
      return;
    }
    try {
      writeDeny(decision, request, response, hasBody(request));
    } catch (IOException | RuntimeException e) {
      LOG.debug(
          "deny response not written status={} cause={}",
          decision.status(),
          e.getClass().getName());
    } finally {
      async.complete();
    }
  }

  private static void apply(
      Decision decision,
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain)
      throws IOException, ServletException {
    if (decision.allow()) {
      allow(decision, request, response, chain);
      return;
    }
    if (response.isCommitted()) {
      throw new ServletException(
          "PortcullisFilter denied a request whose response was already committed; place it first in the chain");
    }
    writeDeny(decision, request, response, hasBody(request));
  }

  private static void allow(
      Decision decision,
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain)
      throws IOException, ServletException {
    MultipartGuard guard = MultipartGuard.forBody(decision, request.getContentType());
    Decision refusal = null;
    if (decision.bodyLimitExceededBy(request.getContentLengthLong())) {
      LOG.debug(
          "request body declared over its limit status=413 max_body_bytes={}",
          decision.maxBodyBytes());
      refusal = Decision.bodyTooLarge();
    } else if (guard != null && guard.refusal() != null) {
      LOG.debug(
          "refusing a multipart body status={} why={}", guard.refusal().status(), guard.why());
      refusal = guard.refusal();
    }
    if (refusal != null) {
      // Set by an asynchronous decision; a later dispatch must not take the request for an allowed
      // one.
      request.removeAttribute(DECISION_ATTRIBUTE);
      request.removeAttribute(FORWARD_TARGET_ATTRIBUTE);
      writeDeny(refusal, request, response, true);
      return;
    }
    request.setAttribute(DECISION_ATTRIBUTE, decision);
    request.setAttribute(FORWARD_TARGET_ATTRIBUTE, decision.forwardTarget());
    String raw = ServletRequestAccessor.INSTANCE.rawTarget(request);
    HttpServletRequest judged =
        raw.equals(decision.forwardTarget())
            ? request
            : new CanonicalRequest(request, decision.forwardTarget());
    long bodyLimit = undeclaredBodyPossible(request) ? 0 : decision.maxBodyBytes();
    if (bodyLimit == Decision.NO_BODY_LIMIT && guard == null) {
      chain.doFilter(judged, response);
      return;
    }
    LimitedBodyRequest limited = new LimitedBodyRequest(judged, bodyLimit, guard, decision);
    request.setAttribute(LIMITED_BODY_ATTRIBUTE, limited);
    forwardLimited(limited, response, chain);
  }

  private static void forwardLimited(
      LimitedBodyRequest limited, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    try {
      chain.doFilter(limited, response);
    } catch (IOException | ServletException | RuntimeException e) {
      if (!answeredBodyRefusal(limited, response)) {
        throw e;
      }
      return;
    }
    answeredBodyRefusal(limited, response);
  }

  /**
   * Answers the refusal when a servlet that read the body on this thread met it (a body past its
   * limit, a multipart part not allowed), whether it let the failure escape or swallowed it. A
   * servlet that went asynchronous, or met the failure on another thread, answers for itself
   * ({@link #sendBodyRefused}).
   */
  private static boolean answeredBodyRefusal(
      LimitedBodyRequest limited, HttpServletResponse response) throws IOException {
    BodyRefusedException refusal = limited.refusalOn(Thread.currentThread());
    if (refusal == null || limited.isAsyncStarted()) {
      return false;
    }
    boolean answered = sendBodyRefused(limited, response, refusal);
    LOG.debug(
        "request body refused status={} answered={} why={}",
        refusal.decision().status(),
        answered,
        refusal.getMessage());
    return answered;
  }

  /**
   * Answers a request whose body went past its decision's limit ({@link BodyTooLargeException}):
   * 413 with the deny body and headers of {@link Decision#bodyTooLarge()} and {@code Connection:
   * close}, since the rest of the body is never read. For a reader that the filter cannot see fail,
   * such as an asynchronous proxy; it must also abort the request it was forwarding the body in, so
   * that the upstream never takes the part it got for a whole body.
   *
   * @return false, having written nothing, when the response is already committed: the caller must
   *     then abort the connection, so that the client cannot take the response for a complete one
   *     either
   */
  public static boolean sendBodyTooLarge(HttpServletResponse response) throws IOException {
    return sendBodyTooLarge(null, response);
  }

  /**
   * As {@link #sendBodyTooLarge(HttpServletResponse)}, for {@code request}: {@code Connection:
   * close} only when it came over HTTP/1.x, since HTTP/2 forbids the header (a client resets a
   * stream whose response carries it). Prefer this one.
   */
  public static boolean sendBodyTooLarge(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    return sendRefusal(request, response, Decision.bodyTooLarge());
  }

  /**
   * Answers a request whose body was refused as it streamed ({@link BodyRefusedException}): the
   * refusal's deny with {@code Connection: close} over HTTP/1.x, since the rest of the body is
   * never read. For a reader that the filter cannot see fail, such as an asynchronous proxy; it
   * must also abort the request it was forwarding the body in, so that the upstream never takes the
   * part it got for a whole body.
   *
   * @return false, having written nothing, when the response is already committed: the caller must
   *     then abort the connection, so that the client cannot take the response for a complete one
   *     either
   */
  public static boolean sendBodyRefused(
      HttpServletRequest request, HttpServletResponse response, BodyRefusedException refusal)
      throws IOException {
    return sendRefusal(request, response, refusal.decision());
  }

  private static boolean sendRefusal(
      HttpServletRequest request, HttpServletResponse response, Decision deny) throws IOException {
    if (response.isCommitted()) {
      return false;
    }
    response.reset();
    writeDeny(deny, request, response, true);
    return true;
  }

  /** Builds a {@link PortcullisFilter}. */
  public static final class Builder {
    private final PolicyEnforcer enforcer;
    private boolean asynchronous;

    private Builder(PolicyEnforcer enforcer) {
      this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
    }

    /**
     * Whether to suspend a request with {@code startAsync} while an asynchronous credential
     * verifier works, instead of blocking the container thread; default false. Needs the filter
     * registered with {@code asyncSupported=true} for {@link DispatcherType#REQUEST} and {@link
     * DispatcherType#ASYNC}, and async support along the whole chain; a request without it is
     * decided blocking.
     */
    public Builder asynchronous(boolean asynchronous) {
      this.asynchronous = asynchronous;
      return this;
    }

    public PortcullisFilter build() {
      return new PortcullisFilter(this);
    }
  }

  /**
   * Writes core's {@link DeniedResponse} as it is; {@code close} adds {@code Connection: close},
   * for a request whose body is left unread, when it came over HTTP/1.x (or is unknown): HTTP/2
   * forbids connection headers, and closes only the stream, which the container resets. Such a
   * connection cannot carry another request: Jetty 12 closes at once; Tomcat 11 still swallows up
   * to its maxSwallowSize (2 MiB by default) and then closes, so a 500 MB body is never drained.
   * The header also tells the client and any proxy not to reuse the connection. Leaves the decision
   * in {@link #DENIAL_ATTRIBUTE} of {@code request}, when given.
   */
  private static void writeDeny(
      Decision decision, HttpServletRequest request, HttpServletResponse response, boolean close)
      throws IOException {
    if (request != null) {
      request.setAttribute(DENIAL_ATTRIBUTE, decision);
    }
    DeniedResponse denied = DeniedResponse.of(decision);
    if (close && (request == null || isHttp1(request))) {
      denied = denied.withConnection("close");
    }
    response.setStatus(denied.status());
    for (DeniedResponse.Header header : denied.headers()) {
      response.addHeader(header.name(), header.value());
    }
    OutputStream out = response.getOutputStream();
    out.write(denied.body());
    out.flush();
  }

  /**
   * Whether a body may follow although the request declares none. HTTP/1.x frames a body only with
   * {@code Content-Length} or {@code Transfer-Encoding}, so without them there is none, and that is
   * what the policy was told. HTTP/2 and HTTP/3 send a body in DATA frames with neither, so one
   * that arrives unannounced was never judged: it gets a limit of 0 bytes, and a 413 if a reader
   * meets it.
   */
  private static boolean undeclaredBodyPossible(HttpServletRequest request) {
    return !isHttp1(request)
        && request.getContentLengthLong() < 0
        && request.getHeader("Transfer-Encoding") == null;
  }

  private static boolean isHttp1(HttpServletRequest request) {
    String protocol = request.getProtocol();
    return protocol != null && protocol.startsWith("HTTP/1.");
  }

  private static boolean hasBody(HttpServletRequest request) {
    return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
  }
}
