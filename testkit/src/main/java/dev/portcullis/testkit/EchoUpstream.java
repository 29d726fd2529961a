package dev.portcullis.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream of the conformance suite. {@code GET /allowed/download?bytes=N} streams {@code N}
 * {@link Payload} bytes; every other request is answered with a JSON report of what arrived: the
 * method, the target, the {@link #ECHOED_HEADERS} and the length and SHA-256 of the body, which it
 * streams through without keeping it.
 *
 * <p>Thread-safe. Counts the requests that reached it, so a test can prove that a denied request
 * never did.
 */
public final class EchoUpstream implements UpstreamHandler {

  /** The headers the report repeats, lower-case. */
  public static final List<String> ECHOED_HEADERS =
      List.of("authorization", "content-type", "content-length", "x-portcullis-test");

  static final String DOWNLOAD_PATH = "/allowed/download";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger wholeBodies = new AtomicInteger();

  @Override
  public void handle(Exchange exchange) throws IOException {
    calls.incrementAndGet();
    String target = exchange.target();
    int questionMark = target.indexOf('?');
    String path = questionMark < 0 ? target : target.substring(0, questionMark);
    if (path.equals(DOWNLOAD_PATH)) {
      download(exchange, questionMark < 0 ? "" : target.substring(questionMark + 1));
      return;
    }
    Payload.Digest body = Payload.digest(exchange.requestBody());
    wholeBodies.incrementAndGet();
    ObjectNode report = JSON.createObjectNode();
    report.put("method", exchange.method());
    report.put("target", target);
    ObjectNode headers = report.putObject("headers");
    for (String name : ECHOED_HEADERS) {
      List<String> values = exchange.headerValues(name);
      if (!values.isEmpty()) {
        ArrayNode array = headers.putArray(name);
        values.forEach(array::add);
      }
    }
    report.put("body_bytes", body.bytes());
    report.put("body_sha256", body.sha256());
    byte[] json = JSON.writeValueAsBytes(report);
    try (OutputStream out = exchange.respond(200, "application/json", json.length)) {
      out.write(json);
    }
  }

  private static void download(Exchange exchange, String query) throws IOException {
    if (!query.startsWith("bytes=")) {
      exchange.respond(400, "text/plain", 0).close();
      return;
    }
    long size = Long.parseLong(query.substring("bytes=".length()));
    try (OutputStream out = exchange.respond(200, "application/octet-stream", size)) {
      Payload.stream(size).transferTo(out);
    }
  }

  /** How many requests reached this upstream since the last {@link #reset()}. */
  public int calls() {
    return calls.get();
  }

  /**
   * How many requests' bodies this upstream read to their end since the last {@link #reset()}; a
   * body the adapter cut short is not counted.
   */
  public int wholeBodies() {
    return wholeBodies.get();
  }

  /** Starts counting from zero. */
  public void reset() {
    calls.set(0);
    wholeBodies.set(0);
  }
}
