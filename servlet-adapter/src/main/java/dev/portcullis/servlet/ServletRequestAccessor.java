package dev.portcullis.servlet;

import dev.portcullis.spi.RequestAccessor;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Reads an {@link HttpServletRequest} for the core: the raw request URI and query string exactly as
 * the container received them, never the container-decoded path or {@code getParameterMap()}, which
 * can consume a form body.
 *
 * <p>Stateless and thread-safe; use {@link #INSTANCE}.
 */
public final class ServletRequestAccessor implements RequestAccessor<HttpServletRequest> {

  public static final ServletRequestAccessor INSTANCE = new ServletRequestAccessor();

  private ServletRequestAccessor() {}

  @Override
  public String method(HttpServletRequest request) {
    return request.getMethod();
  }

  /**
   * {@code getRequestURI()}, which Jetty 12 and Tomcat 11 both return undecoded, plus the raw
   * query.
   */
  @Override
  public String rawTarget(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String query = request.getQueryString();
    return query == null ? uri : uri + "?" + query;
  }

  @Override
  public Iterable<String> headerNames(HttpServletRequest request) {
    return list(request.getHeaderNames());
  }

  @Override
  public List<String> headerValues(HttpServletRequest request, String name) {
    return list(request.getHeaders(name));
  }

  @Override
  public String protocol(HttpServletRequest request) {
    String protocol = request.getProtocol();
    return protocol == null ? "" : protocol;
  }

  @Override
  public String remoteAddress(HttpServletRequest request) {
    return request.getRemoteAddr();
  }

  private static List<String> list(Enumeration<String> values) {
    // The Servlet API allows null when a container hides headers; that reads as "none".
    return values == null ? List.of() : Collections.list(values);
  }
}
