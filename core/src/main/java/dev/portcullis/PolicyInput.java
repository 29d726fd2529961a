package dev.portcullis;

import dev.portcullis.credential.Credential;
import dev.portcullis.credential.CredentialKind;
import dev.portcullis.credential.CredentialScheme;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.internal.PolicyInputJson;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything a policy sees about one request: the canonical request, the client and a summary of
 * the credential. Secrets never enter it. {@link #toJson()} writes it as the documented JSON input
 * document ({@code input.request}, {@code input.client}, {@code input.credential}).
 *
 * @param request the canonical request
 * @param client who sent it
 * @param credential what credential it carried and whether that was verified
 */
public record PolicyInput(Request request, Client client, CredentialSummary credential) {

  public PolicyInput {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(credential, "credential");
  }

  /** Marks a request that declares no {@code Content-Length}. */
  public static final long NO_CONTENT_LENGTH = -1;

  /**
   * This input as the JSON document a policy reads, exactly as the engine hands it over:
   *
   * <pre>{@code
   * {"request": {"method", "path", "path_segments", "query": {name: [values]}, "headers": {name: value},
   *              "header_names": [...], "content_length" (only when declared),
   *              "body": {"present", "chunked", "media_type"}},
   *  "client": {"ip"},
   *  "credential": {"present", "scheme", "kind", "valid", "verifier"}}
   * }</pre>
   *
   * The golden file {@code policy-input-golden.json}, which the Rego tests load too, pins this
   * shape.
   */
  public String toJson() {
    return PolicyInputJson.write(this);
  }

  /**
   * The canonical request.
   *
   * @param method the method as sent, such as {@code GET}
   * @param path the decoded canonical path
   * @param pathSegments the decoded path segments
   * @param query decoded parameter names to values, in order
   * @param headers selected headers, lower-case names to values; never credentials
   * @param headerNames the lower-case names of all headers present, sorted, without values
   * @param contentLength the declared body length, or {@link #NO_CONTENT_LENGTH}
   * @param body whether a body follows the headers and of what media type
   */
  public record Request(
      String method,
      String path,
      List<String> pathSegments,
      Map<String, List<String>> query,
      Map<String, String> headers,
      List<String> headerNames,
      long contentLength,
      Body body) {

    public Request {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      pathSegments = List.copyOf(pathSegments);
      Map<String, List<String>> queryCopy = new LinkedHashMap<>();
      query.forEach((name, values) -> queryCopy.put(name, List.copyOf(values)));
      query = Collections.unmodifiableMap(queryCopy);
      headers = Collections.unmodifiableMap(new TreeMap<>(headers));
      headerNames = List.copyOf(headerNames);
      if (contentLength < NO_CONTENT_LENGTH) {
        throw new IllegalArgumentException("contentLength must be >= 0 or NO_CONTENT_LENGTH");
      }
      Objects.requireNonNull(body, "body");
    }

    /**
     * A request whose body is described by its declared length and selected {@code content-type}
     * alone: a body follows when the length is positive. For callers that build inputs by hand; the
     * enforcer also knows about chunked bodies.
     */
    public Request(
        String method,
        String path,
        List<String> pathSegments,
        Map<String, List<String>> query,
        Map<String, String> headers,
        List<String> headerNames,
        long contentLength) {
      this(
          method,
          path,
          pathSegments,
          query,
          headers,
          headerNames,
          contentLength,
          Body.of(contentLength > 0, false, headers.getOrDefault("content-type", "")));
    }

    /** A request built from a canonical target; see the seven-argument constructor for its body. */
    public static Request of(
        String method,
        CanonicalTarget target,
        Map<String, String> headers,
        List<String> headerNames,
        long contentLength) {
      return new Request(
          method,
          target.path(),
          target.pathSegments(),
          target.query(),
          headers,
          headerNames,
          contentLength);
    }

    /** A request built from a canonical target with a described body. */
    public static Request of(
        String method,
        CanonicalTarget target,
        Map<String, String> headers,
        List<String> headerNames,
        long contentLength,
        Body body) {
      return new Request(
          method,
          target.path(),
          target.pathSegments(),
          target.query(),
          headers,
          headerNames,
          contentLength,
          body);
    }
  }

  /**
   * The request body as the upstream will see it, without its content. An upstream may read
   * parameters from a body (a servlet container parses {@code multipart/form-data} even on GET), so
   * a policy that judges parameters must judge whether a body may come at all.
   *
   * @param present whether a body follows the headers: a positive {@code Content-Length} or any
   *     {@code Transfer-Encoding}
   * @param chunked whether it is sent chunked, so its length is known only once it has streamed
   * @param mediaType the {@code Content-Type} without parameters, trimmed and lower-cased, such as
   *     {@code multipart/form-data}; "" when the request has none
   */
  public record Body(boolean present, boolean chunked, String mediaType) {

    /** No body and no content type. */
    public static final Body NONE = new Body(false, false, "");

    public Body {
      Objects.requireNonNull(mediaType, "mediaType");
      if (chunked && !present) {
        throw new IllegalArgumentException("a chunked body is present");
      }
    }

    /** A body description from a raw {@code Content-Type} value ("" when absent). */
    public static Body of(boolean present, boolean chunked, String contentType) {
      return new Body(present, chunked, mediaTypeOf(contentType));
    }

    /**
     * The media type of a {@code Content-Type} value: before any {@code ;}, trimmed, lower-cased.
     */
    public static String mediaTypeOf(String contentType) {
      int semicolon = contentType.indexOf(';');
      String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
      return type.strip().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The client.
   *
   * @param ip the client's IP address in its canonical text (see {@link
   *     dev.portcullis.client.IpAddress#text()})
   */
  public record Client(String ip) {
    public Client {
      Objects.requireNonNull(ip, "ip");
    }
  }

  /**
   * The credential without its secret.
   *
   * @param present whether the request carried a credential
   * @param scheme how it travelled
   * @param kind what kind it is
   * @param validity whether it was verified and how that came out
   * @param verifier who verified it: {@code none}, {@code asserted}, or a verifier's name
   */
  public record CredentialSummary(
      boolean present,
      CredentialScheme scheme,
      CredentialKind kind,
      CredentialValidity validity,
      String verifier) {

    /** The summary of a request without a credential. */
    public static final CredentialSummary NONE =
        new CredentialSummary(
            false, CredentialScheme.NONE, CredentialKind.NONE, CredentialValidity.UNKNOWN, "none");

    public CredentialSummary {
      Objects.requireNonNull(scheme, "scheme");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(validity, "validity");
      Objects.requireNonNull(verifier, "verifier");
    }

    /** The summary of a parsed credential and its verification. */
    public static CredentialSummary of(Credential credential, CredentialVerification verification) {
      if (!credential.present()) {
        return NONE;
      }
      return new CredentialSummary(
          true,
          credential.scheme(),
          credential.kind(),
          verification.validity(),
          verification.verifier());
    }
  }
}
