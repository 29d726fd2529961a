package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpDecoderConfig;
import org.junit.jupiter.api.Test;

class NettyGatewayTest {

  /**
   * Netty's defaults for both come from system properties, which a deployment could set without
   * noticing.
   */
  @Test
  void theDecodersAreStrictWhateverTheSystemPropertiesSay() {
    HttpDecoderConfig config = NettyGateway.decoderConfig();

    assertThat(config.isStrictLineParsing()).as("bare LF refused").isTrue();
    assertThat(config.isUseRfc9112TransferEncoding())
        .as("RFC 9112 Transfer-Encoding rules")
        .isTrue();
  }
}
