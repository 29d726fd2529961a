package dev.portcullis.examples.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.BooleanSupplier;

/**
 * Whether the gateway is ready for traffic: its policy is loaded and warmed, its proxied port
 * listens, and, when credentials are verified by SonarQube, SonarQube has answered once; and the
 * shared throttle store, when there is one, answers (while it does not, the instance still counts
 * failures on its own, but it is not ready, so a load balancer can prefer instances that share).
 *
 * <p>Thread-safe.
 */
final class Readiness {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final boolean sonarQubeRequired;
  private final boolean reportOnly;
  private volatile boolean policyLoaded;
  private volatile boolean serving;
  private volatile boolean sonarQubeAnswered;
  private volatile boolean stopping;
  private volatile BooleanSupplier throttleStore = () -> true;
  private volatile BooleanSupplier engine = () -> true;
  private volatile boolean remoteEngine;

  Readiness(boolean sonarQubeRequired, boolean reportOnly) {
    this.sonarQubeRequired = sonarQubeRequired;
    this.reportOnly = reportOnly;
  }

  void policyLoaded() {
    policyLoaded = true;
  }

  void serving() {
    serving = true;
  }

  void sonarQubeAnswered() {
    sonarQubeAnswered = true;
  }

  void stopping() {
    stopping = true;
  }

  void throttleStore(BooleanSupplier available) {
    throttleStore = available;
  }

  /** Readiness also waits for a remote policy engine ({@code --engine remote=URL}) to answer. */
  void remoteEngine(BooleanSupplier answering) {
    engine = answering;
    remoteEngine = true;
  }

  boolean ready() {
    return !stopping
        && policyLoaded
        && serving
        && (!sonarQubeRequired || sonarQubeAnswered)
        && throttleStore.getAsBoolean()
        && engine.getAsBoolean();
  }

  /** The body of {@code /health/ready}: the status, each check and, when not ready, why. */
  String json() {
    ObjectNode body = JSON.createObjectNode();
    body.put("status", ready() ? "ready" : "not_ready");
    if (!ready()) {
      body.put("reason", reason());
    }
    ObjectNode checks = body.putObject("checks");
    checks.put("policy", policyLoaded ? "loaded" : "loading");
    checks.put("listener", serving ? "serving" : "starting");
    checks.put(
        "sonarqube",
        !sonarQubeRequired ? "not_required" : sonarQubeAnswered ? "answered" : "waiting");
    checks.put("throttle_store", throttleStore.getAsBoolean() ? "available" : "unavailable");
    checks.put(
        "remote_engine",
        !remoteEngine ? "not_used" : engine.getAsBoolean() ? "answering" : "not_answering");
    body.put("report_only", reportOnly);
    if (reportOnly) {
      body.put(
          "warning",
          "REPORT-ONLY: requests the policy denies are forwarded to SonarQube and only logged");
    }
    return body.toString();
  }

  private String reason() {
    if (stopping) {
      return "the gateway is stopping; requests in flight are finishing";
    }
    if (!policyLoaded) {
      return "the policy is still loading and warming up";
    }
    if (!serving) {
      return "the proxied port is not listening yet";
    }
    if (!engine.getAsBoolean()) {
      return "the remote OPA server (--engine) has not answered a decision yet; requests are denied"
          + " with 503 until it does";
    }
    if (!sonarQubeRequired || sonarQubeAnswered) {
      return "the shared throttle store (Redis) does not answer; failed credentials are counted in"
          + " this instance only";
    }
    return "SonarQube has not answered yet";
  }
}
