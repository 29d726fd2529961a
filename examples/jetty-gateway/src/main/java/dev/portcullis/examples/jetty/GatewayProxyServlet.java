package dev.portcullis.examples.jetty;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Streams allowed requests to the upstream and its responses back, both ways without buffering whole
 * bodies (Jetty's asynchronous proxy servlet, with backpressure).
 *
 * <p>It forwards exactly the target the Portcullis filter judged (the request attribute the filter
 * sets) and refuses to forward anything the filter did not judge. Hop-by-hop headers are removed by
 * Jetty; the {@code Authorization} header is kept for SonarQube; forwarding headers sent by the
 * client are replaced with the gateway's own {@code X-Forwarded-*}, because the gateway trusts no
 * proxy in front of it. Upstream connect failures become 502, upstream timeouts 504 (Jetty's mapping).
 */
final class GatewayProxyServlet extends AsyncProxyServlet {
  private static final long serialVersionUID = 1L;

  private static final List<String> CLIENT_FORWARDING_HEADERS =
      List.of("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
          "x-forwarded-prefix", "x-real-ip");

  private final String upstream;
  private final String forwardTargetAttribute;
  private final Duration connectTimeout;

  GatewayProxyServlet(URI upstream, String forwardTargetAttribute, Duration connectTimeout) {
    String text = upstream.toString();
    this.upstream = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    this.forwardTargetAttribute = forwardTargetAttribute;
    this.connectTimeout = connectTimeout;
  }

  @Override
  protected HttpClient createHttpClient() throws jakarta.servlet.ServletException {
    HttpClient client = super.createHttpClient();
    client.setConnectTimeout(connectTimeout.toMillis());
    // A scanner's credential must never follow a redirect to another origin; the scanner follows them itself.
    client.setFollowRedirects(false);
    return client;
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
    _log.error("request reached the proxy without a Portcullis decision; refusing to forward it (is the filter installed?)");
    sendProxyResponseError(request, response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
  }

  @Override
  protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    super.copyRequestHeaders(clientRequest, proxyRequest);
    proxyRequest.headers(headers -> CLIENT_FORWARDING_HEADERS.forEach(headers::remove));
  }

  @Override
  protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    addViaHeader(clientRequest, proxyRequest);
    String host = clientRequest.getHeader("Host");
    proxyRequest.headers(headers -> {
      headers.put("X-Forwarded-For", clientRequest.getRemoteAddr());
      headers.put("X-Forwarded-Proto", clientRequest.getScheme().toLowerCase(Locale.ROOT));
      headers.put("X-Forwarded-Port", Integer.toString(clientRequest.getLocalPort()));
      if (host != null) {
        headers.put(HttpHeader.X_FORWARDED_HOST, host);
      }
    });
  }
}
