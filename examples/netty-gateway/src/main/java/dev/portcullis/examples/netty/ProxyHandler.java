package dev.portcullis.examples.netty;

import dev.portcullis.netty.RequestAborted;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client connection: relays each allowed request to the upstream as an {@link
 * Exchange} and streams the response back.
 *
 * <p>One instance per connection, used on its event loop only. It takes one request at a time, each
 * followed by its content, the next only after the response to the previous one was written: the
 * Portcullis handler in front of it serializes pipelined requests. A request nothing said was
 * allowed is refused with 500 and the connection closed (fail closed); so is a request that
 * overtakes the one being relayed. A request the Portcullis handler aborts ({@link RequestAborted},
 * a body over its limit) is abandoned at once: its upstream connection is closed, so the partial
 * body is never taken for a whole one.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements IdleSweep.Swept {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  private final Upstream upstream;
  private final Decider decider;
  private final long upstreamTimeoutNanos;
  private final String scheme;
  private final IdleSweeps sweeps;
  private ChannelHandlerContext ctx;
  private IdleSweep sweep;
  private IdleSweep.Entry swept;
  private Exchange current;

  /** The port the client connected to, as text: the same for every request on the connection. */
  private String localPort;

  /**
   * @param upstreamTimeout the longest time from a request's arrival here to the end of its
   *     response; checked by the event loop's sweep in {@code sweeps}
   */
  ProxyHandler(
      Upstream upstream,
      Decider decider,
      Duration upstreamTimeout,
      boolean tls,
      IdleSweeps sweeps) {
    this.upstream = upstream;
    this.decider = decider;
    this.upstreamTimeoutNanos = upstreamTimeout.toNanos();
    this.scheme = tls ? "https" : "http";
    this.sweeps = sweeps;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext context) {
    ctx = context;
    sweep = sweeps.on(context.executor());
    swept = sweep.register(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext context) {
    swept.cancel();
  }

  /** Fails the exchange under way once it has taken longer than the upstream timeout. */
  @Override
  public void sweep(long now) {
    Exchange exchange = current;
    if (exchange != null && now - exchange.startedNanos() >= upstreamTimeoutNanos) {
      exchange.tooSlow();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object msg) {
    if (msg instanceof HttpRequest) {
      onRequest((HttpRequest) msg);
    }
    if (msg instanceof HttpContent) {
      Exchange exchange = current;
      if (exchange != null) {
        exchange.onClientContent((HttpContent) msg);
      } else {
        // the rest of a request answered without the upstream, or of one refused here
        ReferenceCountUtil.release(msg);
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(HttpRequest request) {
    if (current != null) {
      LOG.error(
          "a request overtook the one being relayed; closing the connection (the Portcullis handler must be "
              + "in front of the proxy)");
      current.clientClosed();
      ctx.close();
      return;
    }
    if (request.decoderResult().isFailure()) {
      ctx.writeAndFlush(
              Exchange.errorResponse(
                  request, HttpResponseStatus.BAD_REQUEST, "malformed_request", false))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    Decider.Allowed allowed = decider.judged(ctx.channel(), request);
    if (allowed == null
        || !allowed.target().startsWith("/")
        || HttpMethod.CONNECT.equals(request.method())) {
      LOG.error(
          "a request reached the proxy without a Portcullis decision; refusing to forward it (is the "
              + "Portcullis handler installed?)");
      ctx.writeAndFlush(
              Exchange.errorResponse(
                  request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "not_judged", false))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
    InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
    if (peer == null || local == null) {
      ctx.close();
      return;
    }
    String client =
        allowed.clientIp().isEmpty() ? peer.getAddress().getHostAddress() : allowed.clientIp();
    boolean keepAlive = HttpUtil.isKeepAlive(request); // before its headers become the upstream's
    if (localPort == null) {
      localPort = Integer.toString(local.getPort());
    }
    HttpRequest forwarded =
        ProxyHeaders.toUpstream(
            request, allowed.target(), upstream.authority(), client, scheme, localPort);
    Exchange exchange = new Exchange(this, ctx, upstream, request, keepAlive, forwarded);
    current = exchange;
    exchange.start(sweep.now());
  }

  void exchangeFinished(Exchange exchange) {
    if (current == exchange) {
      current = null;
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext context, Object event) {
    if (event instanceof RequestAborted && current != null) {
      LOG.debug(
          "request aborted by the Portcullis handler, closing its upstream connection reason={}",
          ((RequestAborted) event).deny().primaryReason());
      current.clientClosed();
    }
    context.fireUserEventTriggered(event);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext context) {
    if (current != null) {
      current.onClientWritabilityChanged();
    }
    context.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext context) {
    swept.cancel();
    if (current != null) {
      current.clientClosed();
    }
    context.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
    // the type only: a decoder's message may quote a header value
    LOG.debug("client connection failed cause={}", cause.getClass().getName());
    if (current != null) {
      current.clientClosed();
    }
    context.close();
  }
}
