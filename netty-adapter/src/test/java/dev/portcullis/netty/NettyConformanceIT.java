package dev.portcullis.netty;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.AbstractAdapterConformanceTest;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.UpstreamHandler;
import java.net.URI;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class NettyConformanceIT extends AbstractAdapterConformanceTest {

  private NettyServer server;

  @Override
  protected URI startServer(PolicyEnforcer enforcer, UpstreamHandler upstream) throws Exception {
    server = new NettyServer(enforcer, upstream);
    return server.uri();
  }

  @Override
  protected void stopServer() {
    server.close();
  }
}
