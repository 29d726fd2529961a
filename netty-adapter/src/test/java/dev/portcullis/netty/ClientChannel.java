package dev.portcullis.netty;

import dev.portcullis.testkit.RawHttpResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An embedded server channel with an IP peer (the core refuses a client without an IP address), an
 * {@code HttpServerCodec}, the handler under test and whatever follows it. A test writes request
 * bytes as a client would and reads back the response bytes the handler and the codec produced.
 */
final class ClientChannel extends EmbeddedChannel {

  static final String CLIENT_IP = "203.0.113.7";

  private static final InetSocketAddress IP_PEER = new InetSocketAddress(CLIENT_IP, 50_000);

  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private boolean embeddedPeer;

  private ClientChannel(ChannelHandler... handlers) {
    super(handlers);
  }

  /**
   * A channel from {@link #CLIENT_IP} with an {@code HttpServerCodec} in front of {@code handlers}.
   */
  static ClientChannel withCodec(ChannelHandler... handlers) {
    return new ClientChannel(codecFirst(handlers));
  }

  /**
   * A channel from {@link #CLIENT_IP} without a codec: the test writes {@code HttpObject}s itself.
   */
  static ClientChannel withoutCodec(ChannelHandler... handlers) {
    return new ClientChannel(handlers);
  }

  /** A channel whose peer is not an IP socket, as on a Unix domain socket. */
  static ClientChannel withoutIpPeer(ChannelHandler... handlers) {
    ClientChannel channel = new ClientChannel(codecFirst(handlers));
    channel.embeddedPeer = true;
    return channel;
  }

  private static ChannelHandler[] codecFirst(ChannelHandler[] handlers) {
    ChannelHandler[] all = new ChannelHandler[handlers.length + 1];
    all[0] = new HttpServerCodec();
    System.arraycopy(handlers, 0, all, 1, handlers.length);
    return all;
  }

  @Override
  public SocketAddress remoteAddress() {
    return embeddedPeer ? super.remoteAddress() : IP_PEER;
  }

  /** Sends request bytes as one read. */
  void send(String text) {
    send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  void send(byte[] bytes) {
    writeInbound(Unpooled.wrappedBuffer(bytes));
  }

  /** Runs tasks that decisions and response ends scheduled on the event loop. */
  void runTasks() {
    runPendingTasks();
  }

  /** Every response written to the client so far, in order. */
  List<RawHttpResponse> responses() {
    ByteBuf out;
    while ((out = readOutbound()) != null) {
      try {
        out.readBytes(written, out.readableBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        out.release();
      }
    }
    try {
      return RawHttpResponse.parseAll(written.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
