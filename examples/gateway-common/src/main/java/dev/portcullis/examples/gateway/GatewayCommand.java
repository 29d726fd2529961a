package dev.portcullis.examples.gateway;

import dev.portcullis.throttle.redis.RedisUrl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line both example gateways share; each passes its own way to start. Every option can
 * also come from the environment ({@code PORTCULLIS_<OPTION>}) or a YAML file ({@code --config});
 * see {@link GatewaySettings} for the precedence.
 */
@Command(
    mixinStandardHelpOptions = true,
    versionProvider = GatewayVersion.class,
    sortOptions = false,
    description = {
      "A SonarQube reverse proxy that lets through exactly the scanner API, decided by the Portcullis policy.",
      "Every option can also be set as an environment variable PORTCULLIS_<OPTION> (e.g. PORTCULLIS_IDLE_TIMEOUT)",
      "or as a key of the --config YAML file (e.g. idle-timeout: PT1M); a flag beats the environment, which",
      "beats the file."
    })
public final class GatewayCommand implements Callable<Integer> {

  /** Starts a gateway on one server implementation. */
  @FunctionalInterface
  public interface Starter {
    RunningGateway start(GatewayConfig config) throws Exception;
  }

  @Option(
      names = "--config",
      paramLabel = "FILE",
      order = 0,
      description =
          "A YAML file of options, keys named like the options without dashes in front (also PORTCULLIS_CONFIG).")
  Path configFile;

  @ArgGroup(validate = false, heading = "%nUpstream and listening%n", order = 1)
  Network network = new Network();

  @ArgGroup(validate = false, heading = "%nPolicy and credentials%n", order = 2)
  Policy policy = new Policy();

  @ArgGroup(validate = false, heading = "%nTimeouts and limits%n", order = 3)
  Limits limits = new Limits();

  @ArgGroup(validate = false, heading = "%nOperations%n", order = 4)
  Operations operations = new Operations();

  static final class Network {
    @Option(
        names = "--upstream",
        defaultValue = "http://127.0.0.1:9000",
        description =
            "SonarQube's URL, with its context path if it has one, e.g. http://sonar:9000/sonarqube "
                + "(default: ${DEFAULT-VALUE}).")
    URI upstream;

    @Option(
        names = "--listen",
        defaultValue = "127.0.0.1:8080",
        description = "HOST:PORT to listen on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        description = "PEM certificate chain; with --tls-key the gateway serves HTTPS.")
    Path tlsCertificate;

    @Option(
        names = "--tls-key",
        paramLabel = "FILE",
        description = "PEM PKCS#8 private key (unencrypted).")
    Path tlsKey;

    @Option(
        names = "--trusted-proxy",
        paramLabel = "CIDR",
        split = ",",
        description =
            "A reverse proxy in front of the gateway (CIDR or address) whose Forwarded / X-Forwarded-For "
                + "names the client IP; repeatable or comma-separated. Default: none, the client is the connection's peer.")
    List<String> trustedProxies = new ArrayList<>();
  }

  static final class Policy {
    @Option(
        names = "--data",
        paramLabel = "FILE",
        description =
            "Policy data document (JSON) merged over the defaults (with --policy: over the bundle's "
                + "data.json), e.g. "
                + "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"team-*\"]}}}}. "
                + "Watched: a change is checked and swapped in while the gateway runs.")
    Path data;

    @Option(
        names = "--policy",
        paramLabel = "FILE",
        description = PolicyFile.HELP + " Watched like --data.")
    Path policy;

    @Option(
        names = "--entrypoint",
        paramLabel = "NAME",
        defaultValue = PolicyFile.DEFAULT_ENTRYPOINT,
        description = PolicyFile.ENTRYPOINT_HELP)
    String entrypoint;

    @Option(
        names = "--verify",
        defaultValue = "sonarqube",
        paramLabel = "sonarqube[=URL]|static=FILE|none",
        description =
            "How credentials are verified before the policy runs: sonarqube (ask the upstream's "
                + "/api/authentication/validate, cached 60 s when valid, 10 s when not; sonarqube=URL asks the SonarQube "
                + "at URL instead), static=FILE (a file of SHA-256 token hashes, see the CLI's hash-token) or none "
                + "(default: ${DEFAULT-VALUE}).")
    String verify;

