package dev.portcullis.netty;

import dev.portcullis.Decision;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the handlers behind {@code PortcullisHandler} would be, for embedded tests: records each
 * request it receives (head, decision attribute, body length, the order of events, {@link
 * RequestAborted}) and answers it with {@code 200} and {@code "<uri> <body bytes>"}, at once or
 * when the test says so. A handler in the pipeline, not a server: the test kit's {@code
 * RecordingUpstream} is the one on a socket.
 */
final class RecordingHandler extends ChannelInboundHandlerAdapter {

  private final boolean answerAtOnce;
  private final List<Received> received = new ArrayList<>();
  private final List<String> events = new ArrayList<>();
  private ChannelHandlerContext ctx;

  /** One request as it arrived. */
  static final class Received {
    final String method;
    final String uri;
    final HttpHeaders headers;
    final Decision decision;
    long bodyBytes;
    boolean complete;

    Received(HttpRequest request, Decision decision) {
      this.method = request.method().name();
      this.uri = request.uri();
      this.headers = request.headers().copy();
      this.decision = decision;
    }
  }

  RecordingHandler(boolean answerAtOnce) {
    this.answerAtOnce = answerAtOnce;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest) {
        HttpRequest request = (HttpRequest) msg;
        received.add(new Received(request, ctx.channel().attr(PortcullisHandler.DECISION).get()));
        events.add("request " + request.uri());
      }
      if (msg instanceof HttpContent) {
        Received current = received.get(received.size() - 1);
        int bytes = ((HttpContent) msg).content().readableBytes();
        current.bodyBytes += bytes;
        events.add("content " + bytes);
        if (msg instanceof LastHttpContent) {
          current.complete = true;
          events.add("last");
          if (answerAtOnce) {
            answer(received.size() - 1);
          }
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    events.add("readComplete");
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof RequestAborted) {
      events.add("aborted " + ((RequestAborted) event).deny().primaryReason());
    }
    ReferenceCountUtil.release(event);
  }

  /** Writes the response to the {@code index}th request received, through the whole pipeline. */
  void answer(int index) {
    Received request = received.get(index);
    byte[] body = (request.uri + " " + request.bodyBytes).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    ctx.channel().writeAndFlush(response);
  }

  List<Received> received() {
    return received;
  }

  List<String> events() {
    return events;
  }
}
