package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The header deadline and the body rate on an embedded channel whose clock only the test moves,
 * checked by the channel's {@link IdleSweep} (no task of their own).
 */
@ExtendWith(NettyLeakCheck.class)
class RequestDeadlinesTest {

  private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);
  private static final long MIN_BODY_RATE = 1024;

  /** Divides every step the tests take, so a deadline is seen at the step it passes. */
  private static final Duration SWEEP_PERIOD = Duration.ofMillis(10);

  private final List<String> requests = new ArrayList<>();
  private IdleSweeps sweeps;
  private EmbeddedChannel channel;

  @AfterEach
  void finish() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private void serve(long minBodyRate) {
    sweeps = new IdleSweeps(SWEEP_PERIOD);
    RequestDeadlines deadlines = new RequestDeadlines(HEADER_TIMEOUT, minBodyRate, sweeps);
    channel = new EmbeddedChannel();
    // Frozen before the sweep starts, so that its runs fall on whole multiples of its period.
    channel.freezeTime();
    channel
        .pipeline()
        .addLast(
            deadlines.requestBytes(),
            new HttpServerCodec(),
            deadlines,
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest && ((HttpRequest) msg).decoderResult().isSuccess()) {
                  requests.add(((HttpRequest) msg).uri());
                }
                ReferenceCountUtil.release(msg);
              }
            });
  }

  private void send(String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
  }

  private void advance(long millis) {
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  private void answer() {
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    channel.writeAndFlush(response);
  }

  /** Everything written to the client so far, as text. */
  private String written() {
    StringBuilder text = new StringBuilder();
    for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
      text.append(out.toString(StandardCharsets.ISO_8859_1));
      out.release();
    }
    return text.toString();
  }

  @Test
  void headersTrickledPastTheTimeoutGet408AndTheConnectionCloses() {
    serve(MIN_BODY_RATE);
    send("GET /slow HTTP/1.1\r\n");
    for (int i = 0; i < 4; i++) {
      advance(200);
      send("X");
    }
    assertThat(channel.isOpen()).as("0.8 s after the first byte").isTrue();

    advance(200);

    assertThat(written()).startsWith("HTTP/1.1 408 ").containsIgnoringCase("connection: close");
    assertThat(channel.isOpen()).isFalse();
    assertThat(requests).isEmpty();
  }

  @Test
  void eachRequestOnAKeepAliveConnectionHasItsOwnHeaderDeadlineFromItsFirstByte() {
    serve(MIN_BODY_RATE);
    send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
    answer();
    written();
    advance(5_000); // idle between requests: the idle timeout's business, not this one's

    send("GET /second HTTP/1.1\r\n");
    advance(900);
    assertThat(channel.isOpen()).isTrue();
    advance(200);

    assertThat(written()).startsWith("HTTP/1.1 408 ");
    assertThat(channel.isOpen()).isFalse();
    assertThat(requests).containsExactly("/first");
  }

  @Test
  void anEmptyLineAfterARequestStartsNoHeaderDeadline() {
    serve(MIN_BODY_RATE);
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok");
    answer();
    send("\r\n");
    advance(5_000);

    assertThat(channel.isOpen()).isTrue();
    assertThat(written()).doesNotContain("408");
  }

  @Test
  void headersCompleteInTimeAreNotCut() {
    serve(MIN_BODY_RATE);
    send("GET /a HTTP/1.1\r\n");
    advance(900);
    send("Host: h\r\n\r\n");
    advance(5_000);

    assertThat(channel.isOpen()).isTrue();
    assertThat(requests).containsExactly("/a");
  }

  @Test
  void aHeaderDeadlineWhileAnEarlierResponseIsDueClosesWithoutA408() {
    serve(MIN_BODY_RATE);
    send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
    send("GET /second HTTP/1.1\r\n");
    advance(1_100);

    assertThat(written()).isEmpty();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void aBodyTrickledBelowTheMinimumRateIsClosedOnceItTookLongerThanTheHeaderTimeout() {
    serve(MIN_BODY_RATE);
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
    advance(500);
    send("x");
    advance(400);
    send("x");
    assertThat(channel.isOpen()).isTrue();

    advance(200);

    assertThat(channel.isOpen()).isFalse();
    assertThat(written()).as("a slow body gets no answer").isEmpty();
  }

  @Test
  void theRateIsCheckedAgainWhenTheAverageWouldFallBelowTheMinimum() {
    serve(MIN_BODY_RATE);
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(2048));
    advance(1_900);
    send("x".repeat(1024));
    advance(1_000); // 3072 bytes in 2.9 s
    assertThat(channel.isOpen()).isTrue();

    advance(200); // 3072 bytes in 3.1 s

    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void whileTheGatewayDoesNotReadTheClientTheBodyRateStartsOver() {
    serve(MIN_BODY_RATE);
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
    channel.config().setAutoRead(false);
    advance(1_000);
    advance(500);
    assertThat(channel.isOpen()).isTrue();

    channel.config().setAutoRead(true);
    advance(400); // 0.9 s since the count started over at 1 s
    assertThat(channel.isOpen()).isTrue();
    advance(200);

    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void aMinimumRateOfZeroTurnsTheBodyCheckOff() {
    serve(0);
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
    advance(60_000);

    assertThat(channel.isOpen()).isTrue();
  }
}