    @Option(
        names = "--max-failed-credentials",
        defaultValue = "10",
        description =
            "Failed credentials one client IP (an IPv6 /64) may present per --failure-window before it gets "
                + "429 with Retry-After; 0 turns throttling off (default: ${DEFAULT-VALUE}).")
    int maxFailedCredentials;

    @Option(
        names = "--failure-window",
        defaultValue = "PT1M",
        description =
            "The window failed credentials are counted in, also the longest cool-down (default: ${DEFAULT-VALUE}).")
    Duration failureWindow;

    @Option(
        names = "--throttle-store",
        defaultValue = "memory",
        paramLabel = "memory|redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]",
        description =
            "Where failed credentials are counted: memory (this instance) or a Redis that every "
                + "instance behind one load balancer shares (rediss:// for TLS; give a password through "
                + "PORTCULLIS_THROTTLE_STORE or --config, not the command line). While Redis is out, each "
                + "instance counts on its own (default: ${DEFAULT-VALUE}).")
    String throttleStore;

    @Option(
        names = "--engine",
        defaultValue = "embedded",
        paramLabel = "embedded|plan|remote=URL",
        description =
            "What decides: embedded (the bundled policy, compiled to wasm, in this process), plan (the "
                + "bundled policy's OPA plan evaluated on Java values in this process: no wasm, no pool) or "
                + "remote=URL (an OPA server you run, e.g. remote=http://opa:8181, asked per request at "
                + "/v1/data/portcullis/sonarqube/decision with the same input; it holds the policy and its data, so "
                + "--data and --shadow-policy do not apply). Any failure of the OPA server is a deny; /health/ready "
                + "waits for it to answer (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(
        names = "--engine-token-file",
        paramLabel = "FILE",
        description =
            "A file holding the token the remote OPA requires (opa run --authentication=token), sent as "
                + "Authorization: Bearer; never logged. Default: none.")
    Path engineTokenFile;
  }

  static final class Limits {
    @Option(
        names = "--connect-timeout",
        defaultValue = "PT5S",
        description = "Upstream connect timeout (ISO-8601, default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(
        names = "--idle-timeout",
        defaultValue = "PT2M",
        description = "Longest silence on a connection (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(
        names = "--upstream-timeout",
        defaultValue = "PT15M",
        description =
            "Longest whole upstream exchange; report uploads and plugin downloads are large (default: ${DEFAULT-VALUE}).")
    Duration upstreamTimeout;

    @Option(
        names = "--header-timeout",
        defaultValue = "PT10S",
        description =
            "Longest time a client may take to send a request's headers; slower ones get 408 or are closed "
                + "(default: ${DEFAULT-VALUE}).")
    Duration headerTimeout;

    @Option(
        names = "--min-body-rate",
        defaultValue = "1024",
        paramLabel = "BYTES_PER_SECOND",
        description =
            "Slowest average a request body may stream at, checked once it has taken longer than "
                + "--header-timeout; a slower client is closed so it cannot hold an upstream worker; 0 turns it off "
                + "(default: ${DEFAULT-VALUE}).")
    long minBodyRate;

    @Option(
        names = "--max-header-count",
        defaultValue = "100",
        description =
            "Most header fields a request may have; more gets 431 (default: ${DEFAULT-VALUE}).")
    int maxHeaderCount;

    @Option(
        names = "--max-header-bytes",
        defaultValue = "32768",
        description =
            "Most header bytes a request may have (names, values, 4 per field); more gets 431 "
                + "(default: ${DEFAULT-VALUE}).")
    int maxHeaderBytes;
  }

  static final class Operations {
    @Option(
        names = "--admin-listen",
        paramLabel = "HOST:PORT",
        description =
            "Serve /health/live, /health/ready and /metrics (Prometheus) on this address, apart from the "
                + "proxied port and never judged by the policy, e.g. 127.0.0.1:9091. Default: off.")
    String adminListen;

