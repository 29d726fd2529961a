package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.GatewayCommand;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.examples.gateway.GatewayEnforcer;
import dev.portcullis.examples.gateway.GatewayLauncher;
import dev.portcullis.examples.gateway.ProxyTelemetry;
import dev.portcullis.examples.gateway.RunningGateway;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming reverse proxy for SonarQube on Netty 4.2: the Portcullis handler decides about every
 * request, and the proxy streams the allowed ones to SonarQube over pooled keep-alive connections.
 *
 * <p>A client connection's pipeline is {@code [SslHandler] → RequestHeads (obs-fold, bare CR) →
 * (request bytes) → HttpServerCodec → (decoded heads) → RequestDeadlines (header timeout, body
 * rate) → ClientConnectionHandler (idle timeout) → PortcullisHandler → ProxyHandler}; its upstream
 * connections run on the same event loop. Every timeout of the connections of one event loop,
 * client and upstream, is checked by that loop's one {@link IdleSweep}. Credentials are verified
 * against the upstream's {@code /api/authentication/validate} (cached) before the policy runs;
 * {@link GatewayEnforcer} says how the gateways decide.
 */
public final class NettyGateway implements RunningGateway {

  private static final Logger LOG = LoggerFactory.getLogger(NettyGateway.class);
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private final EventLoopGroup workers;
  private final Channel server;
  private final ChannelGroup clients;
  private final Upstream upstream;
  private final Runnable closeDecisions;
  private final URI uri;
  private final String description;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private NettyGateway(
      EventLoopGroup workers,
      Channel server,
      ChannelGroup clients,
      Upstream upstream,
      Runnable closeDecisions,
      URI uri,
      String description) {
    this.workers = workers;
    this.server = server;
    this.clients = clients;
    this.upstream = upstream;
    this.closeDecisions = closeDecisions;
    this.uri = uri;
    this.description = description;
  }

  /**
   * Starts the admin listener (if configured), loads the policy, starts Netty and returns once the
   * gateway accepts connections.
   */
  public static RunningGateway start(GatewayConfig config) throws Exception {
    return GatewayLauncher.start(
        config,
        "netty-gateway",
        (decisions, telemetry, closeDecisions, howItDecides) ->
            start(
                config,
                new PortcullisDecider(decisions.enforcer()),
                closeDecisions,
                howItDecides,
                Sizes.DEFAULT,
                telemetry));
  }

  /**
   * Starts the proxy behind {@code decider}; {@code closeDecisions} runs last when the gateway
   * stops, and {@code howItDecides} ends the start-up line.
   */
  static NettyGateway start(
      GatewayConfig config, Decider decider, Runnable closeDecisions, String howItDecides)
      throws Exception {
    return start(config, decider, closeDecisions, howItDecides, Sizes.DEFAULT);
  }

  /**
   * The gateway's fixed sizes, which tests shrink to make connections share an event loop and wait
   * for an upstream connection.
   *
   * @param ioThreads event loops, which also accept connections; 0 for one per available processor
   *     (Netty's own default is two per processor, which on a small VM only adds context switches:
   *     an event loop never blocks)
   * @param upstreamConnectionsPerLoop the most upstream connections each event loop opens
   */
  record Sizes(int ioThreads, int upstreamConnectionsPerLoop) {
    static final Sizes DEFAULT = new Sizes(0, UpstreamPool.MAX_CONNECTIONS);

    int eventLoops() {
      return ioThreads > 0 ? ioThreads : NettyRuntime.availableProcessors();
    }
  }

  static NettyGateway start(
      GatewayConfig config,
      Decider decider,
      Runnable closeDecisions,
      String howItDecides,
      Sizes sizes)
      throws Exception {
    return start(config, decider, closeDecisions, howItDecides, sizes, ProxyTelemetry.NONE);
  }

