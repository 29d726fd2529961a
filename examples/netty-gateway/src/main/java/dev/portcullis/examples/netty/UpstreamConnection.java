package dev.portcullis.examples.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's end of one keep-alive connection to the upstream: the last handler of its pipeline,
 * which hands what the upstream sends to the exchange currently using the connection.
 *
 * <p>Used only on its channel's event loop. Anything the upstream sends while no response is due,
 * from the end of one response to the next request ({@link UpstreamCodec#UNEXPECTED_BYTES}), is out
 * of step with the requests and makes the connection unusable: it is closed, never reused. So is
 * silence longer than the pool's keep-alive time. Interim (1xx) responses are dropped: the gateway
 * never asks for one.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  /** What happens on the connection while an exchange uses it. */
  interface Listener {
    /**
     * The response headers; the body follows as {@link #onContent}. A failed decoding is a failed
     * response.
     */
    void onResponse(HttpResponse response);

    /** A piece of the response body; the listener owns it. */
    void onContent(HttpContent content);

    /** The end of one read from the socket: time to flush what was passed on. */
    void onReadComplete();

    /** The connection's writability changed. */
    void onWritabilityChanged();

    /** The connection closed, failed or stayed silent too long. */
    void onFailure(UpstreamFailure failure);
  }

  private Channel channel;
  private Listener listener;
  private boolean interim;
  private boolean unusable;
  private ScheduledFuture<?> expiry;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  Channel channel() {
    return channel;
  }

  /**
   * Whether the connection may carry another exchange: open, and the upstream never spoke out of
   * turn.
   */
  boolean reusable() {
    return !unusable && channel.isActive();
  }

  /** Gives the connection to an exchange. */
  void attach(Listener exchange) {
    if (expiry != null) {
      expiry.cancel(false);
      expiry = null;
    }
    listener = exchange;
    channel.config().setAutoRead(true);
  }

  /** Takes the connection back from its exchange. */
  void detach() {
    listener = null;
  }

  /** Parks the connection in its pool, closing it after {@code keepAlive} of disuse. */
  void park(Duration keepAlive) {
    listener = null;
    channel.config().setAutoRead(true);
    expiry =
        channel
            .eventLoop()
            .schedule(
                () -> {
                  if (listener == null) {
                    channel.close();
                  }
                },
                keepAlive.toMillis(),
                TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (listener == null) {
      ReferenceCountUtil.release(msg);
      unusable = true;
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse) {
      HttpResponse response = (HttpResponse) msg;
      if (response.decoderResult().isSuccess()
          && response.status().codeClass() == HttpStatusClass.INFORMATIONAL
          && response.status().code() != 101) {
        interim = true;
      } else {
        listener.onResponse(response);
      }
    }
    if (msg instanceof HttpContent) {
      if (interim || listener == null) {
        interim &= !(msg instanceof LastHttpContent);
        ReferenceCountUtil.release(msg);
      } else {
        listener.onContent((HttpContent) msg);
      }
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (listener != null) {
      listener.onReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (listener != null) {
      listener.onWritabilityChanged();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (expiry != null) {
      expiry.cancel(false);
    }
    fail(UpstreamFailure.closed());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    unusable = true;
    fail(UpstreamFailure.broken(cause));
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      unusable = true;
      fail(UpstreamFailure.silent());
      ctx.close();
    } else if (event == UpstreamCodec.UNEXPECTED_BYTES) {
      unusable = true;
      fail(
          UpstreamFailure.badResponse(
              new IllegalStateException("bytes after the end of the response")));
      ctx.close();
    } else {
      ReferenceCountUtil.release(event);
    }
  }

  private void fail(UpstreamFailure failure) {
    Listener current = listener;
    listener = null;
    if (current != null) {
      current.onFailure(failure);
    }
  }
}
