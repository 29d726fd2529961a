package dev.portcullis.examples.jetty;

import dev.portcullis.examples.gateway.AbstractRemoteEngineIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;

/** The Jetty gateway asking a real OPA server ({@code --engine remote=URL}). */
class JettyRemoteEngineIT extends AbstractRemoteEngineIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return JettyGateway.start(config);
  }
}
