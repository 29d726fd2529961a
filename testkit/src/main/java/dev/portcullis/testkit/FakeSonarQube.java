package dev.portcullis.testkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 (the JDK's {@code com.sun.net.httpserver}) that plays SonarQube
 * for credential verification and proxying tests. {@code GET <context
 * path>/api/authentication/validate} decodes the Basic credential, counts calls per credential and
 * answers the {@link Reply} configured for it; every other request goes to the extra routes a test
 * added, or gets 404.
 *
 * <p>Credentials it was not told about, and an {@code Authorization} header that is not exactly one
 * well-formed Basic credential, get {@code 200 {"valid":false}} unless configured otherwise: that
 * is what SonarQube answers with "force user authentication" on ({@code ValidateAction} catches the
 * {@code AuthenticationException} of a bad or unknown credential and reports {@code valid:false};
 * the URL is among {@code UserSessionInitializer.SKIPPED_URLS}, so no 401 comes first). Malformed
 * headers are also recorded in {@link #malformedAuthorizations()}.
 *
 * <p>It records every request: its line ({@link #received()}), the headers of the latest request to
 * each path ({@link #headers(String)}), and whether it asked to switch protocols ({@link
 * #protocolSwitches()}). Thread-safe.
 */
public final class FakeSonarQube implements AutoCloseable {

  /** The validation endpoint, below the context path. */
  public static final String VALIDATE_PATH = "/api/authentication/validate";

  /**
   * What the fake answers to one validation.
   *
   * @param status the HTTP status
   * @param body the body, sent as {@code application/json}
   * @param held whether to wait for {@link #release()} before answering
   * @param stallBody whether to send the headers and half the body, then wait for {@link
   *     #release()}
   * @param location the {@code Location} header, or null
   */
  public record Reply(int status, String body, boolean held, boolean stallBody, String location) {

    /** {@code 200 {"valid":true}}. */
    public static final Reply VALID = json("{\"valid\":true}");

    /** {@code 200 {"valid":false}}, SonarQube's answer to a credential it does not accept. */
    public static final Reply INVALID = json("{\"valid\":false}");

    /** {@code 401} with SonarQube's error body. */
    public static final Reply UNAUTHORIZED =
        new Reply(401, "{\"errors\":[{\"msg\":\"Unauthorized\"}]}", false, false, null);

    /** {@code 400} without a body. */
    public static final Reply BAD_REQUEST = new Reply(400, "", false, false, null);

    /** {@code 500} with an error body. */
    public static final Reply SERVER_ERROR =
        new Reply(500, "{\"errors\":[{\"msg\":\"boom\"}]}", false, false, null);

    /** Waits for {@link #release()} before answering valid. */
    public static final Reply HELD = new Reply(200, "{\"valid\":true}", true, false, null);

    /** Sends the headers and part of a valid answer, then waits for {@link #release()}. */
    public static final Reply STALLED_BODY = new Reply(200, "{\"valid\":true}", false, true, null);

    /** {@code 200} with {@code body}, whatever it is. */
    public static Reply json(String body) {
      return new Reply(200, body, false, false, null);
    }

    /** {@code 302} to {@code location}. */
    public static Reply redirect(String location) {
      return new Reply(302, "", false, false, location);
    }
  }

  private final String contextPath;
  private final Reply unknownCredentials;
  private final Reply malformedAuthorization;
  private final Map<String, HttpHandler> routes;
  private final HttpHandler otherRoutes;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Reply> replies = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicInteger totalCalls = new AtomicInteger();
  private final AtomicInteger validations = new AtomicInteger();
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, List<String>>> headersByPath = new ConcurrentHashMap<>();
  private final List<String> malformedAuthorizations = new CopyOnWriteArrayList<>();
  private final List<String> protocolSwitches = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch firstCall = new CountDownLatch(1);

  private FakeSonarQube(Builder builder) throws IOException {
    contextPath = builder.contextPath;
    unknownCredentials = builder.unknownCredentials;
    malformedAuthorization = builder.malformedAuthorization;
    routes = Map.copyOf(builder.routes);
    otherRoutes = builder.otherRoutes;
    replies.putAll(builder.replies);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A fake at the root path that knows no credentials and has no extra routes. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link FakeSonarQube} before it starts. */
  public static final class Builder {

    private String contextPath = "";
    private Reply unknownCredentials = Reply.INVALID;
    private Reply malformedAuthorization = Reply.INVALID;
    private final Map<String, Reply> replies = new LinkedHashMap<>();
    private final Map<String, HttpHandler> routes = new LinkedHashMap<>();
    private HttpHandler otherRoutes = FakeSonarQube::notFound;

    private Builder() {}

    /** Serves SonarQube under {@code path}, such as {@code "/sonar"} (default: the root). */
    public Builder contextPath(String path) {
      if (!path.isEmpty() && (!path.startsWith("/") || path.endsWith("/"))) {
        throw new IllegalArgumentException("a context path is empty or /name: " + path);
      }
      this.contextPath = path;
      return this;
    }

    /** Answers {@code reply} to the Basic credential {@code userColonPassword}. */
    public Builder reply(String userColonPassword, Reply reply) {
      replies.put(userColonPassword, Objects.requireNonNull(reply));
      return this;
    }

    /** What credentials without a {@link #reply} get (default {@link Reply#INVALID}). */
    public Builder unknownCredentials(Reply reply) {
      this.unknownCredentials = Objects.requireNonNull(reply);
      return this;
    }

    /**
     * What a validation without exactly one well-formed Basic {@code Authorization} header gets
     * (default {@link Reply#INVALID}).
     */
    public Builder malformedAuthorization(Reply reply) {
      this.malformedAuthorization = Objects.requireNonNull(reply);
      return this;
    }

    /** Serves the raw path {@code path} (exactly, query aside) with {@code handler}. */
    public Builder route(String path, HttpHandler handler) {
      routes.put(path, Objects.requireNonNull(handler));
      return this;
    }

    /** Serves every request no route takes with {@code handler} (default: 404). */
    public Builder otherRoutes(HttpHandler handler) {
      this.otherRoutes = Objects.requireNonNull(handler);
      return this;
    }

    /** Starts the fake on a free loopback port. */
    public FakeSonarQube start() throws IOException {
      return new FakeSonarQube(this);
    }
  }

  /**
   * Answers {@code reply} to the Basic credential {@code userColonPassword}, such as {@code
   * "sqp_x:"}, from now on.
   */
  public FakeSonarQube reply(String userColonPassword, Reply reply) {
    replies.put(userColonPassword, Objects.requireNonNull(reply));
    return this;
  }

  /** {@code http://127.0.0.1:<port><context path>}: what a verifier or gateway is given. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + contextPath);
  }

  /** How many validations carried the Basic credential {@code userColonPassword}. */
  public int calls(String userColonPassword) {
    AtomicInteger count = calls.get(userColonPassword);
    return count == null ? 0 : count.get();
  }

  /** How many requests arrived, on any path. */
  public int totalCalls() {
    return totalCalls.get();
  }

  /** How many validation requests arrived, malformed ones included. */
  public int validations() {
    return validations.get();
  }

  /** {@code METHOD PATH[?QUERY]} of every request, raw, in the order they arrived. */
  public List<String> received() {
    return List.copyOf(received);
  }

  /**
   * The headers of the latest request to the raw path {@code path}, named as the JDK server
   * normalises them (first letter upper case, the rest lower case: {@code "X-forwarded-for"}); null
   * when none arrived.
   */
  public Map<String, List<String>> headers(String path) {
    return headersByPath.get(path);
  }

  /**
   * Requests that were not plain HTTP/1.1 or asked to switch protocols (such as {@code Upgrade:
   * h2c}).
   */
  public List<String> protocolSwitches() {
    return List.copyOf(protocolSwitches);
  }

  /** The {@code Authorization} values of validations that were not exactly one Basic credential. */
  public List<String> malformedAuthorizations() {
    return List.copyOf(malformedAuthorizations);
  }

  /** Lets held and stalled answers go. */
  public void release() {
    release.countDown();
  }

  /** Waits up to 10 seconds for the first request; whether it came. */
  public boolean awaitFirstCall() throws InterruptedException {
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
      record(exchange);
      String path = exchange.getRequestURI().getRawPath();
      if (exchange.getRequestMethod().equals("GET") && path.equals(contextPath + VALIDATE_PATH)) {
        validate(exchange);
      } else {
        routes.getOrDefault(path, otherRoutes).handle(exchange);
      }
    }
  }

  private void record(HttpExchange exchange) {
    totalCalls.incrementAndGet();
    firstCall.countDown();
    URI uri = exchange.getRequestURI();
    String query = uri.getRawQuery();
    received.add(
        exchange.getRequestMethod() + " " + uri.getRawPath() + (query == null ? "" : "?" + query));
    Headers headers = exchange.getRequestHeaders();
    headersByPath.put(uri.getRawPath(), Map.copyOf(headers));
    if (headers.containsKey("Upgrade") || !exchange.getProtocol().equals("HTTP/1.1")) {
      protocolSwitches.add(exchange.getProtocol() + " Upgrade=" + headers.get("Upgrade"));
    }
  }

  private void validate(HttpExchange exchange) throws IOException {
    validations.incrementAndGet();
    List<String> authorization = exchange.getRequestHeaders().get("Authorization");
    String userColonPassword =
        authorization == null || authorization.size() != 1
            ? null
            : decodeBasic(authorization.get(0));
    if (userColonPassword == null) {
      malformedAuthorizations.add(String.valueOf(authorization));
      answer(exchange, malformedAuthorization);
      return;
    }
    calls.computeIfAbsent(userColonPassword, k -> new AtomicInteger()).incrementAndGet();
    answer(exchange, replies.getOrDefault(userColonPassword, unknownCredentials));
  }

  private void answer(HttpExchange exchange, Reply reply) throws IOException {
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

  private void awaitRelease() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code user:password} of a Basic header, or null unless it is one with a non-empty user. */
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

  private static void notFound(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(404, -1);
  }
}
