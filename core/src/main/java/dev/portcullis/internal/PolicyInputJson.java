package dev.portcullis.internal;

import dev.portcullis.PolicyInput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Writes a {@link PolicyInput} as the policy input JSON document. This is the one place that
 * defines the document's shape; the golden file {@code policy-input-golden.json}, which the Rego
 * tests load too, pins it:
 *
 * <pre>{@code
 * {"request": {"method", "path", "path_segments", "query": {name: [values]}, "headers": {name: value},
 *              "header_names": [...], "content_length" (only when declared),
 *              "body": {"present", "chunked", "media_type"}},
 *  "client": {"ip"},
 *  "credential": {"present", "scheme", "kind", "valid", "verifier"}}
 * }</pre>
 *
 * <p>Hand-written rather than data-bound because it runs on every request and the shape is small
 * and fixed. {@link PolicyInput#toJson()} is the public way to it.
 *
 * <p>Not for public use. Thread-safe: stateless.
 */
public final class PolicyInputJson {

  private static final UnaryOperator<String> UNCHANGED = text -> text;

  /** What a redacted parameter value is written as. */
  public static final String REDACTED = "[redacted]";

  private PolicyInputJson() {}

  /** The input document for one request. */
  public static String write(PolicyInput input) {
    return write(input, name -> false, UNCHANGED);
  }

  /**
   * The input document for a log, never for the policy: every value of the query parameters {@code
   * redacted} names replaced by {@value #REDACTED}, and the path, its segments, the other query
   * values and the header values passed through {@code scrub}.
   */
  public static String write(
      PolicyInput input, Predicate<String> redacted, UnaryOperator<String> scrub) {
    StringBuilder out = new StringBuilder(512);
    PolicyInput.Request request = input.request();
    out.append("{\"request\":{\"method\":");
    JsonStrings.append(request.method(), out);
    out.append(",\"path\":");
    JsonStrings.append(scrub.apply(request.path()), out);
    out.append(",\"path_segments\":");
    strings(scrubbed(request.pathSegments(), scrub), out);
    out.append(",\"query\":{");
    boolean first = true;
    for (Map.Entry<String, List<String>> parameter : request.query().entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      JsonStrings.append(parameter.getKey(), out);
      out.append(':');
      strings(
          redacted.test(parameter.getKey())
              ? Collections.nCopies(parameter.getValue().size(), REDACTED)
              : scrubbed(parameter.getValue(), scrub),
          out);
    }
    out.append("},\"headers\":{");
    first = true;
    for (Map.Entry<String, String> header : request.headers().entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      JsonStrings.append(header.getKey(), out);
      out.append(':');
      JsonStrings.append(scrub.apply(header.getValue()), out);
    }
    out.append("},\"header_names\":");
    strings(request.headerNames(), out);
    if (request.contentLength() != PolicyInput.NO_CONTENT_LENGTH) {
      out.append(",\"content_length\":").append(request.contentLength());
    }
    PolicyInput.Body body = request.body();
    out.append(",\"body\":{\"present\":").append(body.present());
    out.append(",\"chunked\":").append(body.chunked());
    out.append(",\"media_type\":");
    JsonStrings.append(body.mediaType(), out);
    out.append('}');
    out.append("},\"client\":{\"ip\":");
    JsonStrings.append(input.client().ip(), out);
    PolicyInput.CredentialSummary credential = input.credential();
    out.append("},\"credential\":{\"present\":").append(credential.present());
    out.append(",\"scheme\":");
    JsonStrings.append(credential.scheme().wireName(), out);
    out.append(",\"kind\":");
    JsonStrings.append(credential.kind().wireName(), out);
    out.append(",\"valid\":");
    JsonStrings.append(credential.validity().wireName(), out);
    out.append(",\"verifier\":");
    JsonStrings.append(credential.verifier(), out);
    out.append("}}");
    return out.toString();
  }

  private static List<String> scrubbed(List<String> values, UnaryOperator<String> scrub) {
    if (scrub == UNCHANGED) {
      return values;
    }
    List<String> out = new ArrayList<>(values.size());
    for (String value : values) {
      out.add(scrub.apply(value));
    }
    return out;
  }

  private static void strings(List<String> values, StringBuilder out) {
    out.append('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      JsonStrings.append(values.get(i), out);
    }
    out.append(']');
  }
}
