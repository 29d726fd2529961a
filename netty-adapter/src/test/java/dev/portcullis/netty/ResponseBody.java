package dev.portcullis.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A response body written from a blocking thread to a channel, one {@code HttpContent} per write.
 * While the channel is not writable the writer waits for its last write to reach the socket, so a
 * large body never piles up in the outbound buffer. {@link #close()} ends the response with a
 * {@code LastHttpContent}.
 */
final class ResponseBody extends OutputStream {

  private final Channel channel;
  private boolean closed;

  ResponseBody(Channel channel) {
    this.channel = channel;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    if (closed) {
      throw new IOException("the response body is closed");
    }
    if (length == 0) {
      return;
    }
    ByteBuf chunk = channel.alloc().buffer(length).writeBytes(bytes, offset, length);
    ChannelFuture written = channel.writeAndFlush(new DefaultHttpContent(chunk));
    if (!channel.isWritable()) {
      written.awaitUninterruptibly();
    }
    if (written.isDone() && !written.isSuccess()) {
      throw new IOException("the client went away", written.cause());
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }
}
