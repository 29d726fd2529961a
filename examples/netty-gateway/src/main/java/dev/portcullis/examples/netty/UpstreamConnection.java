package dev.portcullis.examples.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;

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
final class UpstreamConnection extends ChannelDuplexHandler implements IdleSweep.Swept {

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

  private final IdleSweeps sweeps;
  private final long idleTimeoutNanos;
  private final long keepAliveNanos;
  private final ConnectionActivity activity = new ConnectionActivity();
  private IdleSweep.Entry swept;
  private Channel channel;
  private Listener listener;
  private boolean parked;
  private boolean interim;
  private boolean unusable;

  /**
   * @param idleTimeout the longest silence while an exchange uses the connection
   * @param keepAlive the longest disuse while it waits in its pool
   * @param sweeps where both are checked: the sweep of the connection's event loop
   */
  UpstreamConnection(Duration idleTimeout, Duration keepAlive, IdleSweeps sweeps) {
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.keepAliveNanos = keepAlive.toNanos();
    this.sweeps = sweeps;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    IdleSweep sweep = sweeps.on(ctx.executor());
    activity.start(sweep.now());
    swept = sweep.register(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    swept.cancel();
  }

  /**
   * Closes the connection after {@code keepAlive} of disuse in its pool; while in use, fails its
   * exchange after the idle timeout of silence in both directions.
   */
  @Override
  public void sweep(long now) {
    long idle = activity.idleFor(channel, now);
    if (parked) {
      if (idle >= keepAliveNanos) {
        unusable = true;
        channel.close();
      }
    } else if (idle >= idleTimeoutNanos) {
      unusable = true;
      fail(UpstreamFailure.silent());
      channel.close();
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    activity.mark();
    ctx.write(msg, promise);
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
    parked = false;
    activity.mark();
    listener = exchange;
    channel.config().setAutoRead(true);
  }

  /** Takes the connection back from its exchange. */
  void detach() {
    listener = null;
  }

  /** Parks the connection in its pool, closing it after the keep-alive time of disuse. */
  void park() {
    listener = null;
    parked = true;
    activity.mark();
    channel.config().setAutoRead(true);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    activity.mark();
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
    swept.cancel();
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
    if (event == UpstreamCodec.UNEXPECTED_BYTES) {
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
