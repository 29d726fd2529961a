package dev.portcullis.netty;

import io.netty.handler.codec.http.HttpRequest;
import java.net.SocketAddress;

/**
 * A request head as the decoder produced it, with the peer of the connection it came on: what
 * {@link NettyRequestAccessor} reads.
 *
 * @param head the request line and headers, exactly as received
 * @param peer the channel's remote address, or null when the channel has none
 */
record InboundRequest(HttpRequest head, SocketAddress peer) {}
