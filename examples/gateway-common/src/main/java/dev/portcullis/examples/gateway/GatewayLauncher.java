package dev.portcullis.examples.gateway;

import java.net.URI;

/**
 * Starts a gateway in the order its probes need: the admin listener first (live, not ready), then
 * the policy (loaded and warmed), then the proxy, and then readiness waits for SonarQube when it
 * verifies credentials. Both gateways start this way; on failure everything started is closed.
 */
public final class GatewayLauncher {

  private GatewayLauncher() {}

  /** Starts one server implementation's proxy behind the enforcer. */
  @FunctionalInterface
  public interface Proxy {
    /**
     * @param decisions the enforcer to put in front of every request
     * @param telemetry where the proxy counts upstream responses and logs requests
     * @param closeDecisions to run last when the proxy stops
     * @param howItDecides the end of the start-up line
     */
    RunningGateway start(
        GatewayEnforcer decisions,
        ProxyTelemetry telemetry,
        Runnable closeDecisions,
        String howItDecides)
        throws Exception;
  }

  /** Starts the gateway {@code name} as {@code config} says, its proxy started by {@code proxy}. */
  public static RunningGateway start(GatewayConfig config, String name, Proxy proxy)
      throws Exception {
    GatewayOperations operations = GatewayOperations.start(config, name);
    GatewayEnforcer decisions = null;
    try {
      decisions = GatewayEnforcer.create(config, operations);
      operations.policyLoaded();
      GatewayEnforcer started = decisions;
      RunningGateway gateway =
          proxy.start(
              decisions,
              operations.telemetry(),
              () -> {
                try {
                  operations.close(); // first: stops reloads before the engine closes
                } finally {
                  started.close();
                }
              },
              decisions.describe() + operations.describe());
      operations.serving(decisions.verifyingSonarQube());
      operations.watchPolicy(decisions);
      operations.throttleStore(decisions::throttleStoreAvailable);
      return new Operated(gateway, operations.adminUri(), operations);
    } catch (Exception | Error e) {
      if (decisions != null) {
        decisions.close();
      }
      operations.close();
      throw e;
    }
  }

  /** A running gateway and its admin listener, which reports not ready once it begins to stop. */
  private record Operated(RunningGateway gateway, URI adminUri, GatewayOperations operations)
      implements RunningGateway {
    @Override
    public URI uri() {
      return gateway.uri();
    }

    @Override
    public String describe() {
      return gateway.describe();
    }

    @Override
    public void join() throws InterruptedException {
      gateway.join();
    }

    @Override
    public void close() throws Exception {
      // First, so a load balancer stops sending new requests while in-flight ones finish.
      operations.stopping();
      gateway.close();
    }
  }
}
