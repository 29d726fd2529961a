package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.AbstractProtocolIT;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.RunningGateway;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The byte-level protocol suite against the Netty gateway, with its buffers checked for leaks. */
@ExtendWith(LeakCheck.class)
class NettyProtocolIT extends AbstractProtocolIT {

  @Override
  protected RunningGateway start(GatewayConfig config) throws Exception {
    return NettyGateway.start(config);
  }

  @Override
  @Test
  @Disabled("needs the netty hardening branch")
  protected void headersTrickledSlowerThanTheHeaderTimeoutAreCut() {}

  @Override
  @Test
  @Disabled("needs the netty hardening branch")
  protected void aBodyTrickledSlowerThanTheMinimumRateIsCutAndNeverCompletesUpstream() {}

  @Override
  @Test
  @Disabled("netty gateway: Netty's decoder joins an obs-fold into the previous header and the request is forwarded")
  protected void obsFoldedHeaderIsRefused() {}

  @Override
  @ParameterizedTest
  @MethodSource("codingsEndingInChunked")
  @Disabled("netty gateway: after the 501 it reads the body as chunked and forwards the request that follows")
  protected void stackedCodingsEndingInChunkedAreRefused(String coding) {}
}
