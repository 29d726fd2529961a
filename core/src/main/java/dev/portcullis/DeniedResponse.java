package dev.portcullis;

import dev.portcullis.internal.JsonStrings;
import java.util.ArrayList;
import java.util.List;

/**
 * What every adapter answers a denied request with, defined once: the JSON body and its headers
 * ({@code Cache-Control}, the {@code WWW-Authenticate} challenges, {@code Retry-After}). The body
 * holds the status, the reason codes and the message, never a request value.
 *
 * <p>Thread-safe: stateless.
 */
public final class DeniedResponse {

  /** The content type of {@link #json}. */
  public static final String CONTENT_TYPE = "application/json";

  private DeniedResponse() {}

  /** What a deny's scanner-visible message starts with, so a pipeline log says who refused. */
  public static final String ERROR_PREFIX = "Portcullis gateway: ";

  /**
   * {@code {"status":403,"reasons":["user_directory"],"message":"...","errors":[{"msg":"Portcullis
   * gateway: ... (user_directory)"}]}}. {@code errors} is SonarQube's own error shape, which
   * scanners print where they print server errors at all, so the pipeline log shows the gateway's
   * reason.
   */
  public static String json(Decision decision) {
    StringBuilder json =
        new StringBuilder(96)
            .append("{\"status\":")
            .append(decision.status())
            .append(",\"reasons\":[");
    for (int i = 0; i < decision.reasons().size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      JsonStrings.append(decision.reasons().get(i), json);
    }
    json.append("],\"message\":");
    JsonStrings.append(decision.message(), json);
    json.append(",\"errors\":[{\"msg\":");
    JsonStrings.append(
        ERROR_PREFIX + decision.message() + " (" + String.join(", ", decision.reasons()) + ")",
        json);
    return json.append("}]}").toString();
  }

  /** One response header. */
  public record Header(String name, String value) {}

  /**
   * The headers of a denied response other than {@code Content-Type}, {@code Content-Length} and
   * {@code Connection}: {@code Cache-Control: no-store}, the challenges on a 401, and {@code
   * Retry-After} in whole seconds (rounded up) when the decision carries one.
   */
  public static List<Header> headers(Decision decision) {
    List<Header> headers = new ArrayList<>(4);
    headers.add(new Header("Cache-Control", "no-store"));
    for (String challenge : challenges(decision)) {
      headers.add(new Header("WWW-Authenticate", challenge));
    }
    if (!decision.retryAfter().isZero()) {
      long seconds =
          decision.retryAfter().getSeconds() + (decision.retryAfter().getNano() > 0 ? 1 : 0);
      headers.add(new Header("Retry-After", Long.toString(seconds)));
    }
    return List.copyOf(headers);
  }

  /**
   * The {@code WWW-Authenticate} values for the decision: on a 401, both schemes the credential
   * parser reads, Basic and Bearer, in the decision's {@link Decision#realm() realm}; none
   * otherwise.
   */
  public static List<String> challenges(Decision decision) {
    if (decision.status() != 401) {
      return List.of();
    }
    String realm = decision.realm();
    return List.of(
        "Basic realm=\"" + realm + "\", charset=\"UTF-8\"", "Bearer realm=\"" + realm + "\"");
  }
}
