package dev.portcullis.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A request body on its way from the event loop to a blocking reader, through a short queue. When
 * the queue holds {@value #PAUSE_AT} chunks the channel stops reading ({@code autoRead} off), and
 * it reads again once the reader has taken it down to {@value #RESUME_AT}: the backpressure a proxy
 * applies when its upstream is slow, so a large body never piles up in memory.
 *
 * <p>{@link #offer} and {@link #end} are called on the event loop, the stream methods on the
 * reader's thread.
 */
final class RequestBody extends InputStream {

  private static final int PAUSE_AT = 16;
  private static final int RESUME_AT = 4;
  private static final long WAIT_MILLIS = 60_000;

  private final Channel channel;
  private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
  private boolean ended;
  private boolean aborted;
  private boolean discarded;
  private boolean paused;

  RequestBody(Channel channel) {
    this.channel = channel;
  }

  /** Takes over one retained chunk. */
  synchronized void offer(ByteBuf chunk) {
    if (discarded) {
      chunk.release();
      return;
    }
    chunks.add(chunk);
    if (chunks.size() >= PAUSE_AT && !paused) {
      paused = true;
      channel.config().setAutoRead(false);
    }
    notifyAll();
  }

  synchronized void end() {
    ended = true;
    notifyAll();
  }

  /** The connection went away before the body ended. */
  synchronized void abort() {
    aborted = true;
    notifyAll();
  }

  /** The reader is done: drop whatever is still queued or comes later. */
  synchronized void discard() {
    discarded = true;
    ByteBuf chunk;
    while ((chunk = chunks.poll()) != null) {
      chunk.release();
    }
    resumeReading();
  }

  @Override
  public synchronized int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (chunks.isEmpty()) {
      if (ended) {
        return -1;
      }
      if (aborted || discarded) {
        throw new IOException("the request body was cut off");
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new IOException("no request body arrived for " + WAIT_MILLIS + " ms");
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
    }
    ByteBuf chunk = chunks.peek();
    int count = Math.min(length, chunk.readableBytes());
    chunk.readBytes(buffer, offset, count);
    if (!chunk.isReadable()) {
      chunks.poll().release();
      if (chunks.size() <= RESUME_AT) {
        resumeReading();
      }
    }
    return count;
  }

  private void resumeReading() {
    if (paused) {
      paused = false;
      channel.config().setAutoRead(true);
    }
  }
}
