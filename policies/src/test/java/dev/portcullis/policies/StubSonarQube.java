package dev.portcullis.policies;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 that plays SonarQube's {@code /api/authentication/validate} under
 * the context path {@code /sonar}: it decodes the Basic credential, counts calls per credential and
 * answers what the test configured for it (401 for credentials it does not know, like SonarQube
 * with "force user authentication" on). A request without exactly one Basic {@code Authorization}
 * header gets 400 and is recorded in {@link #malformedAuthorizations()}.
 */
final class StubSonarQube implements AutoCloseable {

  static final String CONTEXT = "/sonar";

  /** What the stub answers for one credential. */
  record Reply(int status, String body, boolean held, boolean stallBody, String location) {
    static final Reply VALID = json("{\"valid\":true}");
    static final Reply INVALID = json("{\"valid\":false}");
    static final Reply UNAUTHORIZED =
        new Reply(401, "{\"errors\":[{\"msg\":\"Unauthorized\"}]}", false, false, null);
    static final Reply SERVER_ERROR =
        new Reply(500, "{\"errors\":[{\"msg\":\"boom\"}]}", false, false, null);

    /** Waits for {@link #release()} before answering valid. */
    static final Reply HELD = new Reply(200, "{\"valid\":true}", true, false, null);

    /** Sends the headers and part of the body, then waits for {@link #release()}. */
    static final Reply STALLED_BODY = new Reply(200, "{\"valid\":true}", false, true, null);

    static Reply json(String body) {
      return new Reply(200, body, false, false, null);
    }

    static Reply redirect(String location) {
      return new Reply(302, "", false, false, location);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Reply> replies = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicInteger totalCalls = new AtomicInteger();
  private final List<String> malformedAuthorizations = new CopyOnWriteArrayList<>();
  private final List<String> protocolSwitches = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch firstCall = new CountDownLatch(1);

  StubSonarQube() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Answers {@code reply} to the Basic credential {@code userColonPassword}, such as {@code
   * "sqp_x:"}.
   */
  StubSonarQube reply(String userColonPassword, Reply reply) {
    replies.put(userColonPassword, reply);
    return this;
  }

  URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + CONTEXT);
  }

  int calls(String userColonPassword) {
    AtomicInteger count = calls.get(userColonPassword);
    return count == null ? 0 : count.get();
  }

  int totalCalls() {
    return totalCalls.get();
  }

  /**
   * Requests that were not plain HTTP/1.1 or asked to switch protocols (such as {@code Upgrade:
   * h2c}).
   */
  List<String> protocolSwitches() {
    return List.copyOf(protocolSwitches);
  }

  List<String> malformedAuthorizations() {
    return List.copyOf(malformedAuthorizations);
  }

  /** Lets held answers go. */
  void release() {
    release.countDown();
  }

  boolean awaitFirstCall() throws InterruptedException {
    return firstCall.await(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      totalCalls.incrementAndGet();
      firstCall.countDown();
      if (exchange.getRequestHeaders().containsKey("Upgrade")
          || !exchange.getProtocol().equals("HTTP/1.1")) {
        protocolSwitches.add(
            exchange.getProtocol() + " Upgrade=" + exchange.getRequestHeaders().get("Upgrade"));
      }
      String path = exchange.getRequestURI().getRawPath();
      if (!exchange.getRequestMethod().equals("GET")
          || !path.equals(CONTEXT + "/api/authentication/validate")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      List<String> authorization = exchange.getRequestHeaders().get("Authorization");
      String userColonPassword =
          authorization == null || authorization.size() != 1
              ? null
              : decodeBasic(authorization.get(0));
      if (userColonPassword == null) {
        malformedAuthorizations.add(String.valueOf(authorization));
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      calls.computeIfAbsent(userColonPassword, k -> new AtomicInteger()).incrementAndGet();
      Reply reply = replies.getOrDefault(userColonPassword, Reply.UNAUTHORIZED);
      if (reply.held()) {
        awaitRelease();
      }
      if (reply.location() != null) {
        exchange.getResponseHeaders().add("Location", reply.location());
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      if (reply.stallBody()) {
        exchange.sendResponseHeaders(reply.status(), 0);
        OutputStream out = exchange.getResponseBody();
        out.write(body, 0, body.length / 2);
        out.flush();
        awaitRelease();
        out.write(body, body.length / 2, body.length - body.length / 2);
        return;
      }
      exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        exchange.getResponseBody().write(body);
      }
    }
  }

  private void awaitRelease() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String decodeBasic(String header) {
    if (!header.startsWith("Basic ")) {
      return null;
    }
    try {
      String decoded =
          new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
      return decoded.indexOf(':') > 0 ? decoded : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
