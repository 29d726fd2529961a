package dev.portcullis.examples.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * When a connection last did something, as an {@link IdleSweep} sees it: a message read or written,
 * or bytes of its outbound buffer leaving for the peer (a slow reader of a large response is not
 * idle while it reads, as with {@code IdleStateHandler}'s {@code observeOutput}). The hot path only
 * sets a flag; the sweep turns it into a time. Used on the connection's event loop only.
 */
final class ConnectionActivity {

  private boolean marked;
  private long lastActive;
  private long lastPendingBytes;
  private long lastProgress;

  /** The connection starts at {@code now}. */
  void start(long now) {
    lastActive = now;
  }

  /** Something was read or written; cheap enough for every message. */
  void mark() {
    marked = true;
  }

  /**
   * How long the connection has been inactive at {@code now}, the time of a sweep; 0 when it was
   * active since the last sweep.
   */
  long idleFor(Channel channel, long now) {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    long pending = out == null ? 0 : out.totalPendingWriteBytes();
    long progress = out == null ? 0 : out.currentProgress();
    if (marked || pending != lastPendingBytes || progress != lastProgress) {
      marked = false;
      lastPendingBytes = pending;
      lastProgress = progress;
      lastActive = now;
    }
    return now - lastActive;
  }
}
