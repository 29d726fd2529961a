package dev.portcullis.examples.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.RejectedExecutionException;

/**
 * Keep-alive HTTP/1.1 connections to the upstream for the client connections of one event loop; the
 * connections run on that loop too, so a byte crosses no thread on its way through the gateway.
 *
 * <p>Used only on its event loop. At most {@code maxConnections} connections are open (by default
 * {@value #MAX_CONNECTIONS}) and {@value #MAX_IDLE} wait idle, most recently used first, each for
 * at most the keep-alive time; an exchange that finds every connection busy waits in line for up to
 * the connect timeout, then gets 503 (checked by the loop's {@link IdleSweep}, not a timer per
 * waiter).
 */
final class UpstreamPool implements IdleSweep.Swept {

  static final int MAX_CONNECTIONS = 256;
  static final int MAX_IDLE = 32;
  static final int MAX_WAITING = 1024;

  /**
   * Someone who asked for a connection. Exactly one of the two methods is called, on the pool's
   * loop.
   */
  interface Waiter {
    void acquired(UpstreamConnection connection, boolean reused);

    void failed(UpstreamFailure failure);
  }

  private final Upstream upstream;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final long waitLimitNanos;
  private final IdleSweep sweep;
  private final int maxConnections;
  private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private int open;
  private boolean closed;

  UpstreamPool(
      Upstream upstream,
      EventLoop loop,
      Bootstrap bootstrap,
      Duration waitLimit,
      int maxConnections,
      IdleSweeps sweeps) {
    this.upstream = upstream;
    this.maxConnections = maxConnections;
    this.loop = loop;
    this.bootstrap = bootstrap;
    this.waitLimitNanos = waitLimit.toNanos();
    this.sweep = sweeps.on(loop);
    sweep.register(this); // for as long as the gateway runs, like the pool
  }

  /**
   * Finds a connection for {@code waiter}: an idle one unless {@code fresh}, else a new one, else a
   * place in line.
   */
  void acquire(Waiter waiter, boolean fresh) {
    if (closed) {
      waiter.failed(UpstreamFailure.stopping());
      return;
    }
    if (!fresh) {
      for (UpstreamConnection connection; (connection = idle.pollFirst()) != null; ) {
        if (connection.reusable()) {
          waiter.acquired(connection, true);
          return;
        }
      }
    }
    if (open < maxConnections) {
      connect(waiter);
    } else if (waiting.size() < MAX_WAITING) {
      waiting.addLast(new Waiting(waiter, sweep.now()));
    } else {
      waiter.failed(UpstreamFailure.busy());
    }
  }

  /**
   * Withdraws a waiter that no longer needs a connection; a connection already on its way is given
   * back.
   */
  void cancel(Waiter waiter) {
    for (Iterator<Waiting> entries = waiting.iterator(); entries.hasNext(); ) {
      Waiting entry = entries.next();
      if (entry.waiter == waiter) {
        entries.remove();
        return;
      }
    }
  }

  /**
   * Takes a connection back after an exchange: back into use when {@code reusable} (the whole
   * request went out, the whole response came in, nobody said close), otherwise it is closed.
   *
   * <p>A reusable connection is handed on only after the current read: the exchange usually ends
   * inside the connection's read, and bytes after the response in that same read, which make the
   * connection unusable ({@link UpstreamCodec}), are decoded only once this returns.
   */
  void release(UpstreamConnection connection, boolean reusable) {
    connection.detach();
    if (reusable && !closed && connection.reusable()) {
      try {
        loop.execute(() -> reuse(connection));
        return;
      } catch (RejectedExecutionException stopped) {
        // the event loop is shutting down: nobody will reuse the connection
      }
    }
    connection.channel().close();
  }

  /**
   * Gives a released connection to the first waiter, or parks it, unless it became unusable
   * meanwhile.
   */
  private void reuse(UpstreamConnection connection) {
    if (!closed && connection.reusable()) {
      Waiting next = waiting.pollFirst();
      if (next != null) {
        next.waiter.acquired(connection, true);
        return;
      }
      if (idle.size() < MAX_IDLE) {
        connection.park();
        idle.addFirst(connection);
        return;
      }
    }
    connection.channel().close();
  }

  /**
   * Closes the idle connections and refuses new exchanges; connections in use close with their
   * exchange.
   */
  void close() {
    closed = true;
    for (Waiting entry; (entry = waiting.pollFirst()) != null; ) {
      entry.waiter.failed(UpstreamFailure.stopping());
    }
    for (UpstreamConnection connection; (connection = idle.pollFirst()) != null; ) {
      connection.channel().close();
    }
  }

  private void connect(Waiter waiter) {
    open++;
    upstream
        .resolve(loop)
        .addListener(
            resolved -> {
              if (!resolved.isSuccess()) {
                open--;
                waiter.failed(UpstreamFailure.unreachable(resolved.cause()));
                serveWaiting();
                return;
              }
              ChannelFuture connecting = bootstrap.connect((InetSocketAddress) resolved.getNow());
              Channel channel = connecting.channel();
              channel.closeFuture().addListener(closedFuture -> onClosed(channel));
              connecting.addListener(
                  connected -> {
                    if (!connected.isSuccess()) {
                      waiter.failed(UpstreamFailure.unreachable(connected.cause()));
                      return;
                    }
                    SslHandler tls = channel.pipeline().get(SslHandler.class);
                    if (tls == null) {
                      waiter.acquired(channel.pipeline().get(UpstreamConnection.class), false);
                      return;
                    }
                    tls.handshakeFuture()
                        .addListener(
                            handshake -> {
                              if (handshake.isSuccess()) {
                                waiter.acquired(
                                    channel.pipeline().get(UpstreamConnection.class), false);
                              } else {
                                channel.close();
                                waiter.failed(UpstreamFailure.unreachable(handshake.cause()));
                              }
                            });
                  });
            });
  }

  private void onClosed(Channel channel) {
    open--;
    idle.removeIf(connection -> connection.channel() == channel);
    serveWaiting();
  }

  private void serveWaiting() {
    if (!closed && open < maxConnections) {
      Waiting next = waiting.pollFirst();
      if (next != null) {
        connect(next.waiter);
      }
    }
  }

  /**
   * Fails with 503 the exchanges that waited in line for longer than the wait limit: the oldest
   * first, as all wait equally long.
   */
  @Override
  public void sweep(long now) {
    for (Waiting oldest; (oldest = waiting.peekFirst()) != null; ) {
      if (now - oldest.since < waitLimitNanos) {
        return;
      }
      waiting.pollFirst();
      oldest.waiter.failed(UpstreamFailure.busy());
    }
  }

  private static final class Waiting {
    final Waiter waiter;
    final long since;

    Waiting(Waiter waiter, long since) {
      this.waiter = waiter;
      this.since = since;
    }
  }
}
