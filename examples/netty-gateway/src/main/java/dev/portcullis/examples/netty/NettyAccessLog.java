package dev.portcullis.examples.netty;

import dev.portcullis.Decision;
import dev.portcullis.examples.gateway.AccessLog;
import dev.portcullis.netty.PortcullisHandler;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Feeds the gateway's {@link AccessLog} from one client connection: {@link #front()} sits before
 * the Portcullis handler and sees each request come in and its response go out; {@link #behind()}
 * sits after it and sees the decision of each request it lets through. Both run on the connection's
 * event loop and only hand finished entries to the log's queue.
 */
final class NettyAccessLog {

  /** SonarQube's status for the response being relayed on a client channel; set by the exchange. */
  static final AttributeKey<Integer> UPSTREAM_STATUS =
      AttributeKey.valueOf(NettyAccessLog.class, "UPSTREAM_STATUS");

  private final AccessLog log;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();

  NettyAccessLog(AccessLog log) {
    this.log = log;
  }

  /** One request waiting for the end of its response. */
  private static final class Pending {
    final String method;
    final String target;
    final long startedNanos = System.nanoTime();
    Decision allowed;
    Decision denied;
    int status;
    long bytes;

    Pending(HttpRequest request) {
      this.method = request.method().name();
      this.target = request.uri();
    }
  }

  ChannelHandler front() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
          pending.add(new Pending((HttpRequest) msg));
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
          throws Exception {
        Pending current = pending.peekFirst();
        if (current != null) {
          if (msg instanceof HttpResponse) {
            current.status = ((HttpResponse) msg).status().code();
            current.denied = ctx.channel().attr(PortcullisHandler.DENIAL).getAndSet(null);
          }
          if (msg instanceof HttpContent) {
            current.bytes += ((HttpContent) msg).content().readableBytes();
          }
          if (msg instanceof LastHttpContent && current.status >= 200) {
            pending.pollFirst();
            Integer upstream = ctx.channel().attr(UPSTREAM_STATUS).getAndSet(null);
            log.log(entry(current, ctx.channel().remoteAddress(), upstream));
          }
        }
        ctx.write(msg, promise);
      }
    };
  }

  ChannelHandler behind() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The Portcullis handler takes one request at a time and the next only once the response
        // to this one is written, so what it lets through is the oldest request still waiting for
        // its response, not the last one read: a pipelining client may have sent more already.
        if (msg instanceof HttpRequest && !pending.isEmpty()) {
          pending.peekFirst().allowed = ctx.channel().attr(PortcullisHandler.DECISION).get();
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  private static AccessLog.Entry entry(Pending done, SocketAddress peer, Integer upstream) {
    Decision allowed =
        done.denied == null && done.allowed != null && done.allowed.allow() ? done.allowed : null;
    Decision judged = done.denied != null ? done.denied : allowed;
    String client =
        judged != null && !judged.clientIp().isEmpty()
            ? judged.clientIp()
            : peer instanceof InetSocketAddress
                ? ((InetSocketAddress) peer).getAddress().getHostAddress()
                : String.valueOf(peer);
    return new AccessLog.Entry(
        done.method,
        done.target,
        done.status,
        done.bytes,
        System.nanoTime() - done.startedNanos,
        client,
        allowed != null ? "allow" : "deny",
        done.denied != null ? done.denied.reasons() : List.of(),
        upstream == null ? 0 : upstream);
  }
}
