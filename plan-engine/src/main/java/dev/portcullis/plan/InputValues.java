package dev.portcullis.plan;

import dev.portcullis.PolicyInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policy input document as values, the same document {@code PolicyInputJson} writes as JSON
 * (same members, same conditions), without going through text. Thread-safe: stateless.
 */
final class InputValues {

  private InputValues() {}

  static Object of(PolicyInput input) {
    PolicyInput.Request request = input.request();
    TreeMap<Object, Object> r = Values.newObject();
    r.put("method", request.method());
    r.put("path", request.path());
    r.put("path_segments", strings(request.pathSegments()));
    TreeMap<Object, Object> query = Values.newObject();
    for (Map.Entry<String, List<String>> parameter : request.query().entrySet()) {
      query.put(parameter.getKey(), strings(parameter.getValue()));
    }
    r.put("query", query);
    TreeMap<Object, Object> headers = Values.newObject();
    headers.putAll(request.headers());
    r.put("headers", headers);
    r.put("header_names", strings(request.headerNames()));
    if (request.contentLength() != PolicyInput.NO_CONTENT_LENGTH) {
      r.put("content_length", request.contentLength());
    }
    PolicyInput.Body body = request.body();
    TreeMap<Object, Object> b = Values.newObject();
    b.put("present", body.present());
    b.put("chunked", body.chunked());
    b.put("media_type", body.mediaType());
    r.put("body", b);

    TreeMap<Object, Object> client = Values.newObject();
    client.put("ip", input.client().ip());

    PolicyInput.CredentialSummary credential = input.credential();
    TreeMap<Object, Object> c = Values.newObject();
    c.put("present", credential.present());
    c.put("scheme", credential.scheme().wireName());
    c.put("kind", credential.kind().wireName());
    c.put("valid", credential.validity().wireName());
    c.put("verifier", credential.verifier());

    TreeMap<Object, Object> document = Values.newObject();
    document.put("request", r);
    document.put("client", client);
    document.put("credential", c);
    return document;
  }

  private static List<Object> strings(List<String> values) {
    return new ArrayList<>(values);
  }
}
