package dev.portcullis.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import dev.portcullis.testkit.FakeSonarQube;
import dev.portcullis.testkit.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The test kit's {@link FakeSonarQube} as the gateway tests run it: {@link #GOOD_TOKEN} is valid,
 * every other credential {@code {"valid":false}}, and just enough of SonarQube's surface to test
 * proxying: a large plugin download, an upload that answers its digest, a slow task and an echo of
 * everything else.
 */
public final class GatewaySonarQube {

  /** The one token the fake accepts. */
  public static final String GOOD_TOKEN = "sqp_1111111111111111111111111111111111111111";

  /** The size of every plugin download, as large as SonarQube's biggest plugins. */
  public static final long PLUGIN_BYTES = 50L * 1024 * 1024;

  private GatewaySonarQube() {}

  /** Starts a fake at the root path. */
  public static FakeSonarQube start() throws IOException {
    return FakeSonarQube.builder()
        .reply(GOOD_TOKEN + ":", FakeSonarQube.Reply.VALID)
        .route("/api/plugins/download", GatewaySonarQube::download)
        .route("/api/ce/submit", GatewaySonarQube::submit)
        .route("/api/ce/task", GatewaySonarQube::slowTask)
        .otherRoutes(GatewaySonarQube::echo)
        .start();
  }

  /** {@code "<length> <sha-256 hex>"} of {@code in}, read to its end: what the upload answers. */
  public static String digest(InputStream in) throws IOException {
    Payload.Digest digest = Payload.digest(in);
    return digest.bytes() + " " + digest.sha256();
  }

  /** {@link #PLUGIN_BYTES} of {@link PatternStream}, with SonarQube's download headers. */
  private static void download(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().add("Sonar-MD5", "d41d8cd98f00b204e9800998ecf8427e");
    exchange.getResponseHeaders().add("Content-Type", "application/java-archive");
    exchange.sendResponseHeaders(200, PLUGIN_BYTES);
    try (OutputStream out = exchange.getResponseBody()) {
      new PatternStream(PLUGIN_BYTES).transferTo(out);
    }
  }

  private static void submit(HttpExchange exchange) throws IOException {
    respond(exchange, digest(exchange.getRequestBody()), "text/plain");
  }

  /** Answers after 3 seconds, longer than the gateways' shortest timeouts in the tests. */
  private static void slowTask(HttpExchange exchange) throws IOException {
    try {
      Thread.sleep(3_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    respond(exchange, "{}", "application/json");
  }

  private static void echo(HttpExchange exchange) throws IOException {
    String query = exchange.getRequestURI().getRawQuery();
    respond(
        exchange,
        "echo "
            + exchange.getRequestMethod()
            + " "
            + exchange.getRequestURI().getRawPath()
            + (query == null ? "" : "?" + query),
        "text/plain");
  }

  private static void respond(HttpExchange exchange, String body, String type) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
