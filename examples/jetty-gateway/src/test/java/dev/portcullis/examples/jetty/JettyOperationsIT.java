package dev.portcullis.examples.jetty;

import dev.portcullis.examples.gateway.AbstractOperationsIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;

/** The Jetty gateway's admin listener, metrics, decision log and report-only mode. */
class JettyOperationsIT extends AbstractOperationsIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return JettyGateway.start(config);
  }
}
