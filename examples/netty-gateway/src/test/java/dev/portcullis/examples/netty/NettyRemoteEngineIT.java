package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.AbstractRemoteEngineIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;

/** The Netty gateway asking a real OPA server ({@code --engine remote=URL}). */
class NettyRemoteEngineIT extends AbstractRemoteEngineIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return NettyGateway.start(config);
  }
}
