package dev.portcullis.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * An allowed request as the policy judged it: {@code getRequestURI()}, {@code getQueryString()} and
 * {@code getRequestURL()} give the canonical forward target instead of the raw one, so the rest of
 * the chain serves exactly what was judged.
 */
final class CanonicalRequest extends HttpServletRequestWrapper {

  private final String path;
  private final String query;

  CanonicalRequest(HttpServletRequest request, String forwardTarget) {
    super(request);
    int questionMark = forwardTarget.indexOf('?');
    this.path = questionMark < 0 ? forwardTarget : forwardTarget.substring(0, questionMark);
    this.query = questionMark < 0 ? null : forwardTarget.substring(questionMark + 1);
  }

  @Override
  public String getRequestURI() {
    return path;
  }

  @Override
  public String getQueryString() {
    return query;
  }

  @Override
  public StringBuffer getRequestURL() {
    StringBuffer url = super.getRequestURL();
    String rawPath = super.getRequestURI();
    int pathStart = url.length() - rawPath.length();
    if (pathStart > 0 && url.substring(pathStart).equals(rawPath)) {
      url.setLength(pathStart);
    } else {
      url.setLength(0);
      url.append(getScheme()).append("://").append(getServerName());
      int port = getServerPort();
      boolean defaultPort =
          ("http".equals(getScheme()) && port == 80)
              || ("https".equals(getScheme()) && port == 443);
      if (!defaultPort && port > 0) {
        url.append(':').append(port);
      }
    }
    return url.append(path);
  }
}
