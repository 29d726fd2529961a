package dev.portcullis.examples.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One allowed request relayed to the upstream and its response relayed back, both bodies streamed
 * piece by piece with backpressure: the client is not read while the upstream connection cannot
 * take more, and the upstream is not read while the client cannot.
 *
 * <p>Used only on the client's event loop, which is also the upstream connection's. Before any
 * response reached the client a failure is answered with 502, 503 or 504; afterwards it can only
 * close the client connection, which then sees a truncated body. An idempotent request without a
 * body that lost a reused connection before any answer is sent once more on a new connection (the
 * upstream may close an idle keep-alive connection just as it is reused). A connection goes back to
 * the pool only after the whole request went out and the whole response came in and nobody said
 * {@code Connection: close}.
 */
final class Exchange implements UpstreamPool.Waiter, UpstreamConnection.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private final ProxyHandler owner;
  private final ChannelHandlerContext client;
  private final EventLoop loop;
  private final Upstream upstream;
  private final UpstreamPool pool;
  private final HttpRequest request;

  /** Whether the client asked to keep its connection, read before its headers were edited. */
  private final boolean clientAsksKeepAlive;

  private final HttpRequest upstreamRequest;
  private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
  private final ChannelFutureListener upstreamWritten = this::upstreamWritten;
  private final ChannelFutureListener lastUpstreamWrite = this::lastUpstreamWrite;
  private final Runnable flushUpstream = this::flushUpstream;

  private UpstreamConnection connection;
  private int attempts;
  private boolean reused;
  private boolean waitingForPool;
  private long bodyBytesSent;
  private boolean requestReceived;
  private boolean requestSent;
  private boolean requestWritten;
  private boolean responseStarted;
  private boolean upstreamKeepAlive;
  private boolean clientKeepAlive;
  private boolean clientPaused;
  private boolean flushScheduled;
  private boolean finished;
  private long startedNanos;

  Exchange(
      ProxyHandler owner,
      ChannelHandlerContext client,
      Upstream upstream,
      HttpRequest request,
      boolean clientAsksKeepAlive,
      HttpRequest upstreamRequest) {
    this.owner = owner;
    this.client = client;
    this.loop = client.channel().eventLoop();
    this.upstream = upstream;
    this.pool = upstream.pool(loop);
    this.request = request;
    this.clientAsksKeepAlive = clientAsksKeepAlive;
    this.upstreamRequest = upstreamRequest;
  }

  /** The forwarded path without its query, for log lines only (so computed only for them). */
  private String path() {
    String target = upstreamRequest.uri();
    int query = target.indexOf('?');
    return query < 0 ? target : target.substring(0, query);
  }

  /**
   * Asks the pool for a connection; the client is not read until there is one that can take the
   * body.
   *
   * @param now the time on the loop's ticker, from which the upstream timeout counts
   */
  void start(long now) {
    startedNanos = now;
    attempts = 1;
    waitingForPool = true;
    pool.acquire(this, false);
    // An idle connection was handed over at once (the common case), or none: then, or while the
    // one handed over cannot take more, the client is not read. Pausing only then saves two
    // changes of the read interest per request.
    if (!finished
        && !requestReceived
        && (waitingForPool || (connection != null && !connection.channel().isWritable()))) {
      pauseClient();
    }
  }

  /** When the exchange started, on the loop's ticker. */
  long startedNanos() {
    return startedNanos;
  }

  /** The exchange took longer than the upstream timeout (the client's {@link IdleSweep} says). */
  void tooSlow() {
    fail(UpstreamFailure.tooSlow());
  }

  @Override
  public void acquired(UpstreamConnection acquired, boolean wasReused) {
    waitingForPool = false;
    if (finished) {
      pool.release(acquired, true);
      return;
    }
    connection = acquired;
    reused = wasReused;
    acquired.attach(this);
    acquired.channel().write(upstreamRequest).addListener(upstreamWritten);
    for (HttpContent part; (part = pending.poll()) != null; ) {
      sendBody(part);
    }
    flushUpstream();
    if (!requestReceived && acquired.channel().isWritable()) {
      resumeClient();
    }
  }

  @Override
  public void failed(UpstreamFailure failure) {
    waitingForPool = false;
    fail(failure);
  }

  /** A piece of the client's request body, owned from now on. */
  void onClientContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    HttpContent part = bodyPart(content);
    requestReceived |= last;
    if (finished || requestSent) {
      part.release();
      return;
    }
    if (connection == null) {
      pending.add(part);
      if (last) {
        resumeClient();
      } else {
        pauseClient();
      }
      return;
    }
    sendBody(part);
    if (last) {
      flushUpstream();
      resumeClient();
    } else {
      if (!flushScheduled) {
        flushScheduled = true;
        loop.execute(flushUpstream);
      }
      if (!connection.channel().isWritable()) {
        pauseClient();
      }
    }
  }

  private void sendBody(HttpContent part) {
    bodyBytesSent += part.content().readableBytes();
    boolean last = part instanceof LastHttpContent;
    ChannelFuture written = connection.channel().write(part);
    written.addListener(last ? lastUpstreamWrite : upstreamWritten);
    requestSent |= last;
  }

  private void flushUpstream() {
    flushScheduled = false;
    if (connection != null) {
      connection.channel().flush();
    }
  }

  private void upstreamWritten(ChannelFuture future) {
    if (!future.isSuccess() && connection != null && future.channel() == connection.channel()) {
      fail(UpstreamFailure.broken(future.cause()));
    }
  }

  private void lastUpstreamWrite(ChannelFuture future) {
    if (future.isSuccess()) {
      requestWritten |= connection != null && future.channel() == connection.channel();
    } else {
      upstreamWritten(future);
    }
  }

  @Override
  public void onResponse(HttpResponse response) {
    if (finished) {
      return;
    }
    if (response.decoderResult().isFailure()) {
      fail(UpstreamFailure.badResponse(response.decoderResult().cause()));
      return;
    }
    if (response.status().code() == 101) {
      fail(
          UpstreamFailure.badResponse(
              new IllegalStateException("101 Switching Protocols, but no upgrade was asked for")));
      return;
    }
    upstream.metrics().responded(response.status().code(), loop.ticker().nanoTime() - startedNanos);
    client.channel().attr(NettyAccessLog.UPSTREAM_STATUS).set(response.status().code());
    upstreamKeepAlive = HttpUtil.isKeepAlive(response);
    HttpResponse relayed =
        ProxyHeaders.toClient(response, request, requestReceived && clientAsksKeepAlive);
    clientKeepAlive = HttpUtil.isKeepAlive(relayed);
    responseStarted = true;
    client.write(relayed).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  @Override
  public void onContent(HttpContent content) {
    if (finished || !responseStarted) {
      content.release();
      return;
    }
    if (content instanceof LastHttpContent) {
      complete(bodyPart(content));
      return;
    }
    client.write(bodyPart(content)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    if (!client.channel().isWritable()) {
      connection.channel().config().setAutoRead(false);
    }
  }

  private void complete(HttpContent last) {
    boolean reusable = upstreamKeepAlive && requestWritten;
    UpstreamConnection used = connection;
    finish();
    pool.release(used, reusable);
    if (upstream.answered(true)) {
      LOG.info("upstream answering again upstream={}", upstream.uri());
    }
    if (clientKeepAlive) {
      resumeClient();
    }
    // Written after the bookkeeping: the Portcullis handler may pass the next pipelined request on
    // as
    // soon as this last piece goes through it.
    client
        .writeAndFlush(last)
        .addListener(
            clientKeepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
  }

  @Override
  public void onReadComplete() {
    if (!finished && responseStarted) {
      client.flush();
    }
  }

  @Override
  public void onWritabilityChanged() {
    if (!finished && connection != null && !requestReceived && connection.channel().isWritable()) {
      resumeClient();
    }
  }

  /**
   * The client connection's writability changed: read the upstream only while the client can take
   * more.
   */
  void onClientWritabilityChanged() {
    if (!finished && connection != null && responseStarted) {
      connection.channel().config().setAutoRead(client.channel().isWritable());
    }
  }

  @Override
  public void onFailure(UpstreamFailure failure) {
    fail(failure);
  }

  /**
   * The client connection closed: give up, and close the upstream connection, which is
   * mid-exchange.
   */
  void clientClosed() {
    if (finished) {
      return;
    }
    UpstreamConnection used = connection;
    finish();
    if (used != null) {
      pool.release(used, false);
    }
    LOG.debug(
        "client left mid-exchange method={} path={} responseStarted={}",
        request.method(),
        path(),
        responseStarted);
  }

  private void fail(UpstreamFailure failure) {
    if (finished) {
      return;
    }
    UpstreamConnection used = connection;
    if (used != null && mayRetry(failure)) {
      connection = null;
      pool.release(used, false);
      attempts++;
      requestSent = false;
      requestWritten = false;
      pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
      waitingForPool = true;
      LOG.debug(
          "reused upstream connection lost, sending again method={} path={} failure={}",
          request.method(),
          path(),
          failure.describe());
      pool.acquire(this, true);
      return;
    }
    finish();
    if (used != null) {
      pool.release(used, false);
    }
    boolean news = upstream.answered(false);
    if (!responseStarted) {
      upstream.metrics().failed(loop.ticker().nanoTime() - startedNanos);
      if (news) {
        LOG.warn(
            "upstream failed status={} method={} path={} failure={}",
            failure.status(),
            request.method(),
            path(),
            failure.describe());
      } else {
        LOG.debug(
            "upstream failed status={} method={} path={} failure={}",
            failure.status(),
            request.method(),
            path(),
            failure.describe());
      }
      boolean keepAlive = requestReceived && clientAsksKeepAlive;
      if (keepAlive) {
        resumeClient();
      }
      client
          .writeAndFlush(
              errorResponse(
                  request,
                  HttpResponseStatus.valueOf(failure.status()),
                  failure.reason(),
                  keepAlive))
          .addListener(
              keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    } else {
      if (news) {
        LOG.warn(
            "upstream failed mid-response, closing the client connection method={} path={} failure={}",
            request.method(),
            path(),
            failure.describe());
      } else {
        LOG.debug(
            "upstream failed mid-response, closing the client connection method={} path={} failure={}",
            request.method(),
            path(),
            failure.describe());
      }
      client.close();
    }
  }

  private boolean mayRetry(UpstreamFailure failure) {
    return failure.connectionLost()
        && reused
        && attempts == 1
        && !responseStarted
        && requestReceived
        && bodyBytesSent == 0
        && IDEMPOTENT.contains(request.method());
  }

  private void finish() {
    finished = true;
    if (waitingForPool) {
      waitingForPool = false;
      pool.cancel(this);
    }
    connection = null;
    for (HttpContent part; (part = pending.poll()) != null; ) {
      part.release();
    }
    owner.exchangeFinished(this);
  }

  private void pauseClient() {
    clientPaused = true;
    ChannelConfig config = client.channel().config();
    if (config.isAutoRead()) {
      config.setAutoRead(false);
    }
  }

  private void resumeClient() {
    if (clientPaused) {
      clientPaused = false;
      client.channel().config().setAutoRead(true);
    }
  }

  /**
   * The body bytes of {@code content} on their own: trailers are dropped, a whole message is split
   * off.
   */
  private static HttpContent bodyPart(HttpContent content) {
    if (content instanceof LastHttpContent) {
      return content == LastHttpContent.EMPTY_LAST_CONTENT
          ? content
          : new DefaultLastHttpContent(content.content());
    }
    return content instanceof HttpMessage ? new DefaultHttpContent(content.content()) : content;
  }

  /** A short answer of the gateway's own, for when the upstream could not give one. */
  static FullHttpResponse errorResponse(
      HttpRequest request, HttpResponseStatus status, String reason, boolean keepAlive) {
    HttpVersion version =
        HttpVersion.HTTP_1_0.equals(request.protocolVersion())
            ? HttpVersion.HTTP_1_0
            : HttpVersion.HTTP_1_1;
    return errorResponse(version, status, reason, keepAlive);
  }

  /**
   * A short answer of the gateway's own in {@code version}, also for a request it could not read
   * whole.
   */
  static FullHttpResponse errorResponse(
      HttpVersion version, HttpResponseStatus status, String reason, boolean keepAlive) {
    ByteBuf body =
        Unpooled.copiedBuffer(
            status.code() + " " + status.reasonPhrase() + " (" + reason + ")\n",
            StandardCharsets.US_ASCII);
    FullHttpResponse response = new DefaultFullHttpResponse(version, status, body);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii")
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    HttpUtil.setKeepAlive(response, keepAlive);
    return response;
  }
}
