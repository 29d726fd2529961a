package dev.portcullis.netty;

import dev.portcullis.testkit.UpstreamHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conformance suite's {@link UpstreamHandler} behind {@code PortcullisHandler}: each request it
 * is passed runs the blocking handler on {@code executor}, with the body streamed in through a
 * {@link RequestBody} and the response streamed out through a {@link ResponseBody}, both with
 * backpressure and neither ever holding a whole body. One instance per channel.
 */
final class StreamingUpstream extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(StreamingUpstream.class);

  private final UpstreamHandler upstream;
  private final Executor executor;
  private RequestBody body;

  StreamingUpstream(UpstreamHandler upstream, Executor executor) {
    this.upstream = upstream;
    this.executor = executor;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest) {
        body = new RequestBody(ctx.channel());
        Exchange exchange = new Exchange((HttpRequest) msg, body, ctx.channel());
        executor.execute(exchange::run);
      }
      if (msg instanceof HttpContent && body != null) {
        HttpContent content = (HttpContent) msg;
        if (content.content().isReadable()) {
          body.offer(content.content().retain());
        }
        if (msg instanceof LastHttpContent) {
          body.end();
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (body != null) {
      body.abort();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing after {}", cause.getClass().getName());
    ctx.close();
  }

  /** One request handed to the blocking handler. */
  private final class Exchange implements UpstreamHandler.Exchange {
    private final HttpRequest request;
    private final RequestBody requestBody;
    private final Channel channel;
    private OutputStream responseBody;

    Exchange(HttpRequest request, RequestBody requestBody, Channel channel) {
      this.request = request;
      this.requestBody = requestBody;
      this.channel = channel;
    }

    void run() {
      try {
        upstream.handle(this);
        if (responseBody == null) {
          respond(500, "text/plain", 0).close();
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("upstream failed: {}", e.toString());
        channel.close();
      } finally {
        requestBody.discard();
      }
    }

    @Override
    public String method() {
      return request.method().name();
    }

    @Override
    public String target() {
      return request.uri();
    }

    @Override
    public List<String> headerValues(String name) {
      return request.headers().getAll(name);
    }

    @Override
    public InputStream requestBody() {
      return requestBody;
    }

    @Override
    public OutputStream respond(int status, String contentType, long contentLength) {
      HttpResponse head =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      if (contentLength >= 0) {
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
      } else {
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      channel.writeAndFlush(head);
      responseBody = new BufferedOutputStream(new ResponseBody(channel), 32 * 1024);
      return responseBody;
    }
  }
}
