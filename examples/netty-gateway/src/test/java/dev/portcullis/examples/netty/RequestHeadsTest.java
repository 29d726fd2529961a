package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request heads checked at the byte level in front of the gateway's own decoder, with what it
 * decoded.
 */
@ExtendWith(NettyLeakCheck.class)
class RequestHeadsTest {

  private static final String GOOD = "GET /good HTTP/1.1\r\nHost: h\r\n\r\n";

  /**
   * What reached the handlers behind the decoder: "GET /good", "refused obs_fold", "body 5" (on the
   * last content).
   */
  private final List<String> decoded = new ArrayList<>();

  private long bodyBytes;
  private EmbeddedChannel channel;

  @AfterEach
  void finish() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private void serve() {
    serve(new HttpServerCodec(NettyGateway.decoderConfig()));
  }

  private void serve(ChannelHandler decoder) {
    RequestHeads heads = new RequestHeads();
    channel =
        new EmbeddedChannel(
            heads,
            decoder,
            heads.decoded(),
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                  HttpRequest request = (HttpRequest) msg;
                  decoded.add(
                      request.decoderResult().isSuccess()
                          ? request.method() + " " + request.uri()
                          : "refused " + request.decoderResult().cause().getMessage());
                  bodyBytes = 0;
                } else if (msg instanceof LastHttpContent
                    && ((LastHttpContent) msg).decoderResult().isFailure()) {
                  decoded.add(
                      "refused " + ((LastHttpContent) msg).decoderResult().cause().getMessage());
                } else if (msg instanceof HttpContent) {
                  bodyBytes += ((HttpContent) msg).content().readableBytes();
                  if (msg instanceof LastHttpContent && bodyBytes > 0) {
                    decoded.add("body " + bodyBytes);
                  }
                }
                ReferenceCountUtil.release(msg);
              }
            });
  }

  private void send(String... reads) {
    for (String read : reads) {
      channel.writeInbound(Unpooled.copiedBuffer(read, StandardCharsets.ISO_8859_1));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {" ", "\t", "  \t"})
  void aFoldedHeaderLineIsRefusedAndNothingAfterItIsRead(String fold) {
    serve();
    send(GOOD + "GET /folded HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n" + fold + "b\r\n\r\n" + GOOD);
    send(GOOD);

    assertThat(decoded).containsExactly("GET /good", "refused obs_fold");
  }

  @Test
  void aFoldAtTheStartOfTheNextReadIsRefused() {
    serve();
    send("GET /folded HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n", " b\r\n\r\n");

    assertThat(decoded).containsExactly("refused obs_fold");
  }

  @Test
  void aFoldRightAfterTheRequestLineIsRefused() {
    serve();
    send("GET /folded HTTP/1.1\r\n Host: h\r\n\r\n");

    assertThat(decoded).containsExactly("refused obs_fold");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET /cr HTTP/1.1\rHost: h\r\r",
        "GET /cr HTTP/1.1\r\nHost: h\r\nX-A: a\rX-B: b\r\n\r\n",
        "GET /cr HTTP/1.1\r\nHost: h\r\n\r\r\n"
      })
  void aCarriageReturnNotFollowedByALineFeedIsRefused(String request) {
    serve();
    send(request);

    assertThat(decoded).containsExactly("refused bare_cr");
  }

  @Test
  void aCarriageReturnAtTheEndOfOneReadIsJudgedByTheNextRead() {
    serve();
    send("GET /cr HTTP/1.1\r", "\nHost: h\r", "\n\r", "\n");
    assertThat(decoded).containsExactly("GET /cr");

    send("GET /cr2 HTTP/1.1\r", "Host: h\r\n\r\n");
    assertThat(decoded).containsExactly("GET /cr", "refused bare_cr");
  }

  @Test
  void emptyLinesAndWhiteSpaceBeforeARequestLineAreNoFold() {
    serve();
    send("\r\n\r\n" + GOOD, "\r\n", " \t GET /second HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(decoded).containsExactly("GET /good", "GET /second");
  }

  @Test
  void aBodyOfDeclaredLengthIsNeverScannedAsAHead() {
    String body = "\r\n folded\r\n\tand a bare \r here";
    serve();
    send(
        "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n"
            + body
            + GOOD);

    assertThat(decoded).containsExactly("POST /upload", "body " + body.length(), "GET /good");
  }

  @Test
  void aDeclaredBodySplitOverReadsIsNeverScannedAsAHead() {
    serve();
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nab", "\r\n ", "c" + GOOD);

    assertThat(decoded).containsExactly("POST /upload", "body 6", "GET /good");
  }

  @Test
  void aChunkedBodyIsNeverScannedAsAHeadWhateverItsDataHolds() {
    String data = "x\r\n\r\n y\r\r\n\n\tz";
    String chunked =
        Integer.toHexString(data.length()) + "\r\n" + data + "\r\n0\r\nX-Trailer: t\r\n\r\n";
    serve();
    send(
        "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunked
            + GOOD
            + "GET /folded HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n");

    assertThat(decoded)
        .containsExactly("POST /upload", "body " + data.length(), "GET /good", "refused obs_fold");
  }

  @Test
  void theEndOfAChunkedBodyIsFoundAcrossReads() {
    serve();
    send(
        "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r",
        "\n\r",
        "\n" + GOOD);

    assertThat(decoded).containsExactly("POST /upload", "body 3", "GET /good");
  }

  @Test
  void aBodyAnnouncedNeitherByALengthNorAsChunkedIsRefusedAtItsFirstByte() {
    // Netty reads an 8-byte body after a GET with the two keys of the old hixie-76 WebSocket
    // handshake.
    serve();
    send(
        "GET /ws HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n",
        "POST /x?" + GOOD);

    assertThat(decoded).containsExactly("GET /ws", "refused undeclared_body");
  }

  @Test
  void aHeadTheDecoderFindsInBytesHandedOverAsBodyIsRefused() {
    // A decoder that reads a request head with a 4-byte body from every read, whatever its bytes.
    serve(
        new ByteToMessageDecoder() {
          @Override
          protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            in.skipBytes(in.readableBytes());
            HttpRequest request =
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
            request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 4);
            out.add(request);
          }
        });
    send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n", "abcd");

    assertThat(decoded).containsExactly("POST /upload", "refused head_in_body");
  }

  @Test
  void aHeadTheDecoderRefusedEndsTheReading() {
    serve();
    send("GET /a HTTP/1.1\nHost: h\n\n", GOOD);

    assertThat(decoded).hasSize(1).allMatch(line -> line.startsWith("refused "));
  }
}