    @Option(
        names = "--decision-log",
        paramLabel = "stdout|FILE|off",
        description =
            "Write one JSON line per decision (OPA's decision-log fields) to stdout or append it to FILE; "
                + "never blocks a request (bounded queue, drops counted). 'off' turns off one set in the "
                + "environment or the --config file. Default: off.")
    String decisionLog;

    @Option(
        names = "--decision-log-sample-allows",
        paramLabel = "RATIO",
        defaultValue = "1",
        description =
            "Share of allows the decision log keeps, 0 to 1; denies are always logged (default: ${DEFAULT-VALUE}).")
    double decisionLogSampleAllows;

    @Option(
        names = "--report-only",
        defaultValue = "false",
        fallbackValue = "true",
        arity = "0..1",
        description =
            "Roll-out mode: forward requests the policy denies and log them as \"enforced\": false. Framing "
                + "refusals (400, 413, 414, 431, 501), throttling (429) and failures stay enforced. Default: off.")
    boolean reportOnly;

    @Option(
        names = "--gateway-id",
        paramLabel = "ID",
        description =
            "This gateway's id in the decision log's labels (default: the gateway's name @ $HOSTNAME).")
    String gatewayId;

    @Option(
        names = "--shadow-policy",
        paramLabel = "FILE",
        description =
            "Roll-out: a candidate policy (opa build -t wasm -e portcullis/sonarqube/decision: policy.wasm or "
                + "the bundle .tar.gz) judged beside the enforced one with the same data, in the background; "
                + "disagreements are logged (logger portcullis.shadow) and counted, never enforced. Default: off.")
    Path shadowPolicy;
  }

  private final String name;
  private final Starter starter;

  GatewayCommand(String name, Starter starter) {
    this.name = name;
    this.starter = starter;
  }

  /**
   * Parses {@code args} (with the environment and the {@code --config} file under them), starts the
   * gateway and waits until it stops.
   *
   * <p>For a gateway's {@code main}: it also makes standard error able to write the access log in
   * batches ({@link BatchedStandardError}).
   *
   * @return the exit status: 0 after a normal stop, 2 when it cannot start
   */
  public static int run(String name, Starter starter, String... args) {
    BatchedStandardError.install();
    return run(name, starter, System.getenv(), args);
  }

  static int run(String name, Starter starter, Map<String, String> environment, String... args) {
    System.setProperty(
        "org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "info"));
    CommandLine commandLine = new CommandLine(new GatewayCommand(name, starter));
    commandLine.setCommandName(name);
    GatewaySettings settings;
    try {
      settings = GatewaySettings.load(commandLine.getCommandSpec(), args, environment);
    } catch (IllegalArgumentException e) {
      commandLine.getErr().println(name + ": cannot start: " + e.getMessage());
      return 2;
    }
    commandLine.setDefaultValueProvider(settings);
    commandLine.setParameterExceptionHandler(
        (exception, arguments) -> {
          commandLine
              .getErr()
              .println(
                  name + ": " + exception.getMessage() + settings.sourceOf(exception.getArgSpec()));
          commandLine.getErr().println("Run " + name + " --help for the options.");
          return 2;
        });
    commandLine.setExecutionExceptionHandler(
        (exception, parsed, parseResult) -> {
          commandLine.getErr().println(name + ": cannot start: " + whyNot(exception));
          return 2;
        });
    return commandLine.execute(args);
  }

  /**
   * Why a start failed, for one line: its message, or where it has none ({@code
   * UnresolvedAddressException}, for one) its type and its first cause's message.
   */
  static String whyNot(Throwable failure) {
    // Only a failure without a message of its own is explained by its causes: their messages were
    // never written for this line.
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < 4; depth++, cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null && !message.isBlank()) {
        return cause == failure ? message : failure.getClass().getSimpleName() + ": " + message;
      }
    }
    return failure.getClass().getSimpleName();
  }

