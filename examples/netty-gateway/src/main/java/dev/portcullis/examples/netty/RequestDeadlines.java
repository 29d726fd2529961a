package dev.portcullis.examples.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines of the requests on one client connection, which the idle timeout cannot enforce
 * because every byte resets it: the headers of a request must be complete within the header timeout
 * of its first byte, and its body, once it has streamed for longer than the header timeout, must
 * have arrived at an average of at least the minimum rate since the end of the headers.
 *
 * <p>Headers too slow are answered 408 with {@code Connection: close} when every earlier request on
 * the connection has its response, and the connection is closed either way; a body too slow closes
 * the connection, which also ends its upstream exchange. A request starts at the first byte read
 * after the previous one ended; one that began in the same read as the previous one ended starts at
 * the next read (in the gateway, {@link RequestHeads} in front hands every head over in a read of
 * its own). While the gateway itself does not read the client (deciding, or the upstream cannot
 * take more), nothing is held against the client: a deadline that passes then starts over.
 *
 * <p>Two handlers share one instance: {@link #requestBytes()} right before {@code HttpServerCodec}
 * sees where a request begins, this one right after it sees where its headers and body end and the
 * responses written. The deadlines are checked by the event loop's {@link IdleSweep}, never by a
 * task per request, so one fires up to a sweep period late; the body rate is checked at every sweep
 * once the body has streamed for the header timeout. One instance per connection, used on its event
 * loop only.
 */
final class RequestDeadlines extends ChannelDuplexHandler implements IdleSweep.Swept {

  private static final Logger LOG = LoggerFactory.getLogger(RequestDeadlines.class);

  /** Where the connection is in the request being read. */
  private enum Phase {
    /** Between requests: no byte of the next one read yet. */
    IDLE,
    /** Bytes of a request read, its headers not complete: the header deadline runs. */
    HEADERS,
    /** Headers complete, the body coming: the body rate counts. */
    BODY
  }

  private final long headerTimeoutNanos;
  private final long minBodyRate;
  private final IdleSweeps sweeps;
  private ChannelHandlerContext ctx;
  private Phase phase = Phase.IDLE;

  /**
   * The first byte of the request in HEADERS; the end of its headers, or the restart of the count,
   * in BODY.
   */
  private long since;

  private long bodyBytes;

  /** Requests decoded whose final response has not been written whole. */
  private int unanswered;

  private boolean writingInterim;
  private IdleSweep sweep;
  private IdleSweep.Entry swept;

  /**
   * @param headerTimeout the longest time from a request's first byte to the end of its headers
   * @param minBodyRate the slowest average body rate in bytes per second; 0 turns the check off
   * @param sweeps where the deadlines are checked: the sweep of the connection's event loop
   */
  RequestDeadlines(Duration headerTimeout, long minBodyRate, IdleSweeps sweeps) {
    this.headerTimeoutNanos = headerTimeout.toNanos();
    this.minBodyRate = minBodyRate;
    this.sweeps = sweeps;
  }

  /**
   * The handler to place right before {@code HttpServerCodec}: it sees the bytes where a request
   * begins.
   */
  ChannelHandler requestBytes() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext context, Object msg) {
        if (phase == Phase.IDLE
            && ctx != null
            && msg instanceof ByteBuf
            && startsRequest((ByteBuf) msg)) {
          phase = Phase.HEADERS;
          since = now();
        }
        context.fireChannelRead(msg);
      }
    };
  }

  /**
   * Whether {@code bytes} hold more than the empty lines a client may send between requests (RFC
   * 9112 2.2).
   */
  private static boolean startsRequest(ByteBuf bytes) {
    return bytes.forEachByte(b -> b == '\r' || b == '\n') != -1;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext context) {
    ctx = context;
    sweep = sweeps.on(context.executor());
    swept = sweep.register(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext context) {
    swept.cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext context) throws Exception {
    swept.cancel();
    super.channelInactive(context);
  }

  @Override
  public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
    if (msg instanceof HttpRequest) {
      unanswered++;
      phase = Phase.BODY;
      since = now();
      bodyBytes = 0;
    }
    if (msg instanceof HttpContent) {
      bodyBytes += ((HttpContent) msg).content().readableBytes();
      if (msg instanceof LastHttpContent) {
        phase = Phase.IDLE;
      }
    }
    super.channelRead(context, msg);
  }

  @Override
  public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof HttpResponse) {
      HttpResponseStatus status = ((HttpResponse) msg).status();
      writingInterim =
          status.codeClass() == HttpStatusClass.INFORMATIONAL
              && status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
    }
    if (msg instanceof LastHttpContent) {
      if (!writingInterim) {
        unanswered = Math.max(0, unanswered - 1);
      }
      writingInterim = false;
    }
    super.write(context, msg, promise);
  }

  @Override
  public void sweep(long now) {
    if (phase == Phase.HEADERS) {
      checkHeaders(now);
    } else if (phase == Phase.BODY && minBodyRate > 0) {
      checkBody(now);
    }
  }

  private void checkHeaders(long now) {
    if (now - since < headerTimeoutNanos) {
      return;
    }
    if (!ctx.channel().config().isAutoRead()) {
      since = now; // the gateway is not reading what the client sent
      return;
    }
    LOG.debug(
        "request headers too slow, closing the connection client={} timeoutMs={} answered={}",
        client(),
        TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos),
        unanswered == 0);
    phase = Phase.IDLE;
    if (unanswered == 0) {
      ctx.writeAndFlush(
              Exchange.errorResponse(
                  HttpVersion.HTTP_1_1,
                  HttpResponseStatus.REQUEST_TIMEOUT,
                  "header_timeout",
                  false))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close(); // a response is still on its way; a 408 cannot go before it
    }
  }

  private void checkBody(long now) {
    long elapsed = now - since;
    if (elapsed < headerTimeoutNanos) {
      return;
    }
    if (!ctx.channel().config().isAutoRead()) {
      since = now; // the gateway holds the client back: count again from here
      bodyBytes = 0;
      return;
    }
    long rate = (long) (bodyBytes * 1e9 / elapsed);
    if (rate < minBodyRate) {
      LOG.info("slow request body closed client={} rate={}", client(), rate);
      phase = Phase.IDLE;
      ctx.close();
    }
  }

  private long now() {
    return sweep.now();
  }

  private String client() {
    SocketAddress peer = ctx.channel().remoteAddress();
    return peer instanceof InetSocketAddress
        ? ((InetSocketAddress) peer).getAddress().getHostAddress()
        : "unknown";
  }
}
