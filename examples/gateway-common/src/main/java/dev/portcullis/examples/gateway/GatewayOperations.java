package dev.portcullis.examples.gateway;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.audit.JsonDecisionLog;
import dev.portcullis.opa.OpaWasmPolicyEngine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a gateway runs beside the proxy: the admin listener with its probes and metrics, the
 * decision log and report-only mode. Started before the policy loads, so {@code /health/live}
 * answers and {@code /health/ready} says why it is not ready yet; closed after the proxy stops.
 */
public final class GatewayOperations implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayOperations.class);

  private final OperationsConfig config;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private final UpstreamMetrics upstreamMetrics;
  private final AccessLog accessLog;
  private final JsonDecisionLog decisionLog;
  private final OutputStream decisionLogFile;
  private final AdminServer admin;
  private volatile SonarQubeProbe probe;
  private volatile PolicyReloader reloader;

  private GatewayOperations(
      OperationsConfig config,
      Readiness readiness,
      PrometheusMeterRegistry registry,
      JsonDecisionLog decisionLog,
      OutputStream decisionLogFile,
      AdminServer admin) {
    this.config = config;
    this.readiness = readiness;
    this.registry = registry;
    this.upstreamMetrics = registry == null ? UpstreamMetrics.NONE : UpstreamMetrics.in(registry);
    this.accessLog = AccessLog.start(registry);
    this.decisionLog = decisionLog;
    this.decisionLogFile = decisionLogFile;
    this.admin = admin;
  }

  /**
   * Opens the decision log and starts the admin listener, if configured.
   *
   * @param gatewayName such as {@code jetty-gateway}, for the decision log's labels
   */
  public static GatewayOperations start(GatewayConfig gateway, String gatewayName)
      throws IOException {
    OperationsConfig config = gateway.operations();
    if (config.reportOnly()) {
      LOG.warn(
          "REPORT-ONLY MODE (--report-only): requests the policy denies are FORWARDED to SonarQube "
              + "and only logged; do not run this way longer than a roll-out needs");
    }
    Readiness readiness =
        new Readiness(
            gateway.credentialCheck().mode() == CredentialCheck.Mode.SONARQUBE,
            config.reportOnly());
    PrometheusMeterRegistry registry =
        config.adminListen() == null ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OutputStream file = null;
    JsonDecisionLog decisionLog = null;
    // "off" lets a flag turn off a decision log the environment or a --config file asks for.
    if (config.decisionLog() != null && !config.decisionLog().equals("off")) {
      OutputStream out;
      if (config.decisionLog().equals("stdout")) {
        out = System.out;
      } else {
        try {
          file = new FileOutputStream(Path.of(config.decisionLog()).toFile(), true);
        } catch (IOException e) {
          throw new IOException(
              "--decision-log " + config.decisionLog() + ": cannot open (" + e.getMessage() + ")",
              e);
        }
        out = file;
      }
      JsonDecisionLog.Builder builder =
          JsonDecisionLog.builder(out)
              .path(config.entrypoint())
              .sampleAllows(config.decisionLogSampleAllows())
              .label("id", gatewayId(config, gatewayName))
              .label("version", GatewayVersion.version());
      if (registry != null) {
        builder.meterRegistry(registry);
      }
      decisionLog = builder.build();
    }
    AdminServer admin = null;
    if (config.adminListen() != null) {
      try {
        admin = AdminServer.start(config.adminListen(), readiness, registry);
      } catch (IOException | RuntimeException e) {
        if (decisionLog != null) {
          decisionLog.close();
        }
        if (file != null) {
          file.close();
        }
        throw e;
      }
    }
    return new GatewayOperations(config, readiness, registry, decisionLog, file, admin);
  }

  private static String gatewayId(OperationsConfig config, String gatewayName) {
    if (config.gatewayId() != null && !config.gatewayId().isBlank()) {
      return config.gatewayId();
    }
    return gatewayName + "@" + hostName(System.getenv("HOSTNAME"), KERNEL_HOST_NAME);
  }

  private static final Path KERNEL_HOST_NAME = Path.of("/proc/sys/kernel/hostname");

  /**
   * The machine's name: {@code HOSTNAME} when set, else the kernel's, else {@code localhost}.
   * Neither bash (which does not export it) nor systemd sets {@code HOSTNAME}; the kernel's name
   * needs no DNS lookup, unlike {@code InetAddress.getLocalHost()}.
   */
  static String hostName(String environment, Path kernelHostName) {
    if (environment != null && !environment.isBlank()) {
      return environment.strip();
    }
    try {
      String kernel = Files.readString(kernelHostName).strip();
      if (!kernel.isEmpty()) {
        return kernel;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: fall through
    }
    return "localhost";
  }

  /** Meters and records the engine's pool, when there are metrics. */
  void instrument(OpaWasmPolicyEngine.Builder engine) {
    if (registry != null) {
      engine.meterRegistry(registry);
    }
  }

  /**
   * Meters, logs and, in report-only mode, reports instead of enforcing the enforcer's decisions.
   */
  void instrument(PolicyEnforcer.Builder enforcer) {
    if (registry != null) {
      enforcer.meterRegistry(registry);
    }
    if (decisionLog != null) {
      enforcer.recorder(decisionLog);
    }
    enforcer.reportOnly(config.reportOnly());
  }

  /**
   * Loads, checks and warms up the {@code --shadow-policy} candidate with {@code policyData} and
   * records the enforcer's decisions to it; {@code null} when there is none.
   *
   * @throws dev.portcullis.PolicyLoadException naming the file when it cannot be loaded
   */
  ShadowPolicy shadow(String policyData) {
    return config.shadowPolicy() == null
        ? null
        : ShadowPolicy.load(
            new PolicyFile("--shadow-policy", config.shadowPolicy(), config.entrypoint()),
            policyData,
            registry);
  }

  /** The policy is loaded and warmed up. */
  void policyLoaded() {
    readiness.policyLoaded();
  }

  /**
   * The proxied port listens; readiness now waits only for {@code sonarQube} to answer, when
   * credentials are verified by it.
   *
   * @param sonarQube the SonarQube that verifies credentials, or {@code null} when none does
   */
  void serving(URI sonarQube) {
    readiness.serving();
    if (admin != null && sonarQube != null) {
      probe = SonarQubeProbe.start(sonarQube, readiness::sonarQubeAnswered);
    }
  }

  /** The gateway has begun to stop: readiness answers 503 from now on. */
  void stopping() {
    readiness.stopping();
  }

  /** Readiness also asks whether the shared throttle store answers ({@code --throttle-store}). */
  void throttleStore(BooleanSupplier available) {
    readiness.throttleStore(available);
  }

  /** Readiness also asks whether the remote OPA ({@code --engine remote=URL}) answers. */
  void remoteEngine(BooleanSupplier answering) {
    readiness.remoteEngine(answering);
  }

  /**
   * Watches the {@code --data} and {@code --policy} files, those there are, and reloads {@code
   * decisions} when either changes.
   */
  void watchPolicy(GatewayEnforcer decisions) {
    List<Path> files = new ArrayList<>();
    Path data = config.dataFile();
    if (data != null) {
      files.add(data);
    }
    if (config.policyFile() != null) {
      files.add(config.policyFile().file());
    }
    if (!files.isEmpty()) {
      reloader =
          PolicyReloader.start(
              files, () -> decisions.reload(data == null ? null : read(data)), registry);
    }
  }

  private static String read(Path data) {
    try {
      return Files.readString(data, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("--data " + data + ": cannot be read (" + e + ")", e);
    }
  }

  /** Upstream responses and latency and the access log, for the proxy. */
  public ProxyTelemetry telemetry() {
    return new ProxyTelemetry(upstreamMetrics, accessLog);
  }

  /** Where the admin listener listens, or {@code null} when there is none. */
  public URI adminUri() {
    return admin == null ? null : admin.uri();
  }

  /** What is on, for the start-up line; "" when nothing is. */
  String describe() {
    StringBuilder text = new StringBuilder();
    if (admin != null) {
      text.append(", admin on ").append(admin.uri());
    }
    if (decisionLog != null) {
      text.append(", decision log to ").append(config.decisionLog());
    }
    if (config.shadowPolicy() != null) {
      text.append(", shadow policy ").append(config.shadowPolicy());
    }
    if (config.policyFile() != null) {
      text.append(", policy ").append(config.policyFile());
    }
    if (config.reportOnly()) {
      text.append(", REPORT-ONLY: policy denies are forwarded");
    }
    return text.toString();
  }

  @Override
  public void close() {
    PolicyReloader watching = reloader;
    if (watching != null) {
      watching.close();
    }
    SonarQubeProbe running = probe;
    if (running != null) {
      running.close();
    }
    if (admin != null) {
      admin.close();
    }
    accessLog.close();
    if (decisionLog != null) {
      decisionLog.close();
    }
    if (decisionLogFile != null) {
      try {
        decisionLogFile.close();
      } catch (IOException e) {
        LOG.warn("could not close the decision log cause={}", e.toString());
      }
    }
    if (registry != null) {
      registry.close();
    }
  }
}
