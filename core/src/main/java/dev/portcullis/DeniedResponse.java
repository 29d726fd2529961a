package dev.portcullis;

import java.util.List;

/**
 * What every adapter answers a denied request with, defined once: the JSON body and the
 * {@code WWW-Authenticate} challenges. The body holds the status, the reason codes and the message,
 * never a request value.
 *
 * <p>Thread-safe: stateless.
 */
public final class DeniedResponse {

  /** The content type of {@link #json}. */
  public static final String CONTENT_TYPE = "application/json";

  private static final List<String> CHALLENGES =
      List.of("Basic realm=\"SonarQube\", charset=\"UTF-8\"", "Bearer realm=\"SonarQube\"");

  private DeniedResponse() {}

  /** {@code {"status":403,"reasons":["user_directory"],"message":"..."}}. */
  public static String json(Decision decision) {
    StringBuilder json = new StringBuilder(96).append("{\"status\":").append(decision.status()).append(",\"reasons\":[");
    for (int i = 0; i < decision.reasons().size(); i++) {
      if (i > 0) {
        json.append(',');
      }
      PolicyInputJson.string(decision.reasons().get(i), json);
    }
    json.append("],\"message\":");
    PolicyInputJson.string(decision.message(), json);
    return json.append('}').toString();
  }

  /** The {@code WWW-Authenticate} values for the decision: both schemes scanners use on a 401, none otherwise. */
  public static List<String> challenges(Decision decision) {
    return decision.status() == 401 ? CHALLENGES : List.of();
  }
}