  /** As above, counting upstream responses and logging requests in {@code telemetry}. */
  static NettyGateway start(
      GatewayConfig config,
      Decider decider,
      Runnable closeDecisions,
      String howItDecides,
      Sizes sizes,
      ProxyTelemetry telemetry)
      throws Exception {
    SslContext tls = config.tls() ? serverTls(config) : null;
    Transport transport = Transport.best();
    IdleSweeps sweeps =
        new IdleSweeps(
            IdleSweep.periodFor(
                config.headerTimeout(),
                config.idleTimeout(),
                config.upstreamTimeout(),
                Upstream.MAX_KEEP_ALIVE));
    Upstream upstream =
        new Upstream(
            config.upstream(),
            config.connectTimeout(),
            config.idleTimeout(),
            sizes.upstreamConnectionsPerLoop(),
            telemetry.upstream(),
            sweeps);
    // One group both accepts and serves: accepting is cheap, and a dedicated acceptor thread would
    // be one more thread than cores.
    EventLoopGroup workers =
        new MultiThreadIoEventLoopGroup(
            sizes.eventLoops(), new DefaultThreadFactory("gateway-io"), transport.ioHandlers());
    ChannelGroup clients = new DefaultChannelGroup("gateway-clients", GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(workers)
            .channel(transport.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Upstream.WATER_MARK)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    clients.add(channel);
                    if (tls != null) {
                      channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
                    }
                    RequestHeads heads = new RequestHeads();
                    RequestDeadlines deadlines =
                        new RequestDeadlines(config.headerTimeout(), config.minBodyRate(), sweeps);
                    channel.pipeline().addLast("heads", heads);
                    channel.pipeline().addLast("request-bytes", deadlines.requestBytes());
                    channel.pipeline().addLast("http", new HttpServerCodec(decoderConfig()));
                    channel.pipeline().addLast("decoded-heads", heads.decoded());
                    channel.pipeline().addLast("deadlines", deadlines);
                    channel
                        .pipeline()
                        .addLast(
                            "connection",
                            new ClientConnectionHandler(config.idleTimeout(), sweeps));
                    NettyAccessLog accessLog =
                        telemetry.access().enabled()
                            ? new NettyAccessLog(telemetry.access())
                            : null;
                    if (accessLog != null) {
                      channel.pipeline().addLast("access-log", accessLog.front());
                    }
                    channel.pipeline().addLast("portcullis", decider.newHandler());
                    if (accessLog != null) {
                      channel.pipeline().addLast("access-decision", accessLog.behind());
                    }
                    channel
                        .pipeline()
                        .addLast(
                            "proxy",
                            new ProxyHandler(
                                upstream, decider, config.upstreamTimeout(), tls != null, sweeps));
                  }
                });
    String host = config.listen().getHostString();
    Channel server;
    try {
      server =
          bootstrap.bind(new InetSocketAddress(host, config.listen().getPort())).sync().channel();
    } catch (Exception e) {
      upstream.close();
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    int port = ((InetSocketAddress) server.localAddress()).getPort();
    URI uri = config.listenUri(port);
    String description =
        "Portcullis Netty gateway listening on "
            + uri
            + ", forwarding to "
            + config.upstream()
            + " ("
            + howItDecides
            + "; "
            + sizes.eventLoops()
            + " event loops on "
            + transport.name()
            + ")";
    return new NettyGateway(workers, server, clients, upstream, closeDecisions, uri, description);
  }

  /**
   * The HTTP/1.1 parsing of both sides: 16 KiB request or status line, 32 KiB of headers, lines
   * ending in CRLF only, and RFC 9112 framing ({@code Transfer-Encoding} only in HTTP/1.1, never
   * with {@code Content-Length}). The last two are Netty's defaults, but system properties can turn
   * them off; set here, they cannot.
   */
  static HttpDecoderConfig decoderConfig() {
    return new HttpDecoderConfig()
        .setMaxInitialLineLength(16 * 1024)
        .setMaxHeaderSize(32 * 1024)
        .setMaxChunkSize(64 * 1024)
        .setStrictLineParsing(true)
        .setUseRfc9112TransferEncoding(true);
  }

  private static SslContext serverTls(GatewayConfig config) {
    config.requireReadableTlsFiles();
    try {
      return SslContextBuilder.forServer(config.tlsCertificate().toFile(), config.tlsKey().toFile())
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot load the TLS certificate "
              + config.tlsCertificate()
              + " and key "
              + config.tlsKey()
              + " ("
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "): the certificate must be a PEM chain and the key an unencrypted PKCS#8 PEM "
              + "('-----BEGIN PRIVATE KEY-----'; convert with 'openssl pkcs8 -topk8 -nocrypt').",
          e);
    }
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void join() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops accepting, lets running exchanges finish for up to five seconds (idle connections close
   * at once, busy ones after their response, which says {@code Connection: close} unless its
   * headers had already gone out), then closes what is left, the pooled upstream connections and
   * the event loops, and finally the enforcer.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      awaitStopped();
      return;
    }
    try {
      server.close().awaitUninterruptibly();
      for (Channel client : clients) {
        client
            .eventLoop()
            .execute(
                () -> {
                  ClientConnectionHandler connection =
                      client.pipeline().get(ClientConnectionHandler.class);
                  if (connection != null) {
                    connection.drain();
                  } else {
                    client.close();
                  }
                });
      }
      if (!clients.newCloseFuture().awaitUninterruptibly(DRAIN.toMillis())) {
        LOG.info(
            "closing connections still busy after {} s count={}",
            DRAIN.toSeconds(),
            clients.size());
      }
      clients.close().awaitUninterruptibly();
      upstream.close();
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    } finally {
      try {
        closeDecisions.run();
      } finally {
        stopped.countDown();
      }
    }
  }

  private void awaitStopped() {
    boolean interrupted = false;
    while (stopped.getCount() > 0) {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  public static void main(String[] args) {
    System.setProperty(
        "org.slf4j.simpleLogger.log.io.netty",
        System.getProperty("org.slf4j.simpleLogger.log.io.netty", "warn"));
    System.exit(GatewayCommand.run("netty-gateway", NettyGateway::start, args));
  }
}
