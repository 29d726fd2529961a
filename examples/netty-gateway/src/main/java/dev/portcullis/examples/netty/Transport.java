package dev.portcullis.examples.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket transport the gateway's event loops run: Linux's native epoll when Netty's native
 * library loads (fewer copies and system calls than the JDK's selector), else the JDK's NIO.
 *
 * <p>{@code -Dportcullis.netty.transport=nio} forces NIO, for a platform where the native library
 * misbehaves.
 *
 * @param name {@code epoll} or {@code nio}, printed in the start-up line
 * @param ioHandlers what the event loops are built with
 * @param serverChannel the listening socket's channel class
 */
record Transport(
    String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel) {

  static final String PROPERTY = "portcullis.netty.transport";

  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

  /** Epoll where it is available and not turned off, else NIO (saying why at DEBUG). */
  static Transport best() {
    String wanted = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
    if (wanted.equals("nio")) {
      return nio();
    }
    if (Epoll.isAvailable()) {
      return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }
    LOG.debug("native epoll unavailable, using NIO", Epoll.unavailabilityCause());
    return nio();
  }

  static Transport nio() {
    return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
  }

  /** The client socket class that can register with {@code loop}: upstream connections share it. */
  static Class<? extends Channel> clientChannelFor(EventLoop loop) {
    return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class)
        ? EpollSocketChannel.class
        : NioSocketChannel.class;
  }
}
