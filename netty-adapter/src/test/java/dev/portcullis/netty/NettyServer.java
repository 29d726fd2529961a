package dev.portcullis.netty;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.UpstreamHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real Netty HTTP server on an ephemeral loopback port: {@code HttpServerCodec}, then {@link
 * PortcullisHandler}, then a {@link StreamingUpstream} running {@code upstream}.
 */
final class NettyServer implements AutoCloseable {

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final ExecutorService upstreamThreads =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "upstream");
            thread.setDaemon(true);
            return thread;
          });
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  private final Channel listener;

  NettyServer(PolicyEnforcer enforcer, UpstreamHandler upstream) throws InterruptedException {
    listener =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    connections.add(channel);
                    channel.closeFuture().addListener(closed -> connections.remove(channel));
                    channel
                        .pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            PortcullisHandler.builder(enforcer).build(),
                            new StreamingUpstream(upstream, upstreamThreads));
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
  }

  URI uri() {
    return URI.create(
        "http://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort());
  }

  /** The server side of every open connection. */
  Set<Channel> connections() {
    return connections;
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    upstreamThreads.shutdownNow();
  }
}
