package dev.portcullis;

import dev.portcullis.internal.JsonStrings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole response to a denied request, built once here so that every adapter answers alike: the
 * decision's status, every header, and the body bytes. An adapter only writes it, in order.
 *
 * <p>The body is {@link #json(Decision) a small JSON document} of the status, the reason codes and
 * the message, never a request value. The headers are {@code Content-Type}, {@code Content-Length},
 * {@code Cache-Control: no-store}, the {@code WWW-Authenticate} challenges on a 401, {@code
 * Retry-After} when the decision carries one, and {@code Connection} when the adapter asks for it
 * ({@link #withConnection}).
 *
 * <p>Immutable and thread-safe.
 */
public final class DeniedResponse {

  /** The content type of the body. */
  public static final String CONTENT_TYPE = "application/json";

  /** What a deny's scanner-visible message starts with, so a pipeline log says who refused. */
  public static final String ERROR_PREFIX = "Portcullis gateway: ";

  private final int status;
  private final List<Header> headers;
  private final byte[] body;

  private DeniedResponse(int status, List<Header> headers, byte[] body) {
    this.status = status;
    this.headers = List.copyOf(headers);
    this.body = body;
  }

  /** The response to {@code decision}, which must be a deny. */
  public static DeniedResponse of(Decision decision) {
    if (decision.allow()) {
      throw new IllegalArgumentException("an allow has no denied response");
    }
    byte[] body = json(decision).getBytes(StandardCharsets.UTF_8);
    List<Header> headers = new ArrayList<>(6);
    headers.add(new Header("Content-Type", CONTENT_TYPE));
    headers.add(new Header("Content-Length", Integer.toString(body.length)));
    headers.add(new Header("Cache-Control", "no-store"));
    for (String challenge : challenges(decision)) {
      headers.add(new Header("WWW-Authenticate", challenge));
    }
    if (!decision.retryAfter().isZero()) {
      long seconds =
          decision.retryAfter().getSeconds() + (decision.retryAfter().getNano() > 0 ? 1 : 0);
      headers.add(new Header("Retry-After", Long.toString(seconds)));
    }
    return new DeniedResponse(decision.status(), headers, body);
  }

  /**
   * This response with a {@code Connection} header: {@code close} when the adapter ends the
   * connection after it (the body was left unread, or the framing is not trusted), {@code
   * keep-alive} for an HTTP/1.0 client whose connection stays open.
   */
  public DeniedResponse withConnection(String value) {
    if (!value.equals("close") && !value.equals("keep-alive")) {
      throw new IllegalArgumentException("Connection is close or keep-alive");
    }
    List<Header> withConnection = new ArrayList<>(headers);
    withConnection.add(new Header("Connection", value));
    return new DeniedResponse(status, withConnection, body);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** Every header, in the order to write them; names may repeat ({@code WWW-Authenticate}). */
  public List<Header> headers() {
    return headers;
  }

  /** The body bytes (a copy), as long as the {@code Content-Length} header says. */
  public byte[] body() {
    return body.clone();
  }

  /** The body as text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** One response header. */
  public record Header(String name, String value) {}

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
