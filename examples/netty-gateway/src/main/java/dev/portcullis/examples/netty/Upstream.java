package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.UpstreamMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

/**
 * The upstream origin (SonarQube) as the gateway reaches it: its address, its {@code Host}, TLS
 * when it is {@code https} (the JDK's default trust, host name verified), and one {@link
 * UpstreamPool} per event loop.
 *
 * <p>Thread-safe. A host name that is not an IP literal is resolved on a thread of its own, never
 * on an event loop.
 */
final class Upstream {

  /**
   * Longest an idle connection is kept: below the keep-alive timeouts of common servers and
   * proxies.
   */
  static final Duration MAX_KEEP_ALIVE = Duration.ofSeconds(15);

  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

  private final URI uri;
  private final String host;
  private final int port;
  private final String authority;
  private final InetAddress literal;
  private final SslContext tls;
  private final Duration connectTimeout;
  private final Duration idleTimeout;
  private final int maxConnectionsPerLoop;
  private final ExecutorService resolver;
  private final ConcurrentMap<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
  private final AtomicBoolean answering = new AtomicBoolean(true);
  private final UpstreamMetrics metrics;
  private final IdleSweeps sweeps;

  /**
   * @param idleTimeout the longest silence on a connection in use; an idle one is kept for the
   *     shorter of this and {@link #MAX_KEEP_ALIVE}
   * @param sweeps where both are checked: the sweep of each connection's event loop
   */
  Upstream(
      URI uri,
      Duration connectTimeout,
      Duration idleTimeout,
      int maxConnectionsPerLoop,
      UpstreamMetrics metrics,
      IdleSweeps sweeps) {
    this.metrics = metrics;
    this.sweeps = sweeps;
    this.uri = uri;
    this.maxConnectionsPerLoop = maxConnectionsPerLoop;
    boolean https = "https".equals(uri.getScheme());
    String uriHost = uri.getHost();
    this.host = uriHost.startsWith("[") ? uriHost.substring(1, uriHost.length() - 1) : uriHost;
    this.port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
    this.authority = uriHost + (uri.getPort() != -1 ? ":" + uri.getPort() : "");
    this.literal = NetUtil.createInetAddressFromIpAddressString(host);
    this.connectTimeout = connectTimeout;
    this.idleTimeout = idleTimeout;
    this.resolver =
        literal != null
            ? null
            : Executors.newSingleThreadExecutor(
                runnable -> {
                  Thread thread = new Thread(runnable, "upstream-resolver");
                  thread.setDaemon(true);
                  return thread;
                });
    try {
      this.tls =
          https
              ? SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build()
              : null;
    } catch (SSLException e) {
      throw new IllegalStateException("Cannot set up TLS to " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The value of {@code Host} on forwarded requests. */
  String authority() {
    return authority;
  }

  URI uri() {
    return uri;
  }

  /** The pool of the client connections on {@code loop}; use it on that loop only. */
  UpstreamPool pool(EventLoop loop) {
    return pools.computeIfAbsent(loop, this::newPool);
  }

  /**
   * Records whether the upstream answered and says whether that is news: the first failure after
   * answers, or the first answer after failures, is worth a WARN or INFO line; repeats are DEBUG.
   */
  /** Where exchanges count upstream responses; lock-free, so event loops may use it. */
  UpstreamMetrics metrics() {
    return metrics;
  }

  boolean answered(boolean ok) {
    return answering.getAndSet(ok) != ok;
  }

  /** How long an idle connection waits in its pool: the shorter of the idle timeout and 15 s. */
  Duration keepAlive() {
    return idleTimeout.compareTo(MAX_KEEP_ALIVE) < 0 ? idleTimeout : MAX_KEEP_ALIVE;
  }

  private UpstreamPool newPool(EventLoop loop) {
    Duration keepAlive = keepAlive();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(Transport.clientChannelFor(loop))
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    if (tls != null) {
                      channel
                          .pipeline()
                          .addLast("tls", tls.newHandler(channel.alloc(), host, port));
                    }
                    channel
                        .pipeline()
                        .addLast("http", new UpstreamCodec(NettyGateway.decoderConfig()));
                    channel
                        .pipeline()
                        .addLast(
                            "exchange", new UpstreamConnection(idleTimeout, keepAlive, sweeps));
                  }
                });
    return new UpstreamPool(this, loop, bootstrap, connectTimeout, maxConnectionsPerLoop, sweeps);
  }

  /**
   * The upstream's socket address, resolved off the event loop unless the host is an IP literal.
   */
  Future<InetSocketAddress> resolve(EventLoop loop) {
    Promise<InetSocketAddress> address = loop.newPromise();
    if (literal != null) {
      return address.setSuccess(new InetSocketAddress(literal, port));
    }
    try {
      resolver.execute(
          () -> {
            try {
              address.trySuccess(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (UnknownHostException | SecurityException e) {
              address.tryFailure(e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      address.tryFailure(e);
    }
    return address;
  }

  /** Closes every pool's idle connections, each on its own loop, and waits for that. */
  void close() {
    List<Future<?>> closing = new ArrayList<>();
    pools.forEach(
        (loop, pool) -> {
          if (!loop.isShuttingDown()) {
            closing.add(loop.submit(pool::close));
          }
        });
    closing.forEach(future -> future.awaitUninterruptibly(2, TimeUnit.SECONDS));
    if (resolver != null) {
      resolver.shutdownNow();
    }
  }
}
