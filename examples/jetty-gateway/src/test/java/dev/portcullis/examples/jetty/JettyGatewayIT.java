package dev.portcullis.examples.jetty;

import dev.portcullis.examples.gateway.AbstractGatewayIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;

/** The Jetty gateway (the Portcullis filter, Jetty's proxy servlet, the bundled policy) in front of a fake SonarQube. */
class JettyGatewayIT extends AbstractGatewayIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return JettyGateway.start(config);
  }
}
