package dev.portcullis.examples.jetty;

import dev.portcullis.Decision;
import dev.portcullis.examples.gateway.AccessLog;
import dev.portcullis.servlet.PortcullisFilter;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;

/**
 * Jetty's hook at the end of every exchange, feeding the gateway's {@link AccessLog}: what the
 * filter allowed (its decision on the request) and what SonarQube answered (set by the proxy).
 */
final class JettyAccessLog implements RequestLog {

  private final AccessLog log;

  JettyAccessLog(AccessLog log) {
    this.log = log;
  }

  @Override
  public void log(Request request, Response response) {
    Object decided = request.getAttribute(PortcullisFilter.DECISION_ATTRIBUTE);
    Object refused = request.getAttribute(PortcullisFilter.DENIAL_ATTRIBUTE);
    Decision denied = refused instanceof Decision ? (Decision) refused : null;
    Decision allowed =
        denied == null && decided instanceof Decision && ((Decision) decided).allow()
            ? (Decision) decided
            : null;
    Object upstream = request.getAttribute(GatewayProxyServlet.UPSTREAM_STATUS_ATTRIBUTE);
    Decision judged = denied != null ? denied : allowed;
    String target = request.getHttpURI().getPathQuery();
    log.log(
        new AccessLog.Entry(
            request.getMethod(),
            target == null ? "" : target,
            response.getStatus(),
            bodyBytes(request, response),
            NanoTime.since(request.getBeginNanoTime()),
            judged != null && !judged.clientIp().isEmpty()
                ? judged.clientIp()
                : Request.getRemoteAddr(request),
            allowed != null ? "allow" : "deny",
            denied != null ? denied.reasons() : List.of(),
            upstream instanceof Integer ? (Integer) upstream : 0));
  }

  /** The body bytes sent, the error handler's page included. */
  private static long bodyBytes(Request request, Response response) {
    Object errorPage = request.getAttribute(JsonErrorHandler.BODY_BYTES_ATTRIBUTE);
    long counted = Response.getContentBytesWritten(response);
    return errorPage instanceof Long ? Math.max(counted, (Long) errorPage) : counted;
  }
}
