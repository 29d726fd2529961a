package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.AbstractOperationsIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;

/** The Netty gateway's admin listener, metrics, decision log and report-only mode. */
class NettyOperationsIT extends AbstractOperationsIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return NettyGateway.start(config);
  }
}