  /**
   * A command parsed from {@code args} over {@code environment} and the config file, without
   * starting; for tests.
   */
  static GatewayCommand parse(Map<String, String> environment, String... args) {
    GatewayCommand command =
        new GatewayCommand(
            "test",
            config -> {
              throw new IllegalStateException("not started when only parsed");
            });
    CommandLine commandLine = new CommandLine(command);
    GatewaySettings settings =
        GatewaySettings.load(commandLine.getCommandSpec(), args, environment);
    commandLine.setDefaultValueProvider(settings);
    try {
      commandLine.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage() + settings.sourceOf(e.getArgSpec()), e);
    }
    return command;
  }

  @Override
  public Integer call() throws Exception {
    RunningGateway gateway = starter.start(config());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    gateway.close();
                  } catch (Exception e) {
                    System.err.println(name + ": error while stopping: " + e);
                  }
                },
                "gateway-shutdown"));
    System.out.println(gateway.describe());
    gateway.join();
    return 0;
  }

  /** The {@code --data} file's text, or a failure that names the option, the file and why. */
  private static String readData(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--data " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("--data " + file + ": not readable (permission denied)");
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("--data " + file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--data "
              + file
              + ": cannot be read ("
              + (Files.isDirectory(file) ? "a directory" : e.getClass().getSimpleName())
              + ")");
    }
  }

  /** The configuration the options describe. */
  GatewayConfig config() throws IOException {
    if (policy.policy == null
        && !policy.engine.startsWith("remote=")
        && !PolicyFile.DEFAULT_ENTRYPOINT.equals(policy.entrypoint)) {
      // Otherwise ignored: the bundled policy (and a --shadow-policy beside it) decide at its own.
      throw new IllegalArgumentException(
          "--entrypoint "
              + policy.entrypoint
              + " needs --policy or --engine remote=URL; the bundled policy decides at "
              + PolicyFile.DEFAULT_ENTRYPOINT);
    }
    return GatewayConfig.builder(network.upstream)
        .listen(parseListen(network.listen))
        .policyData(policy.data == null ? null : readData(policy.data))
        .credentialCheck(CredentialCheck.parse(policy.verify))
        .tls(network.tlsCertificate, network.tlsKey)
        .connectTimeout(limits.connectTimeout)
        .idleTimeout(limits.idleTimeout)
        .upstreamTimeout(limits.upstreamTimeout)
        .trustedProxies(network.trustedProxies)
        .throttle(policy.maxFailedCredentials, policy.failureWindow)
        .throttleStore(throttleStore(policy.throttleStore))
        .headerTimeout(limits.headerTimeout)
        .minBodyRate(limits.minBodyRate)
        .maxHeaders(limits.maxHeaderCount, limits.maxHeaderBytes)
        .remoteOpa(remoteOpa(policy))
        .planEngine("plan".equals(policy.engine))
        .operations(
            new OperationsConfig(
                operations.adminListen == null
                    ? null
                    : parseAddress("--admin-listen", operations.adminListen),
                operations.decisionLog,
                operations.decisionLogSampleAllows,
                operations.reportOnly,
                operations.gatewayId,
                policy.data,
                operations.shadowPolicy,
                policy.policy == null
                    ? null
                    : new PolicyFile("--policy", policy.policy, policy.entrypoint)))
        .build();
  }

  private static RemoteOpa remoteOpa(Policy policy) {
    RemoteOpa remote = RemoteOpa.parse(policy.engine, policy.engineTokenFile);
    return remote == null ? null : remote.withEntrypoint(policy.entrypoint);
  }

  /** {@code memory} (null) or a Redis URL; the message of a bad one never quotes the password. */
  static RedisUrl throttleStore(String store) {
    if (store.equals("memory")) {
      return null;
    }
    try {
      return RedisUrl.parse(store);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--throttle-store must be memory or a Redis URL: " + e.getMessage());
    }
  }

  /** {@code HOST:PORT}, with IPv6 hosts in brackets; the host is never resolved here. */
  static InetSocketAddress parseListen(String listen) {
    return parseAddress("--listen", listen);
  }

  /**
   * {@code HOST:PORT} given to {@code option}, with IPv6 hosts in brackets; never resolved here.
   */
  static InetSocketAddress parseAddress(String option, String listen) {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(option + " must be HOST:PORT, such as 127.0.0.1:8080");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " port must be a number: " + listen);
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
