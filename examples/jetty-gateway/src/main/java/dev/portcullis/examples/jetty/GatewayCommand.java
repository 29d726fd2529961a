package dev.portcullis.examples.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The gateway's command line. */
@Command(
    name = "jetty-gateway",
    mixinStandardHelpOptions = true,
    description = "A SonarQube reverse proxy that lets through exactly the scanner API, decided by the Portcullis policy.")
final class GatewayCommand implements Callable<Integer> {

  @Option(names = "--upstream", defaultValue = "http://127.0.0.1:9000", description = "SonarQube's URL (default: ${DEFAULT-VALUE}).")
  URI upstream;

  @Option(names = "--listen", defaultValue = "127.0.0.1:8080", description = "HOST:PORT to listen on (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--data", description = "Policy data document (JSON) merged over the defaults, e.g. "
      + "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_project_keys\":[\"team-*\"]}}}}.")
  Path data;

  @Option(names = "--verify", defaultValue = "sonarqube",
      description = "How credentials are verified before the policy runs: sonarqube (ask the upstream) or none (default: ${DEFAULT-VALUE}).")
  String verify;

  @Option(names = "--tls-cert", description = "PEM certificate chain; with --tls-key the gateway serves HTTPS.")
  Path tlsCertificate;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key (unencrypted).")
  Path tlsKey;

  @Option(names = "--connect-timeout", defaultValue = "PT5S", description = "Upstream connect timeout (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(names = "--idle-timeout", defaultValue = "PT2M", description = "Longest silence on a connection (default: ${DEFAULT-VALUE}).")
  Duration idleTimeout;

  @Option(names = "--upstream-timeout", defaultValue = "PT15M",
      description = "Longest whole upstream exchange; report uploads and plugin downloads are large (default: ${DEFAULT-VALUE}).")
  Duration upstreamTimeout;

  @Option(names = "--trusted-proxy", paramLabel = "CIDR",
      description = "A reverse proxy in front of the gateway (CIDR or address) whose Forwarded / X-Forwarded-For "
          + "names the client IP; repeatable. Default: none, the client is the connection's peer.")
  List<String> trustedProxies = new ArrayList<>();

  static int run(String... args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "info"));
    System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty",
        System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn"));
    CommandLine commandLine = new CommandLine(new GatewayCommand());
    commandLine.setExecutionExceptionHandler((exception, parsed, parseResult) -> {
      commandLine.getErr().println("jetty-gateway: cannot start: " + exception.getMessage());
      return 2;
    });
    return commandLine.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    if (!verify.equals("sonarqube") && !verify.equals("none")) {
      throw new IllegalArgumentException("--verify must be sonarqube or none, not " + verify);
    }
    GatewayConfig config = new GatewayConfig(upstream, parseListen(listen), data == null ? null : read(data),
        verify.equals("sonarqube"), tlsCertificate, tlsKey, connectTimeout, idleTimeout, upstreamTimeout, trustedProxies);
    JettyGateway gateway = JettyGateway.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.close();
      } catch (Exception e) {
        System.err.println("jetty-gateway: error while stopping: " + e);
      }
    }, "gateway-shutdown"));
    System.out.println(gateway.describe());
    gateway.join();
    return 0;
  }

  static InetSocketAddress parseListen(String listen) {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, such as 127.0.0.1:8080");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen port must be a number: " + listen);
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
