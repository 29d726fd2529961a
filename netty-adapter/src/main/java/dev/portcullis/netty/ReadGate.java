package dev.portcullis.netty;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;

/**
 * Stops and restarts reading from a channel on behalf of {@link PortcullisHandler}, without
 * fighting other handlers that pause reading for their own backpressure.
 *
 * <p>It does both things Netty offers, because neither is enough alone. Turning {@code autoRead}
 * off is what actually stops the transport: with {@code autoRead} on, the selector keeps its read
 * interest and never passes a {@code read()} through the pipeline, so intercepting {@code read()}
 * would stop nothing. But a handler behind this one (a proxy reading by hand, or one that turns
 * {@code autoRead} back on when its upstream drains) asks for more through {@code read()}; while
 * paused, such a request is remembered and issued on {@link #resume()} instead of reading the next
 * request early. {@code autoRead} is turned back on only if this gate turned it off, so a handler
 * that had it off keeps it off.
 *
 * <p>Not thread-safe: event loop only.
 */
final class ReadGate {

  private final ChannelHandlerContext ctx;
  private boolean paused;
  private boolean autoReadTurnedOff;
  private boolean readDeferred;

  ReadGate(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  boolean isPaused() {
    return paused;
  }

  void pause() {
    if (paused) {
      return;
    }
    paused = true;
    ChannelConfig config = ctx.channel().config();
    if (config.isAutoRead()) {
      config.setAutoRead(false);
      autoReadTurnedOff = true;
    }
  }

  void resume() {
    if (!paused) {
      return;
    }
    paused = false;
    boolean restoreAutoRead = autoReadTurnedOff;
    boolean read = readDeferred;
    autoReadTurnedOff = false;
    readDeferred = false;
    ChannelConfig config = ctx.channel().config();
    if (restoreAutoRead && !config.isAutoRead()) {
      config.setAutoRead(true); // reads by itself
    } else if (read) {
      ctx.read();
    }
  }

  /**
   * A {@code read()} travelling through the handler: passed on, or kept for {@link #resume()} while
   * paused.
   */
  void read() {
    if (paused) {
      readDeferred = true;
    } else {
      ctx.read();
    }
  }

  /** The handler leaves the pipeline: reading goes back to how it was. */
  void release() {
    resume();
  }
}
