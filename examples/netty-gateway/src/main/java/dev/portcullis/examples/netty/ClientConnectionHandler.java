package dev.portcullis.examples.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;

/**
 * The idle timeout of a client connection, aware of the exchanges on it, and its part in a graceful
 * stop.
 *
 * <p>Placed after {@code HttpServerCodec}, before the Portcullis handler, so it counts every
 * request and every final response, the ones the Portcullis handler answers itself included. A
 * connection silent in both directions for the idle timeout is closed when no request is open on it
 * or when the client stopped sending the body it announced; while a complete request waits for its
 * response, the upstream's timeouts decide. Bytes still leaving for a slow reader count as activity
 * ({@link ConnectionActivity}). The loop's {@link IdleSweep} checks the timeout, so it may fire up
 * to one sweep period late. Once {@link #drain()} was called, each response says {@code Connection:
 * close} and the connection closes after the last one. One instance per connection, used on its
 * event loop only.
 */
final class ClientConnectionHandler extends ChannelDuplexHandler implements IdleSweep.Swept {

  private final IdleSweeps sweeps;
  private final long idleTimeoutNanos;
  private final ConnectionActivity activity = new ConnectionActivity();
  private IdleSweep.Entry swept;
  private int requestsOpen;
  private boolean receivingBody;
  private boolean sendingInterim;
  private boolean draining;
  private ChannelHandlerContext ctx;

  ClientConnectionHandler(Duration idleTimeout, IdleSweeps sweeps) {
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.sweeps = sweeps;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext context) {
    ctx = context;
    IdleSweep sweep = sweeps.on(context.executor());
    activity.start(sweep.now());
    swept = sweep.register(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext context) {
    swept.cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext context) throws Exception {
    swept.cancel();
    super.channelInactive(context);
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
    activity.mark();
    if (msg instanceof HttpRequest) {
      requestsOpen++;
      receivingBody = true;
    }
    if (msg instanceof LastHttpContent) {
      receivingBody = false;
    }
    context.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise)
      throws Exception {
    activity.mark();
    if (msg instanceof HttpResponse) {
      HttpResponse response = (HttpResponse) msg;
      sendingInterim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      if (draining && !sendingInterim) {
        HttpUtil.setKeepAlive(response, false);
      }
    }
    boolean closeAfter = false;
    if (msg instanceof LastHttpContent) {
      if (sendingInterim) {
        sendingInterim = false;
      } else {
        requestsOpen = Math.max(0, requestsOpen - 1);
        closeAfter = draining && requestsOpen == 0;
      }
    }
    ChannelPromise written = closeAfter ? promise.unvoid() : promise;
    if (closeAfter) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
    context.write(msg, written);
  }

  @Override
  public void sweep(long now) {
    if (activity.idleFor(ctx.channel(), now) >= idleTimeoutNanos
        && (requestsOpen == 0 || receivingBody)) {
      ctx.close();
    }
  }

  /**
   * Starts the graceful stop of this connection: closes it now if no request is open, else after
   * the last response.
   */
  void drain() {
    draining = true;
    if (requestsOpen == 0) {
      ctx.close();
    }
  }
}
