package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.AbstractProtocolIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;
import dev.portcullis.testkit.NettyLeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

/** The byte-level protocol suite against the Netty gateway, with its buffers checked for leaks. */
@ExtendWith(NettyLeakCheck.class)
class NettyProtocolIT extends AbstractProtocolIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return NettyGateway.start(config);
  }
}
