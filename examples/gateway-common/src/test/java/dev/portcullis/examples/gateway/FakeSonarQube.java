package dev.portcullis.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for SonarQube's HTTP surface, just enough to test the gateway's proxying: token
 * validation, an echo of what arrived, a large download, an upload digest and a slow answer.
 */
public final class FakeSonarQube implements AutoCloseable {

  public static final String GOOD_TOKEN = "sqp_1111111111111111111111111111111111111111";

  /** The size of every plugin download, as large as SonarQube's biggest plugins. */
  public static final long PLUGIN_BYTES = 50L * 1024 * 1024;

  private final HttpServer server;
  public final List<String> received = new CopyOnWriteArrayList<>();
  public final Map<String, Map<String, List<String>>> headersByPath = new ConcurrentHashMap<>();
  public final AtomicInteger validations = new AtomicInteger();

  public FakeSonarQube() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String query = exchange.getRequestURI().getRawQuery();
    received.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
    headersByPath.put(path, Map.copyOf(exchange.getRequestHeaders()));
    try (exchange) {
      switch (path) {
        case "/api/authentication/validate":
          validations.incrementAndGet();
          String expected =
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString((GOOD_TOKEN + ":").getBytes(StandardCharsets.UTF_8));
          boolean valid = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
          respond(exchange, 200, "{\"valid\":" + valid + "}", "application/json");
          break;
        case "/api/plugins/download":
          long size = PLUGIN_BYTES;
          exchange.getResponseHeaders().add("Sonar-MD5", "d41d8cd98f00b204e9800998ecf8427e");
          exchange.getResponseHeaders().add("Content-Type", "application/java-archive");
          exchange.sendResponseHeaders(200, size);
          try (OutputStream out = exchange.getResponseBody()) {
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += chunk.length) {
              fill(chunk, sent);
              out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
            }
          }
          break;
        case "/api/ce/submit":
          respond(exchange, 200, digest(exchange.getRequestBody()), "text/plain");
          break;
        case "/api/ce/task":
          sleep(3_000);
          respond(exchange, 200, "{}", "application/json");
          break;
        default:
          respond(
              exchange,
              200,
              "echo "
                  + exchange.getRequestMethod()
                  + " "
                  + path
                  + (query == null ? "" : "?" + query),
              "text/plain");
      }
    }
  }

  public static void fill(byte[] chunk, long offset) {
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) ((offset + i) * 31 % 251);
    }
  }

  public static String digest(InputStream in) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      for (int read; (read = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, read);
        total += read;
      }
      return total + " " + HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void respond(HttpExchange exchange, int status, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
