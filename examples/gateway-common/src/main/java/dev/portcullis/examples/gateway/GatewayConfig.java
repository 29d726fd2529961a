package dev.portcullis.examples.gateway;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.throttle.redis.RedisUrl;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything an example gateway needs to start. Build one with {@link #builder}.
 *
 * @param upstream SonarQube's origin, such as {@code http://127.0.0.1:9000}; a URL with a path,
 *     such as {@code http://127.0.0.1:9000/sonarqube}, is split into this origin and {@code
 *     contextPath}
 * @param listen where the gateway listens
 * @param policyData the policy data document (JSON) merged over the defaults, or {@code null}
 * @param credentialCheck how credentials are verified before the policy runs
 * @param tlsCertificate PEM certificate chain, or {@code null} for plain HTTP
 * @param tlsKey PEM PKCS#8 private key, or {@code null}
 * @param connectTimeout upstream connect timeout
 * @param idleTimeout longest silence on a client or upstream connection
 * @param upstreamTimeout longest time for one whole upstream exchange (report uploads and plugin
 *     downloads are large)
 * @param trustedProxies CIDR ranges of reverse proxies in front of the gateway whose {@code
 *     Forwarded} / {@code X-Forwarded-For} name the client; empty trusts nobody
 * @param maxFailedCredentials failed credentials a client IP may present per {@code failureWindow}
 *     before it gets 429; 0 turns throttling off
 * @param failureWindow the window failed credentials are counted in, also the longest cool-down
 * @param headerTimeout longest time from a connection's first byte of a request to the end of its
 *     headers; a client that trickles its headers is answered 408 (or closed) when it runs out
 * @param minBodyRate the slowest average a request body may stream at, in bytes per second,
 *     measured from the end of the headers and checked once the body has taken longer than {@code
 *     headerTimeout}; a slower client is closed so it cannot hold an upstream worker; 0 turns the
 *     check off
 * @param maxHeaderCount the most header fields a request may have before it gets 431
 * @param maxHeaderBytes the most header bytes (names, values, 4 per field) before 431
 * @param contextPath SonarQube's web context ({@code sonar.web.context}) from the upstream URL's
 *     path, such as {@code /sonarqube}, or "" when SonarQube serves at the root; clients address
 *     the gateway with the same path, and requests are forwarded with their path unchanged
 * @param throttleStore the Redis that gateway instances share their failed-credential counts in, or
 *     {@code null} to count in this process
 * @param operations the admin listener, decision log and report-only mode
 * @param planEngine whether the bundled policy runs on the plan engine ({@code --engine plan})
 *     instead of wasm
 * @param remoteOpa the OPA server that decides ({@code --engine remote=URL}), or {@code null} for
 *     the embedded policy; it holds its own policy and data, so no policy data, data file or shadow
 *     policy goes with it
 */
public record GatewayConfig(
    URI upstream,
    InetSocketAddress listen,
    String policyData,
    CredentialCheck credentialCheck,
    Path tlsCertificate,
    Path tlsKey,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration upstreamTimeout,
    List<String> trustedProxies,
    int maxFailedCredentials,
    Duration failureWindow,
    Duration headerTimeout,
    long minBodyRate,
    int maxHeaderCount,
    int maxHeaderBytes,
    String contextPath,
    RedisUrl throttleStore,
    OperationsConfig operations,
    RemoteOpa remoteOpa,
    boolean planEngine) {

  public GatewayConfig {
    Objects.requireNonNull(operations, "operations");
    trustedProxies = List.copyOf(trustedProxies);
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(credentialCheck, "credentialCheck");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    Objects.requireNonNull(failureWindow, "failureWindow");
    if (!"http".equals(upstream.getScheme()) && !"https".equals(upstream.getScheme())) {
      throw new IllegalArgumentException(
          "--upstream must be an http:// or https:// URL, not " + upstream);
    }
    if (upstream.getHost() == null
        || upstream.getRawQuery() != null
        || upstream.getRawFragment() != null
        || upstream.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "--upstream must be a URL such as http://127.0.0.1:9000 or, for SonarQube "
              + "under a context path, http://127.0.0.1:9000/sonarqube; no user, query or fragment");
    }
    if (contextPath == null || contextPath.isEmpty()) {
      contextPath = contextPathOf(upstream);
      upstream = originOf(upstream);
    }
    if ((tlsCertificate == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (maxFailedCredentials < 0) {
      throw new IllegalArgumentException("--max-failed-credentials must be 0 (off) or more");
    }
    if (failureWindow.isNegative() || failureWindow.isZero()) {
      throw new IllegalArgumentException("--failure-window must be positive");
    }
    positive(connectTimeout, "--connect-timeout");
    positive(idleTimeout, "--idle-timeout");
    positive(upstreamTimeout, "--upstream-timeout");
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    if (headerTimeout.isNegative() || headerTimeout.isZero()) {
      throw new IllegalArgumentException("--header-timeout must be positive");
    }
    if (minBodyRate < 0) {
      throw new IllegalArgumentException(
          "--min-body-rate must be 0 (off) or more bytes per second");
    }
    if (maxHeaderCount < 1 || maxHeaderBytes < 256) {
      throw new IllegalArgumentException(
          "--max-header-count must be at least 1 and --max-header-bytes at least 256");
    }
    if (remoteOpa != null
        && (policyData != null
            || operations.dataFile() != null
            || operations.shadowPolicy() != null
            || operations.policyFile() != null)) {
      throw new IllegalArgumentException(
          "--policy, --data and --shadow-policy are for the embedded engine; with --engine"
              + " remote=URL the OPA server holds the policy and its data");
    }
    if (planEngine && operations.policyFile() != null) {
      throw new IllegalArgumentException(
          "--engine plan runs the bundled policy's plan; a --policy bundle needs --engine embedded");
    }
  }

  /**
   * Checks, before a gateway reads them, that the TLS files exist and can be read, so that a
   * missing file is named as such rather than as a key in the wrong format.
   *
   * @throws IllegalArgumentException naming the option and the file
   */
  public void requireReadableTlsFiles() {
    requireReadable(tlsCertificate, "--tls-cert");
    requireReadable(tlsKey, "--tls-key");
  }

  private static void requireReadable(Path file, String option) {
    if (file == null) {
      return;
    }
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(option + " " + file + ": no such file");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(option + " " + file + ": not a readable file");
    }
  }

  private static void positive(Duration duration, String option) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(option + " must be positive, not " + duration);
    }
  }

  /**
   * The path of an upstream URL as a context path: "" for none or "/", else "/a/b" without a
   * trailing slash.
   */
  static String contextPathOf(URI upstream) {
    String path = upstream.getRawPath() == null ? "" : upstream.getRawPath().replaceAll("/+$", "");
    if (!path.isEmpty() && !path.matches("(/[A-Za-z0-9._~-]+)+")) {
      throw new IllegalArgumentException(
          "--upstream path must be a plain context path such as /sonarqube, not " + path);
    }
    return path;
  }

  private static URI originOf(URI upstream) {
    return URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority());
  }

  /**
   * SonarQube's root: the origin and its context path, such as {@code
   * http://127.0.0.1:9000/sonarqube}.
   */
  public URI sonarQubeRoot() {
    return URI.create(upstream + contextPath);
  }

  /**
   * Defaults for everything but the upstream: an ephemeral loopback port, SonarQube verification.
   */
  public static Builder builder(URI upstream) {
    return new Builder(upstream);
  }

  /** Whether the gateway serves HTTPS. */
  public boolean tls() {
    return tlsCertificate != null;
  }

  /**
   * The gateway's own URI once it listens on {@code boundPort} (the actual port when {@code listen}
   * said 0).
   */
  public URI listenUri(int boundPort) {
    String host = listen.getHostString();
    String hostForUri = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return URI.create((tls() ? "https" : "http") + "://" + hostForUri + ":" + boundPort);
  }

  /** Builds a {@link GatewayConfig}; the record's constructor validates. */
  public static final class Builder {
    private final URI upstream;
    private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
    private String policyData;
    private CredentialCheck credentialCheck = CredentialCheck.SONARQUBE;
    private Path tlsCertificate;
    private Path tlsKey;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration idleTimeout = Duration.ofMinutes(2);
    private Duration upstreamTimeout = Duration.ofMinutes(15);
    private List<String> trustedProxies = List.of();
    private int maxFailedCredentials = 10;
    private Duration failureWindow = Duration.ofMinutes(1);
    private Duration headerTimeout = Duration.ofSeconds(10);
    private long minBodyRate = 1024;
    private int maxHeaderCount = PolicyEnforcer.DEFAULT_MAX_HEADER_COUNT;
    private int maxHeaderBytes = PolicyEnforcer.DEFAULT_MAX_HEADER_BYTES;
    private RedisUrl throttleStore;
    private OperationsConfig operations = OperationsConfig.NONE;
    private RemoteOpa remoteOpa;
    private boolean planEngine;

    private Builder(URI upstream) {
      this.upstream = upstream;
    }

    public Builder listen(InetSocketAddress listen) {
      this.listen = listen;
      return this;
    }

    public Builder policyData(String policyData) {
      this.policyData = policyData;
      return this;
    }

    public Builder credentialCheck(CredentialCheck credentialCheck) {
      this.credentialCheck = credentialCheck;
      return this;
    }

    public Builder tls(Path certificate, Path key) {
      this.tlsCertificate = certificate;
      this.tlsKey = key;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    public Builder upstreamTimeout(Duration upstreamTimeout) {
      this.upstreamTimeout = upstreamTimeout;
      return this;
    }

    public Builder trustedProxies(List<String> trustedProxies) {
      this.trustedProxies = trustedProxies;
      return this;
    }

    public Builder throttle(int maxFailedCredentials, Duration failureWindow) {
      this.maxFailedCredentials = maxFailedCredentials;
      this.failureWindow = failureWindow;
      return this;
    }

    /** The Redis to share failed-credential counts in; {@code null} counts in this process. */
    public Builder throttleStore(RedisUrl throttleStore) {
      this.throttleStore = throttleStore;
      return this;
    }

    public Builder headerTimeout(Duration headerTimeout) {
      this.headerTimeout = headerTimeout;
      return this;
    }

    public Builder minBodyRate(long bytesPerSecond) {
      this.minBodyRate = bytesPerSecond;
      return this;
    }

    public Builder maxHeaders(int count, int bytes) {
      this.maxHeaderCount = count;
      this.maxHeaderBytes = bytes;
      return this;
    }

    public Builder operations(OperationsConfig operations) {
      this.operations = operations;
      return this;
    }

    /** The OPA server that decides instead of the embedded policy; {@code null} for embedded. */
    public Builder remoteOpa(RemoteOpa remoteOpa) {
      this.remoteOpa = remoteOpa;
      return this;
    }

    /** Whether the bundled policy runs on the plan engine ({@code --engine plan}). */
    public Builder planEngine(boolean planEngine) {
      this.planEngine = planEngine;
      return this;
    }

    public GatewayConfig build() {
      return new GatewayConfig(
          upstream,
          listen,
          policyData,
          credentialCheck,
          tlsCertificate,
          tlsKey,
          connectTimeout,
          idleTimeout,
          upstreamTimeout,
          trustedProxies,
          maxFailedCredentials,
          failureWindow,
          headerTimeout,
          minBodyRate,
          maxHeaderCount,
          maxHeaderBytes,
          "",
          throttleStore,
          operations,
          remoteOpa,
          planEngine);
    }
  }
}
