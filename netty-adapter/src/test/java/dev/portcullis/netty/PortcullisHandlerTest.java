package dev.portcullis.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyInput;
import dev.portcullis.spi.PolicyEngine;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.StubPolicyEngine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(NettyLeakCheck.class)
class PortcullisHandlerTest {

  private static final String TOKEN = "sqp_0123456789abcdef0123456789abcdef01234567";

  /**
   * A credential makes the enforcer ask the verifier, so with {@link #verifier} the decision waits.
   */
  private static final String CREDENTIAL = "Authorization: Bearer " + TOKEN + "\r\n";

  private static final long BODY_LIMIT = 8;

  private final ControlledVerifier verifier = new ControlledVerifier();
  private final PolicyEnforcer decidingAtOnce =
      PolicyEnforcer.builder(new StubPolicyEngine()).realm("SonarQube").build();
  private final PolicyEnforcer decidingLater =
      PolicyEnforcer.builder(new StubPolicyEngine()).credentialVerifier(verifier).build();

  /** The stub policy, with a body limit of {@value #BODY_LIMIT} bytes on every allow. */
  private final PolicyEnforcer limitingBodies =
      PolicyEnforcer.builder(
              new PolicyEngine() {
                private final StubPolicyEngine stub = new StubPolicyEngine();

                @Override
                public Decision evaluate(PolicyInput input) {
                  Decision decision = stub.evaluate(input);
                  return decision.allow() ? decision.withMaxBodyBytes(BODY_LIMIT) : decision;
                }

                @Override
                public String describe() {
                  return "stub with a body limit";
                }
              })
          .build();

  private final RecordingHandler upstream = new RecordingHandler(true);
  private ClientChannel channel;

  @AfterEach
  void finish() {
    if (channel != null) {
      channel.checkException();
      channel.finishAndReleaseAll();
    }
  }

  private ClientChannel serve(PolicyEnforcer enforcer) {
    channel = ClientChannel.withCodec(PortcullisHandler.builder(enforcer).build(), upstream);
    return channel;
  }

