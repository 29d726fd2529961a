package dev.portcullis.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The admin listener: {@code /health/live}, {@code /health/ready} and {@code /metrics} on an
 * address of its own. The JDK's HTTP server, so both gateways share it whatever they run on, it
 * needs no dependency, and it is a socket and a thread apart from the proxied port: nothing sent to
 * the proxy can reach it, the policy never judges it, and a scrape never runs on an event loop.
 */
final class AdminServer implements AutoCloseable {

  private static final String JSON = "application/json";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private AdminServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Listens on {@code address} and serves the probes and, with a registry, the metrics.
   *
   * @param metrics the registry to scrape, or {@code null} for no {@code /metrics}
   */
  static AdminServer start(
      InetSocketAddress address, Readiness readiness, PrometheusMeterRegistry metrics)
      throws IOException {
    InetSocketAddress bindTo = new InetSocketAddress(address.getHostString(), address.getPort());
    HttpServer server;
    try {
      server = HttpServer.create(bindTo, 16);
    } catch (IOException e) {
      throw new IOException(
          "--admin-listen "
              + address.getHostString()
              + ":"
              + address.getPort()
              + ": cannot listen ("
              + e.getMessage()
              + ")",
          e);
    }
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-admin");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.createContext(
        "/", exchange -> answer(exchange, 404, JSON, () -> "{\"status\":\"not_found\"}"));
    server.createContext(
        "/health/live", exchange -> answer(exchange, 200, JSON, () -> "{\"status\":\"live\"}"));
    server.createContext(
        "/health/ready",
        exchange -> answer(exchange, readiness.ready() ? 200 : 503, JSON, readiness::json));
    if (metrics != null) {
      server.createContext(
          "/metrics", exchange -> answer(exchange, 200, PROMETHEUS_TEXT, metrics::scrape));
    }
    server.start();
    return new AdminServer(server, executor);
  }

  /** Where it listens, with the actual port. */
  URI uri() {
    InetSocketAddress bound = server.getAddress();
    String host = bound.getAddress().getHostAddress();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
  }

  private static void answer(
      HttpExchange exchange, int status, String contentType, Supplier<String> body)
      throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      boolean exact =
          exchange.getHttpContext().getPath().equals("/")
              || exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath());
      if (!exact) {
        status = 404;
        body = () -> "{\"status\":\"not_found\"}";
        contentType = JSON;
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        status = 405;
        body = () -> "{\"status\":\"method_not_allowed\"}";
        contentType = JSON;
      }
      byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
