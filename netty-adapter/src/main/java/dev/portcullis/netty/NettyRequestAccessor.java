package dev.portcullis.netty;

import dev.portcullis.spi.RequestAccessor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Reads an {@link InboundRequest} for the core: the request target exactly as it stood on the
 * request line ({@code HttpRequest.uri()}, never decoded), the headers as the decoder stored them,
 * and the IP address of the connection's peer.
 *
 * <p>Stateless and thread-safe; use {@link #INSTANCE}.
 */
final class NettyRequestAccessor implements RequestAccessor<InboundRequest> {

  static final NettyRequestAccessor INSTANCE = new NettyRequestAccessor();

  private NettyRequestAccessor() {}

  @Override
  public String method(InboundRequest request) {
    return request.head().method().name();
  }

  @Override
  public String protocol(InboundRequest request) {
    return request.head().protocolVersion().text();
  }

  @Override
  public String rawTarget(InboundRequest request) {
    return request.head().uri();
  }

  @Override
  public Iterable<String> headerNames(InboundRequest request) {
    return request.head().headers().names();
  }

  @Override
  public List<String> headerValues(InboundRequest request, String name) {
    return request.head().headers().getAll(name);
  }

  /**
   * The peer's IP address; empty for a peer that is not an IP socket (a Unix domain socket, a local
   * or embedded channel), which the core refuses ({@code client_address_invalid}) rather than guess
   * a client.
   */
  @Override
  public String remoteAddress(InboundRequest request) {
    if (request.peer() instanceof InetSocketAddress) {
      InetAddress address = ((InetSocketAddress) request.peer()).getAddress();
      if (address != null) {
        return address.getHostAddress();
      }
    }
    return "";
  }
}
