package dev.portcullis.examples.jetty;

import dev.portcullis.examples.gateway.AbstractProtocolIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;

/** The byte-level protocol suite against the Jetty gateway. */
class JettyProtocolIT extends AbstractProtocolIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return JettyGateway.start(config);
  }
}
