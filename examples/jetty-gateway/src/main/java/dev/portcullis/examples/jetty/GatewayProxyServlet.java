package dev.portcullis.examples.jetty;

import dev.portcullis.Decision;
import dev.portcullis.examples.gateway.AccessLog;
import dev.portcullis.examples.gateway.ForwardingHeaders;
import dev.portcullis.examples.gateway.UpstreamMetrics;
import dev.portcullis.servlet.BodyRefusedException;
import dev.portcullis.servlet.PortcullisFilter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams allowed requests to the upstream and its responses back, both ways without buffering
 * whole bodies (Jetty's asynchronous proxy servlet, with backpressure).
 *
 * <p>It forwards exactly the target the Portcullis filter judged (the request attribute the filter
 * sets) and refuses to forward anything the filter did not judge. Hop-by-hop headers are removed by
 * Jetty; the {@code Authorization} header is kept for SonarQube; forwarding headers sent by the
 * client are replaced with the gateway's own {@code X-Forwarded-*}, whose client is the one the
 * decision was made for (resolved behind trusted proxies). Upstream connect failures become 502,
 * upstream timeouts 504 (Jetty's mapping).
 *
 * <p>A request body that fails while it streams aborts the upstream request, so that SonarQube
 * never takes part of a body for a whole one: a body past the decision's limit is answered 413 like
 * a deny, one slower than the {@link MinimumBodyRate} or idle for the idle timeout 408, both with
 * {@code Connection: close}; when the response has already begun, the client connection is aborted
 * instead.
 */
final class GatewayProxyServlet extends AsyncProxyServlet {
  private static final long serialVersionUID = 1L;

  private static final Logger DENIALS = LoggerFactory.getLogger("dev.portcullis.gateway.denials");

  /**
   * Why the client's side of an exchange failed, for the answer once the upstream request is
   * aborted.
   */
  private static final String CLIENT_FAILURE_ATTRIBUTE =
      GatewayProxyServlet.class.getName() + ".clientFailure";

  private final String upstream;
  private final String scheme;
  private final String forwardTargetAttribute;
  private final Duration connectTimeout;
  private final transient MinimumBodyRate bodyRate;
  private final transient UpstreamMetrics upstreamMetrics;
  private final transient ByteBufferPool buffers;

  /** When the request was sent upstream (System.nanoTime), until its response headers arrive. */
  private static final String SENT_ATTRIBUTE = GatewayProxyServlet.class.getName() + ".sent";

  /** SonarQube's status for the request, for the access log. */
  static final String UPSTREAM_STATUS_ATTRIBUTE =
      GatewayProxyServlet.class.getName() + ".upstreamStatus";

  /**
   * @param scheme {@code http} or {@code https}, as clients reach the gateway's listener
   * @param bodyRate the slowest a request body may arrive, or null for no minimum
   * @param buffers the server's buffer pool, which the upstream client shares
   */
  GatewayProxyServlet(
      URI upstream,
      String scheme,
      String forwardTargetAttribute,
      Duration connectTimeout,
      MinimumBodyRate bodyRate,
      UpstreamMetrics upstreamMetrics,
      ByteBufferPool buffers) {
    String text = upstream.toString();
    this.upstream = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.scheme = scheme;
    this.forwardTargetAttribute = forwardTargetAttribute;
    this.connectTimeout = connectTimeout;
    this.bodyRate = bodyRate;
    this.upstreamMetrics = upstreamMetrics;
    this.buffers = buffers;
  }

  @Override
  protected void sendProxyRequest(
      HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest) {
    clientRequest.setAttribute(SENT_ATTRIBUTE, System.nanoTime());
    super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
  }

  @Override
  protected void onServerResponseHeaders(
      HttpServletRequest clientRequest,
      HttpServletResponse proxyResponse,
      Response serverResponse) {
    Object sent = clientRequest.getAttribute(SENT_ATTRIBUTE);
    if (sent instanceof Long) {
      clientRequest.removeAttribute(SENT_ATTRIBUTE); // counted once
      clientRequest.setAttribute(UPSTREAM_STATUS_ATTRIBUTE, serverResponse.getStatus());
      upstreamMetrics.responded(serverResponse.getStatus(), System.nanoTime() - (Long) sent);
    }
    super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
  }

  /**
   * The upstream client's connector, on the server's buffer pool: a body streams through the proxy
   * in buffers that both sides take from and give back to one pool, instead of each side keeping a
   * pool (and its retained memory) of its own.
   */
  @Override
  protected ClientConnector newClientConnector() {
    ClientConnector connector = super.newClientConnector();
    connector.setByteBufferPool(buffers);
    return connector;
  }

  @Override
  protected HttpClient createHttpClient() throws ServletException {
    HttpClient client = super.createHttpClient();
    client.setConnectTimeout(connectTimeout.toMillis());
    // A scanner's credential must never follow a redirect to another origin; the scanner follows
    // them itself.
    client.setFollowRedirects(false);
    return client;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    if (bodyRate == null || !hasContent(request)) {
      super.service(request, response);
      return;
    }
    ServletContextRequest jettyRequest = ServletContextRequest.getServletContextRequest(request);
    long headersEnded =
        jettyRequest == null ? System.nanoTime() : jettyRequest.getHeadersNanoTime();
    super.service(bodyRate.apply(request, headersEnded), response);
  }

  @Override
  protected String rewriteTarget(HttpServletRequest request) {
    Object judged = request.getAttribute(forwardTargetAttribute);
    if (!(judged instanceof String) || !((String) judged).startsWith("/")) {
      // Not judged by the filter: never forward. Jetty answers 502 via onProxyRewriteFailed.
      return null;
    }
    return upstream + judged;
  }

  @Override
  protected void onProxyRewriteFailed(HttpServletRequest request, HttpServletResponse response) {
    _log.error(
        "request reached the proxy without a Portcullis decision; refusing to forward it (is the filter installed?)");
    sendProxyResponseError(request, response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
  }

  @Override
  protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    super.copyRequestHeaders(clientRequest, proxyRequest);
    proxyRequest.headers(headers -> ForwardingHeaders.CLIENT_SUPPLIED.forEach(headers::remove));
  }

  @Override
  protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    addViaHeader(clientRequest, proxyRequest);
    String host = clientRequest.getHeader("Host");
    String client = client(clientRequest);
    proxyRequest.headers(
        headers -> {
          headers.put("X-Forwarded-For", client);
          // The listener's scheme, not getScheme(): an absolute-form target (GET https://x/...)
          // sets that one on a plain connection.
          headers.put("X-Forwarded-Proto", scheme);
          headers.put("X-Forwarded-Port", Integer.toString(clientRequest.getLocalPort()));
          if (host != null) {
            headers.put(HttpHeader.X_FORWARDED_HOST, host);
          }
        });
  }

  /** The client the decision was made for; behind a trusted proxy, not the connection's peer. */
  private static String client(HttpServletRequest clientRequest) {
    Object decision = clientRequest.getAttribute(PortcullisFilter.DECISION_ATTRIBUTE);
    if (decision instanceof Decision && !((Decision) decision).clientIp().isEmpty()) {
      return ((Decision) decision).clientIp();
    }
    return clientRequest.getRemoteAddr();
  }

  @Override
  protected ReadListener newReadListener(
      HttpServletRequest request,
      HttpServletResponse response,
      Request proxyRequest,
      AsyncRequestContent content) {
    return new StreamReader(request, response, proxyRequest, content) {
      @Override
      public void onError(Throwable failure) {
        // Before failing the upstream request: that may call onProxyResponseFailure on this thread.
        request.setAttribute(CLIENT_FAILURE_ATTRIBUTE, failure);
        super.onError(failure);
      }
    };
  }

  @Override
  protected void onClientRequestFailure(
      HttpServletRequest clientRequest,
      Request proxyRequest,
      HttpServletResponse proxyResponse,
      Throwable failure) {
    clientRequest.setAttribute(CLIENT_FAILURE_ATTRIBUTE, failure);
    super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
  }

  /** Used by Jetty for a client body that failed before the upstream answered. */
  @Override
  protected int clientRequestStatus(Throwable failure) {
    Decision refusal = clientFailureRefusal(failure);
    return refusal != null ? refusal.status() : super.clientRequestStatus(failure);
  }

  @Override
  protected void onProxyResponseFailure(
      HttpServletRequest clientRequest,
      HttpServletResponse proxyResponse,
      Response serverResponse,
      Throwable failure) {
    Object sent = clientRequest.getAttribute(SENT_ATTRIBUTE);
    if (sent instanceof Long) {
      clientRequest.removeAttribute(SENT_ATTRIBUTE); // no response headers came
      upstreamMetrics.failed(System.nanoTime() - (Long) sent);
    }
    Object clientFailure = clientRequest.getAttribute(CLIENT_FAILURE_ATTRIBUTE);
    Decision refusal =
        clientFailure instanceof Throwable ? clientFailureRefusal((Throwable) clientFailure) : null;
    if (refusal == null) {
      super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
      return;
    }
    logRefusal(clientRequest, refusal);
    BodyRefusedException refused = BodyRefusedException.causeOf((Throwable) clientFailure);
    if (refused != null && answeredBodyRefusal(clientRequest, proxyResponse, refused)) {
      return;
    }
    // Sets Connection: close, or aborts the connection when the response has already begun.
    sendProxyResponseError(clientRequest, proxyResponse, refusal.status());
  }

  /**
   * The deny for a client body that failed: the refusal of a body past its limit or with a part not
   * allowed, 408 {@code body_timeout} for one too slow or idle too long; null for other failures.
   */
  private static Decision clientFailureRefusal(Throwable failure) {
    BodyRefusedException refused = BodyRefusedException.causeOf(failure);
    if (refused != null) {
      return refused.decision();
    }
    // Bounded: a cause chain can be cyclic.
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
      if (cause instanceof MinimumBodyRate.TooSlowException || cause instanceof TimeoutException) {
        return Decision.deny(
            HttpServletResponse.SC_REQUEST_TIMEOUT,
            "body_timeout",
            "Refused while the body was forwarded.");
      }
    }
    return null;
  }

  private static boolean answeredBodyRefusal(
      HttpServletRequest clientRequest,
      HttpServletResponse proxyResponse,
      BodyRefusedException refused) {
    try {
      if (!PortcullisFilter.sendBodyRefused(clientRequest, proxyResponse, refused)) {
        return false;
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    if (clientRequest.isAsyncStarted()) {
      clientRequest.getAsyncContext().complete();
    }
    return true;
  }

  private static void logRefusal(HttpServletRequest clientRequest, Decision refusal) {
    Object target = clientRequest.getAttribute(PortcullisFilter.FORWARD_TARGET_ATTRIBUTE);
    String path = target instanceof String ? ((String) target).split("\\?", 2)[0] : "-";
    // For the access log: the policy allowed it, but the gateway refused it in the end.
    clientRequest.setAttribute(PortcullisFilter.DENIAL_ATTRIBUTE, refusal);
    DENIALS.info(
        "denied status={} reasons=[{}] method={} path={} client={}",
        refusal.status(),
        refusal.primaryReason(),
        AccessLog.methodOf(clientRequest.getMethod()),
        path,
        client(clientRequest));
  }
}