  @Test
  void allowedRequestIsPassedOnWithTheJudgedTargetAndItsDecision() {
    serve(decidingAtOnce).send("GET /echo/%61b?x=%41 HTTP/1.1\r\nHost: gateway\r\n\r\n");

    assertThat(upstream.received())
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.uri).isEqualTo("/echo/ab?x=A");
              assertThat(request.decision.allow()).isTrue();
              assertThat(request.decision.forwardTarget()).isEqualTo("/echo/ab?x=A");
              assertThat(request.headers.get("Host")).isEqualTo("gateway");
            });
    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            response -> {
              assertThat(response.status()).isEqualTo(200);
              assertThat(response.bodyText()).isEqualTo("/echo/ab?x=A 0");
            });
  }

  @Test
  void contentReadWhileDecidingFollowsItsRequestInOrder() {
    serve(decidingLater)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\n"
                + CREDENTIAL
                + "Content-Length: 10\r\n\r\n12345");
    channel.send("67890");

    assertThat(upstream.received()).isEmpty();
    assertThat(verifier.completeAll()).isEqualTo(1);
    channel.runTasks();

    List<String> events = upstream.events();
    assertThat(events.subList(events.indexOf("request /echo/upload"), events.size()))
        .containsExactly("request /echo/upload", "content 5", "content 5", "last", "readComplete");
    assertThat(channel.responses())
        .singleElement()
        .satisfies(r -> assertThat(r.bodyText()).isEqualTo("/echo/upload 10"));
  }

  @Test
  void readingPausesWhileDecidingAndResumesAfter() {
    serve(decidingLater).send("GET /echo/x HTTP/1.1\r\nHost: h\r\n" + CREDENTIAL + "\r\n");
    assertThat(channel.config().isAutoRead()).isFalse();

    verifier.completeAll();
    channel.runTasks();

    assertThat(channel.config().isAutoRead()).isTrue();
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void manualReadingStaysManualAndAReadAskedForWhileDecidingWaits() {
    ReadCounter reads = new ReadCounter();
    channel =
        ClientChannel.withCodec(reads, PortcullisHandler.builder(decidingLater).build(), upstream);
    channel.config().setAutoRead(false);
    channel.send("GET /echo/x HTTP/1.1\r\nHost: h\r\n" + CREDENTIAL + "\r\n");
    int before = reads.count.get();

    channel.read(); // a handler behind asks for more while the decision is pending
    assertThat(reads.count.get()).isEqualTo(before);

    verifier.completeAll();
    channel.runTasks();
    assertThat(reads.count.get()).isEqualTo(before + 1);
    assertThat(channel.config().isAutoRead()).isFalse();
  }

  @Test
  void deniedRequestWithoutBodyKeepsTheConnection() {
    serve(decidingAtOnce)
        .send("GET /denied?marker=do-not-echo HTTP/1.1\r\nHost: h\r\n" + CREDENTIAL + "\r\n");

    RawHttpResponse deny = channel.responses().get(0);
    assertThat(deny.status()).isEqualTo(403);
    assertThat(deny.header("Content-Type")).isEqualTo("application/json");
    assertThat(deny.header("Cache-Control")).isEqualTo("no-store");
    assertThat(deny.header("Content-Length")).isEqualTo(Integer.toString(deny.body().length));
    assertThat(deny.header("Connection")).isNull();
    assertThat(deny.bodyText())
        .isEqualTo(
            "{\"status\":403,\"reasons\":[\"stub_denied\"],\"message\":\"Denied by the stub policy.\","
                + "\"errors\":[{\"msg\":\"Portcullis gateway: Denied by the stub policy. (stub_denied)\"}]}")
        .doesNotContain(TOKEN);
    assertThat(channel.isOpen()).isTrue();

    channel.send("GET /echo/next HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(403, 200);
    assertThat(upstream.received()).extracting(r -> r.uri).containsExactly("/echo/next");
  }

  @Test
  void unauthorizedDenyCarriesTheChallenges() {
    serve(decidingAtOnce).send("GET /unauthorized HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses().get(0).headerValues("WWW-Authenticate"))
        .containsExactly(
            "Basic realm=\"SonarQube\", charset=\"UTF-8\"", "Bearer realm=\"SonarQube\"");
  }

  @Test
  void throttlingDenyCarriesRetryAfter() {
    PolicyEngine throttling =
        new PolicyEngine() {
          @Override
          public Decision evaluate(PolicyInput input) {
            return Decision.deny(429, "rate_limited", "Slow down.")
                .withRetryAfter(Duration.ofMillis(1500));
          }

          @Override
          public String describe() {
            return "throttling";
          }
        };
    serve(PolicyEnforcer.builder(throttling).build())
        .send("GET /echo/x HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(429);
              assertThat(deny.header("Retry-After")).isEqualTo("2");
            });
  }

  @Test
  void deniedRequestWhoseBodyIsStillComingClosesTheConnection() {
    serve(decidingAtOnce)
        .send(
            "POST /denied HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n"
                + "x".repeat(1000));

    assertDeniedWithCloseAndClosed();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void deniedChunkedRequestWithoutItsLastChunkClosesTheConnection() {
    serve(decidingLater)
        .send(
            "POST /denied HTTP/1.1\r\nHost: h\r\n"
                + CREDENTIAL
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    verifier.completeAll();
    channel.runTasks();

    assertDeniedWithCloseAndClosed();
  }

  @Test
  void deniedRequestWhoseSmallBodyCameInTheSameReadKeepsTheConnection() {
    serve(decidingAtOnce)
        .send("POST /denied HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(deny -> assertThat(deny.header("Connection")).isNull());
    assertThat(channel.isOpen()).isTrue();
    channel.send("GET /echo/next HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(403, 200);
  }

  @Test
  void deniedRequestWhoseBodyArrivedWhileDecidingKeepsTheConnection() {
    // A deny that waits: only a failed verification still denies after the policy allowed the
    // request as if
    // its credential were valid.
    serve(decidingLater)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\n"
                + CREDENTIAL
                + "Content-Length: 5\r\n\r\nhel");
    channel.send("lo");
    assertThat(verifier.failAll()).isEqualTo(1);
    channel.runTasks();

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(503);
              assertThat(deny.header("Connection")).isNull();
            });
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  @Test
  void stackedCodingsEndingInChunkedGet501AndTheConnectionClosesBeforeWhatFollowsTheBody() {
    // Netty frames this body as chunked; the core refuses the coding. Nothing after the head is
    // trusted.
    serve(decidingAtOnce)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "0\r\n\r\nGET /echo/smuggled HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(501);
              assertThat(deny.bodyText()).contains("\"transfer_encoding_not_supported\"");
              assertThat(deny.header("Connection")).isEqualTo("close");
            });
    assertThat(channel.isOpen()).isFalse();
    assertThat(upstream.received()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/9.9"})
  void versionsOtherThanHttp10And11Get505AndAClose(String version) {
    serve(decidingAtOnce)
        .send(
            "GET /echo/x "
                + version
                + "\r\nHost: h\r\n\r\nGET /echo/smuggled HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(505);
              assertThat(deny.bodyText()).contains("\"http_version_not_supported\"");
            });
    assertThat(channel.isOpen()).isFalse();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void badRequestClosesTheConnectionEvenWithoutABody() {
    serve(decidingAtOnce)
        .send("GET /echo/x HTTP/1.1\r\n\r\nGET /echo/next HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(400);
              assertThat(deny.bodyText()).contains("\"host_header_missing\"");
              assertThat(deny.header("Connection")).isEqualTo("close");
            });
    assertThat(channel.isOpen()).isFalse();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void deniedRequestWithABrokenChunkClosesTheConnection() {
    serve(decidingAtOnce)
        .send("POST /denied HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");

    assertDeniedWithCloseAndClosed();
  }

  @Test
  void allowedRequestWithABrokenChunkIsNeverEndedUpstreamAndTheConnectionCloses() {
    serve(decidingAtOnce)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\nzz\r\n");

    assertThat(upstream.events())
        .contains("request /echo/upload", "content 5")
        .doesNotContain("last");
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void chunkedBodyOverItsLimitIsCutAnsweredWith413AndAbortedBehind() {
    serve(limitingBodies)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    channel.send("5\r\nworld\r\n0\r\n\r\n");

    assertThat(upstream.events())
        .contains("request /echo/upload", "aborted body_too_large")
        .doesNotContain("last")
        .filteredOn(event -> event.startsWith("content"))
        .containsExactly("content 5");
    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(413);
              assertThat(deny.header("Connection")).isEqualTo("close");
              assertThat(deny.header("Content-Type")).isEqualTo("application/json");
              assertThat(deny.bodyText())
                  .isEqualTo(
                      "{\"status\":413,\"reasons\":[\"body_too_large\"],"
                          + "\"message\":\"The request body is larger than the gateway allows.\","
                          + "\"errors\":[{\"msg\":\"Portcullis gateway: The request body is larger than the gateway allows. (body_too_large)\"}]}");
            });
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void bodyUpToItsLimitIsPassedOn() {
    serve(limitingBodies)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(r -> assertThat(r.bodyText()).isEqualTo("/echo/upload 8"));
    assertThat(upstream.events()).doesNotContain("aborted body_too_large");
    assertThat(channel.isOpen()).isTrue();
  }

  @Test
  void bodyOverItsLimitAfterTheResponseBeganIsCutByClosingTheConnection() {
    RecordingHandler early = new RecordingHandler(false);
    channel = ClientChannel.withCodec(PortcullisHandler.builder(limitingBodies).build(), early);
    channel.send(
        "POST /echo/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    early.answer(0);

    channel.send("5\r\nworld\r\n");

    assertThat(early.events()).contains("aborted body_too_large").doesNotContain("last");
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(200);
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void declaredBodyOverItsLimitIs413BeforeAnythingIsPassedOn() {
    serve(limitingBodies)
        .send("POST /echo/upload HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n1234");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(413);
              assertThat(deny.header("Connection")).isEqualTo("close");
            });
    assertThat(upstream.received()).isEmpty();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void whatTheHandlersBehindWriteAfterTheAbortNeverReachesTheClient() {
    ChannelInboundHandlerAdapter answeringTheAbort =
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
          }

          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof RequestAborted) {
              ctx.writeAndFlush(
                  new DefaultFullHttpResponse(
                      HttpVersion.HTTP_1_1,
                      HttpResponseStatus.BAD_GATEWAY,
                      Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII)));
            }
          }
        };
    channel =
        ClientChannel.withCodec(
            PortcullisHandler.builder(limitingBodies).build(), answeringTheAbort);

    channel.send(
        "POST /echo/upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n");

    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(413);
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void aClientThatDoesNotReadItsAnswersIsNotReadEither() {
    serve(decidingAtOnce);
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    channel.send("GET /denied HTTP/1.1\r\nHost: h\r\n\r\nGET /denied HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses()).isEmpty();
    assertThat(channel.config().isAutoRead()).isFalse();

    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    channel.runTasks();

    assertThat(channel.responses())
        .hasSize(2)
        .allSatisfy(deny -> assertThat(deny.status()).isEqualTo(403));
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  @Test
  void http10DenyClosesUnlessTheClientAskedToKeepAlive() {
    serve(decidingAtOnce).send("GET /denied HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assertThat(channel.responses().get(0).header("Connection")).isEqualTo("keep-alive");
    assertThat(channel.isOpen()).isTrue();

    channel.send("GET /denied HTTP/1.0\r\n\r\n");
    assertThat(channel.responses().get(1).header("Connection")).isEqualTo("close");
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void allowedExpectContinueGets100AndTheRequestGoesOnWithoutExpect() {
    serve(decidingAtOnce)
        .send(
            "POST /echo/upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");

    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(100);
    assertThat(upstream.received())
        .singleElement()
        .satisfies(r -> assertThat(r.headers.contains(HttpHeaderNames.EXPECT)).isFalse());

    channel.send("hello");
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(100, 200);
    assertThat(channel.responses().get(1).bodyText()).isEqualTo("/echo/upload 5");
  }

  @Test
  void deniedExpectContinueGetsTheFinalStatusWithout100AndTheConnectionCloses() {
    serve(decidingLater)
        .send(
            "POST /denied HTTP/1.1\r\nHost: h\r\n"
                + CREDENTIAL
                + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    verifier.completeAll();
    channel.runTasks();

    assertDeniedWithCloseAndClosed();
  }

  @Test
  void expectContinueIsLeftToTheHandlersBehindWhenNotAnswered() {
    channel =
        ClientChannel.withCodec(
            PortcullisHandler.builder(decidingAtOnce).answerExpectContinue(false).build(),
            upstream);
    channel.send(
        "POST /echo/upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");

    assertThat(channel.responses()).isEmpty();
    assertThat(upstream.received().get(0).headers.get(HttpHeaderNames.EXPECT))
        .isEqualTo("100-continue");
  }

  @Test
  void pipelinedResponsesLeaveInRequestOrder() {
    RecordingHandler slow = new RecordingHandler(false);
    channel = ClientChannel.withCodec(PortcullisHandler.builder(decidingAtOnce).build(), slow);
    channel.send(
        "GET /echo/1 HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /denied HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /echo/3 HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(slow.received()).extracting(r -> r.uri).containsExactly("/echo/1");
    assertThat(channel.responses()).as("the deny must wait for the first response").isEmpty();
    assertThat(channel.config().isAutoRead()).isFalse();

    slow.answer(0);
    channel.runTasks();
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(200, 403);
    assertThat(slow.received()).extracting(r -> r.uri).containsExactly("/echo/1", "/echo/3");

    slow.answer(1);
    channel.runTasks();
    assertThat(channel.responses())
        .extracting(RawHttpResponse::bodyText)
        .first()
        .isEqualTo("/echo/1 0");
    assertThat(channel.responses())
        .extracting(RawHttpResponse::status)
        .containsExactly(200, 403, 200);
    assertThat(channel.responses().get(2).bodyText()).isEqualTo("/echo/3 0");
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  @Test
  void nextRequestWaitsForTheLastContentOfAStreamedResponseNotFor1xx() {
    RecordingHandler slow = new RecordingHandler(false);
    channel =
        ClientChannel.withCodec(
            PortcullisHandler.builder(decidingAtOnce).answerExpectContinue(false).build(), slow);
    channel.send("GET /echo/1 HTTP/1.1\r\nHost: h\r\n\r\nGET /denied HTTP/1.1\r\nHost: h\r\n\r\n");

    channel.writeAndFlush(
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
    channel.writeAndFlush(head);
    channel.writeAndFlush(
        new DefaultHttpContent(Unpooled.copiedBuffer("part", StandardCharsets.US_ASCII)));
    channel.runTasks();
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(100);

    channel.writeAndFlush(new DefaultLastHttpContent());
    channel.runTasks();
    assertThat(channel.responses())
        .extracting(RawHttpResponse::status)
        .containsExactly(100, 200, 403);
    assertThat(channel.responses().get(1).bodyText()).isEqualTo("part");
  }

  @Test
  void closingWhileDecidingReleasesWhatWasHeldAndTheLateDecisionIsIgnored() {
    channel =
        ClientChannel.withoutCodec(PortcullisHandler.builder(decidingLater).build(), upstream);
    ByteBuf first = Unpooled.copiedBuffer("1234", StandardCharsets.US_ASCII);
    ByteBuf last = Unpooled.copiedBuffer("5678", StandardCharsets.US_ASCII);
    channel.writeInbound(
        credentialed(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo/x")),
        new DefaultHttpContent(first),
        new DefaultLastHttpContent(last));
    assertThat(verifier.pending()).isEqualTo(1);

    channel.close();
    assertThat(first.refCnt()).isZero();
    assertThat(last.refCnt()).isZero();

    verifier.completeAll();
    channel.runTasks();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void removingTheHandlerWhileDecidingReleasesWhatWasHeldAndRestoresReading() {
    PortcullisHandler handler = PortcullisHandler.builder(decidingLater).build();
    channel = ClientChannel.withoutCodec(handler, upstream);
    ByteBuf content = Unpooled.copiedBuffer("1234", StandardCharsets.US_ASCII);
    channel.writeInbound(
        credentialed(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/echo/x")),
        new DefaultLastHttpContent(content));
    assertThat(channel.config().isAutoRead()).isFalse();

    channel.pipeline().remove(handler);
    assertThat(content.refCnt()).isZero();
    assertThat(channel.config().isAutoRead()).isTrue();

    verifier.completeAll();
    channel.runTasks();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void decisionCompletedOnAnotherThreadIsAppliedOnTheEventLoop() throws InterruptedException {
    serve(decidingLater).send("GET /echo/x HTTP/1.1\r\nHost: h\r\n" + CREDENTIAL + "\r\n");

    Thread verifierThread = new Thread(verifier::completeAll, "verifier");
    verifierThread.start();
    verifierThread.join();
    assertThat(upstream.received()).as("nothing runs on the verifier's thread").isEmpty();

    channel.runTasks();
    assertThat(upstream.received()).hasSize(1);
    assertThat(channel.responses()).extracting(RawHttpResponse::status).containsExactly(200);
  }

  @Test
  void undecodableRequestGets400AsJsonAndTheConnectionCloses() {
    serve(decidingAtOnce).send("GET\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            response -> {
              assertThat(response.status()).isEqualTo(400);
              assertThat(response.header("Connection")).isEqualTo("close");
              assertThat(response.bodyText())
                  .isEqualTo(
                      "{\"status\":400,\"reasons\":[\"malformed_request\"],\"message\":\"The request is not valid HTTP/1.1.\","
                          + "\"errors\":[{\"msg\":\"Portcullis gateway: The request is not valid HTTP/1.1. (malformed_request)\"}]}");
            });
    assertThat(channel.isOpen()).isFalse();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void tooLongRequestLineGets414() {
    serve(decidingAtOnce).send("GET /echo/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            response -> {
              assertThat(response.status()).isEqualTo(414);
              assertThat(response.bodyText()).contains("\"request_line_too_long\"");
            });
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void tooLargeHeadersGet431() {
    serve(decidingAtOnce)
        .send("GET /echo/x HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            response -> {
              assertThat(response.status()).isEqualTo(431);
              assertThat(response.bodyText())
                  .contains("\"headers_too_large\"")
                  .doesNotContain("aaaa");
            });
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void peerWithoutAnIpAddressIsRefused() {
    channel =
        ClientChannel.withoutIpPeer(PortcullisHandler.builder(decidingAtOnce).build(), upstream);
    channel.send("GET /echo/x HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            response -> {
              assertThat(response.status()).isEqualTo(400);
              assertThat(response.bodyText()).contains("\"client_address_invalid\"");
            });
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void messageThatIsNotHttpClosesTheConnection() {
    channel =
        ClientChannel.withoutCodec(PortcullisHandler.builder(decidingAtOnce).build(), upstream);
    ByteBuf raw = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII);

    channel.writeInbound(raw);

    assertThat(raw.refCnt()).isZero();
    assertThat(channel.isOpen()).isFalse();
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void accessorReadsTheRawTargetTheHeadersAndThePeerIp() {
    HttpRequest request =
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a/%2e%2e/b?q=%41");
    request.headers().add("X-Twice", "1").add("x-twice", "2");
    InboundRequest inbound =
        new InboundRequest(request, new java.net.InetSocketAddress("2001:db8::1", 443));

    assertThat(NettyRequestAccessor.INSTANCE.rawTarget(inbound)).isEqualTo("/a/%2e%2e/b?q=%41");
    assertThat(NettyRequestAccessor.INSTANCE.headerValues(inbound, "X-TWICE"))
        .containsExactly("1", "2");
    assertThat(NettyRequestAccessor.INSTANCE.remoteAddress(inbound))
        .isEqualTo("2001:db8:0:0:0:0:0:1");
    assertThat(NettyRequestAccessor.INSTANCE.remoteAddress(new InboundRequest(request, null)))
        .isEmpty();
  }

  private static HttpRequest credentialed(HttpRequest request) {
    request.headers().set(HttpHeaderNames.HOST, "h");
    request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + TOKEN);
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 8);
    return request;
  }

  /** Counts the {@code read()} calls that pass it on their way to the transport. */
  private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public void read(ChannelHandlerContext ctx) {
      count.incrementAndGet();
      ctx.read();
    }
  }

  /** The one answer is a 403 saying {@code Connection: close}, and the connection is closed. */
  private void assertDeniedWithCloseAndClosed() {
    assertThat(channel.responses())
        .singleElement()
        .satisfies(
            deny -> {
              assertThat(deny.status()).isEqualTo(403);
              assertThat(deny.header("Connection")).isEqualTo("close");
            });
    assertThat(channel.isOpen()).isFalse();
  }
}
