package dev.portcullis.netty;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.body.MultipartGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty handler that asks a {@link PolicyEnforcer} about every HTTP request before the handlers
 * behind it see it. An allowed request is passed on with its URI replaced by the canonical target
 * the policy judged ({@link Decision#forwardTarget()}), followed by its content; a denied one is
 * answered here with the policy's status and a small JSON body, and its content is dropped. A
 * request the decoder could not read gets 400 (414, 431) and the connection is closed, and so does
 * a request denied with 400, 431 or 501 (the core's refusals of malformed heads and untrusted
 * framing), whose body may not end where the decoder thinks. Anything that is not HTTP is refused
 * by closing the connection: the handler does not support protocol upgrades.
 *
 * <p>Place it right after {@code HttpServerCodec}, before anything that reads requests. It handles
 * one request at a time: while a decision is pending, or while the previous allowed request's
 * response has not been written, it holds what it has read and stops reading, so pipelined
 * responses leave in request order and no body is buffered beyond what one read decoded. Handlers
 * behind it must answer with {@code HttpObject}s ({@code HttpResponse}, {@code HttpContent}, ending
 * with {@code LastHttpContent}, or a {@code FullHttpResponse}): the end of the response written
 * through this handler is what lets the next request in. Denies are written from this handler's
 * position, so handlers behind it never see them.
 *
 * <p>An allow may limit the body ({@link Decision#maxBodyBytes()}), however it is framed. A request
 * that declares a longer {@code Content-Length} is answered 413 ({@link Decision#bodyTooLarge()})
 * before anything is passed on. A body that grows past the limit while it streams (a chunked one)
 * is cut there: the content that crosses the limit and everything after it is dropped, the handlers
 * behind get a {@link RequestAborted} user event instead of the rest of the body and must abandon
 * the request (never complete it upstream), the client gets 413 with {@code Connection: close}
 * unless a response to the request had already begun, and the connection is closed in every case.
 * Whatever the handlers behind write after the event is discarded.
 *
 * <p>A {@code multipart/*} body is judged the same way as it streams ({@link MultipartGuard}): a
 * part the allow does not name in {@link Decision#bodyParts()}, a form field, or framing outside
 * the strict form is refused with the guard's deny (403 or 400). When the content that came with
 * the head is refused, nothing is passed on; later, the content that holds the refused bytes is
 * dropped and the request aborted as above.
 *
 * <p>Not sharable: one instance per channel. Decisions may complete on any thread; the handler's
 * state is only ever touched on the channel's event loop.
 */
public final class PortcullisHandler extends ChannelDuplexHandler {

  /**
   * The decision about the request currently being passed on (set before the allowed HttpRequest is
   * fired).
   */
  public static final AttributeKey<Decision> DECISION =
      AttributeKey.valueOf(PortcullisHandler.class, "DECISION");

  /**
   * The decision of the refusal being written (set just before its response goes out), for an
   * access log in front of this handler. Never consulted by the handler itself.
   */
  public static final AttributeKey<Decision> DENIAL =
      AttributeKey.valueOf(PortcullisHandler.class, "DENIAL");

  private static final Logger LOG = LoggerFactory.getLogger(PortcullisHandler.class);

  /** Where the handler is in the exchange of the request at the head of the line. */
  private enum Phase {
    /** The next message should be a request head. */
    AWAITING_REQUEST,
    /** The enforcer is deciding about {@link #judged}; everything read is held. */
    DECIDING,
    /**
     * An allowed request's content flows on; the next request waits until its response is written.
     */
    FORWARDING,
    /** A denied request's content is dropped until its {@code LastHttpContent}. */
    DISCARDING,
    /** A response that closes the connection was written; everything read is dropped. */
    CLOSING,
    /** The channel is inactive or the handler was removed. */
    GONE
  }

  private final PolicyEnforcer enforcer;
  private final boolean answerExpectContinue;

  // Everything below is confined to the event loop.
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private ReadGate gate;
  private Phase phase = Phase.AWAITING_REQUEST;

  /** The request being decided, or denied with its answer deferred. */
  private HttpRequest judged;

  private boolean judgedContentComplete;

  /** Identifies the pending decision, so that a late one (after a close or removal) is ignored. */
  private Object pendingDecision;

  /**
   * A deny for a request whose body was still coming when decided inside a read; answered by the
   * read's end.
   */
  private Decision deferredDeny;

  private boolean requestForwarded;

  /**
   * A final response to the forwarded request has begun, through this handler; a 1xx does not
   * count.
   */
  private boolean responseStarted;

  private boolean responseWritten;

  /** The decision about the request being forwarded, for its body limit. */
  private Decision forwarding;

  private HttpVersion forwardingVersion;
  private long bodyBytes;

  /** Judges the forwarded request's multipart body; null when it has none. */
  private MultipartGuard bodyGuard;

  /**
   * The forwarded request's body was cut: what the handlers behind write is dropped until the
   * close.
   */
  private boolean aborted;

  private boolean writingInformational;
  private boolean inRead;
  private boolean forwarded;
  private boolean dropped;
  private boolean drainScheduled;

  private PortcullisHandler(Builder builder) {
    this.enforcer = builder.enforcer;
    this.answerExpectContinue = builder.answerExpectContinue;
  }

  /** A builder of handlers that ask {@code enforcer}; build one handler per channel. */
  public static Builder builder(PolicyEnforcer enforcer) {
    return new Builder(enforcer);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.gate = new ReadGate(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (phase != Phase.GONE) {
      phase = Phase.GONE;
      releaseAll();
      gate.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    phase = Phase.GONE;
    releaseAll();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    if (phase == Phase.GONE) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (phase == Phase.DECIDING && msg instanceof LastHttpContent) {
      judgedContentComplete = true;
    }
    held.add(msg);
    drain();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    if (deferredDeny != null) {
      // The read that carried the head ended before the body did: answer now and close.
      answerDeny(deferredDeny, judged, false);
    }
    ctx.fireChannelReadComplete();
    endStep(true);
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    gate.read();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (aborted) {
      // The 413 (or the close) already answers the aborted request; nothing may follow it on the
      // wire.
      ReferenceCountUtil.release(msg);
      if (!promise.isVoid()) {
        promise.tryFailure(new ClosedChannelException());
      }
      return;
    }
    boolean endsResponse = false;
    if (msg instanceof HttpResponse) {
      writingInformational = isInformational(((HttpResponse) msg).status());
      responseStarted |= !writingInformational;
    }
    if (msg instanceof LastHttpContent) {
      endsResponse = !writingInformational;
      writingInformational = false;
    }
    ctx.write(msg, promise);
    if (endsResponse) {
      responseEnded();
    }
  }

  /**
   * 1xx other than 101: a final response follows it. 101 ends the exchange (and HTTP on the
   * connection).
   */
  private static boolean isInformational(HttpResponseStatus status) {
    return status.codeClass() == HttpStatusClass.INFORMATIONAL
        && status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
  }

  private void responseEnded() {
    if (phase != Phase.FORWARDING || responseWritten) {
      return;
    }
    responseWritten = true;
    if (requestForwarded) {
      phase = Phase.AWAITING_REQUEST;
      // Not now: this runs inside a write of a handler behind us, which must not get the next
      // request
      // reentrantly. The response's end is already queued ahead of anything the next request
      // causes.
      scheduleDrain();
    }
  }

  private void scheduleDrain() {
    if (drainScheduled || held.isEmpty()) {
      return;
    }
    drainScheduled = true;
    ctx.executor()
        .execute(
            () -> {
              drainScheduled = false;
              if (phase != Phase.GONE) {
                drain();
                endStep(false);
              }
            });
  }

  /**
   * Processes held messages, in order, as far as the current phase allows, then pauses or resumes
   * reading.
   */
  private void drain() {
    while (!held.isEmpty() && canTakeNext()) {
      process(held.poll());
    }
    if (phase == Phase.DECIDING || !held.isEmpty()) {
      gate.pause();
    } else if (phase != Phase.GONE) {
      gate.resume();
    }
  }

  private boolean canTakeNext() {
    return phase != Phase.DECIDING
        && !(phase == Phase.FORWARDING && requestForwarded)
        // A client that sends requests but never reads the answers must not grow our outbound
        // buffer:
        // the next request waits until what was written drains (see channelWritabilityChanged).
        && !(phase == Phase.AWAITING_REQUEST && !ctx.channel().isWritable());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && phase != Phase.GONE && !held.isEmpty()) {
      drain();
      endStep(false);
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void process(Object msg) {
    switch (phase) {
      case AWAITING_REQUEST:
        startRequest(msg);
        break;
      case FORWARDING:
        if (msg instanceof DecoderResultProvider
            && ((DecoderResultProvider) msg).decoderResult().isFailure()) {
          // A broken chunk: the body was cut short and the decoder gives up on the connection.
          // Passing
          // it on would end the upstream request as if the body were complete; close instead, which
          // also ends the upstream exchange.
          drop(msg);
          phase = Phase.CLOSING;
          ctx.close();
          break;
        }
        Decision refusal = msg instanceof HttpContent ? bodyRefusal((HttpContent) msg) : null;
        if (refusal != null) {
          abortBody(msg, refusal);
          break;
        }
        forward(msg);
        if (msg instanceof LastHttpContent) {
          requestForwarded = true;
          if (responseWritten) {
            phase = Phase.AWAITING_REQUEST;
          }
        }
        break;
      case DISCARDING:
        discard(msg);
        break;
      default:
        drop(msg);
        break;
    }
  }

  private void startRequest(Object msg) {
    if (!(msg instanceof HttpRequest)) {
      drop(msg);
      if (!(msg instanceof HttpContent)) {
        // Not HTTP (after an upgrade, or a handler before us that is not an HTTP decoder): fail
        // closed.
        LOG.debug(
            "refusing a message that is not an HTTP request type={}",
            msg.getClass().getSimpleName());
        phase = Phase.CLOSING;
        ctx.close();
      }
      return;
    }
    HttpRequest request = (HttpRequest) msg;
    if (request.decoderResult().isFailure()) {
      refuseUndecodable(request);
      return;
    }
    if (!isHttp1(request.protocolVersion())) {
      refuseAndClose(
          request,
          Decision.deny(
              505, "http_version_not_supported", "Only HTTP/1.0 and HTTP/1.1 are supported."));
      return;
    }
    phase = Phase.DECIDING;
    judged = request;
    judgedContentComplete = request instanceof LastHttpContent || holdsLastContent();
    Object decisionId = new Object();
    pendingDecision = decisionId;
    CompletableFuture<Decision> decision = decide(request);
    if (decision.isDone()) {
      apply(decisionId, outcome(decision));
      return;
    }
    // Always hop through the executor, even from the event loop itself: a verifier completing there
    // (on
    // another channel's behalf) must not run this channel's pipeline in the middle of its own work.
    decision.whenComplete(
        (decided, failure) -> {
          try {
            ctx.executor()
                .execute(
                    () -> {
                      if (apply(decisionId, outcome(decision))) {
                        drain();
                        endStep(false);
                      }
                    });
          } catch (RejectedExecutionException shutDown) {
            LOG.debug("decision arrived after the event loop shut down; ignored");
          }
        });
  }

  /** Whether the held messages include a request's end; a loop, not a stream, on every request. */
  private boolean holdsLastContent() {
    for (Object msg : held) {
      if (msg instanceof LastHttpContent) {
        return true;
      }
    }
    return false;
  }

  private CompletableFuture<Decision> decide(HttpRequest request) {
    try {
      return enforcer
          .decideAsync(
              new InboundRequest(request, ctx.channel().remoteAddress()),
              NettyRequestAccessor.INSTANCE)
          .toCompletableFuture();
    } catch (RuntimeException e) {
      // decideAsync never throws; if it does, that is still a deny.
      return CompletableFuture.completedFuture(Decision.INTERNAL_ERROR);
    }
  }

  private static Decision outcome(CompletableFuture<Decision> decision) {
    try {
      Decision decided = decision.join();
      return decided != null ? decided : Decision.INTERNAL_ERROR;
    } catch (CompletionException | CancellationException e) {
      return Decision.INTERNAL_ERROR;
    }
  }

  /**
   * Acts on a decision unless the channel closed or the handler left meanwhile; true when acted on.
   */
  private boolean apply(Object decisionId, Decision decision) {
    // Closed but not yet told: channelInactive runs as a task of its own, which this one may
    // overtake.
    if (decisionId != pendingDecision || phase != Phase.DECIDING || !ctx.channel().isActive()) {
      LOG.debug("decision arrived after the channel closed or the handler was removed; ignored");
      return false;
    }
    pendingDecision = null;
    if (decision.allow()
        && !decision.forwardTarget().isEmpty()
        && declaresTooLarge(judged, decision)) {
      LOG.debug(
          "request declares a body over its limit status=413 limit={}", decision.maxBodyBytes());
      deny(Decision.bodyTooLarge());
    } else if (decision.allow() && !decision.forwardTarget().isEmpty()) {
      MultipartGuard guard =
          MultipartGuard.forBody(decision, judged.headers().get(HttpHeaderNames.CONTENT_TYPE));
      Decision refusal = guard != null ? headRefusal(guard, judged) : null;
      if (refusal != null) {
        LOG.debug("refusing a multipart body status={} why={}", refusal.status(), guard.why());
        deny(refusal);
      } else {
        allow(decision, guard);
      }
    } else {
      deny(decision.allow() ? Decision.INTERNAL_ERROR : decision);
    }
    return true;
  }

  /**
   * The guard's deny for the content that came with {@code request}'s head; null when it passes.
   */
  private static Decision headRefusal(MultipartGuard guard, HttpRequest request) {
    Decision refusal = guard.refusal();
    if (refusal == null && request instanceof HttpContent) {
      refusal = check(guard, (HttpContent) request);
    }
    return refusal;
  }

  private static Decision check(MultipartGuard guard, HttpContent content) {
    ByteBuf bytes = content.content();
    for (ByteBuffer buffer : bytes.nioBuffers(bytes.readerIndex(), bytes.readableBytes())) {
      Decision refusal = guard.check(buffer);
      if (refusal != null) {
        return refusal;
      }
    }
    return content instanceof LastHttpContent ? guard.end() : null;
  }

  private void allow(Decision decision, MultipartGuard guard) {
    HttpRequest request = judged;
    judged = null;
    phase = Phase.FORWARDING;
    requestForwarded = request instanceof LastHttpContent;
    responseStarted = false;
    responseWritten = false;
    forwarding = decision;
    bodyGuard = guard;
    forwardingVersion = request.protocolVersion();
    bodyBytes =
        request instanceof HttpContent ? ((HttpContent) request).content().readableBytes() : 0;
    ctx.channel().attr(DECISION).set(decision);
    request.setUri(decision.forwardTarget());
    if (answerExpectContinue && HttpUtil.is100ContinueExpected(request)) {
      HttpUtil.set100ContinueExpected(request, false);
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    forward(request);
  }

  private void deny(Decision decision) {
    HttpRequest request = judged;
    boolean keepAlive = HttpUtil.isKeepAlive(request) && !closesConnection(decision);
    if (request instanceof LastHttpContent) {
      answerDeny(decision, request, keepAlive);
      return;
    }
    phase = Phase.DISCARDING;
    if (!keepAlive || !expectsBody(request) || judgedContentComplete) {
      answerDeny(decision, request, keepAlive);
    } else if (inRead) {
      // The rest of a small body may be in this very read: wait for its end before choosing to
      // close.
      deferredDeny = decision;
    } else {
      answerDeny(decision, request, false);
    }
  }

  /**
   * Whether a deny ends the connection whatever became of the request's body. 400, 431 and 501 are
   * how the core answers malformed heads and framing it does not trust (both {@code Content-Length}
   * and {@code Transfer-Encoding}, a transfer coding other than {@code chunked}, no or two {@code
   * Host}s): the decoder may have found the end of such a request elsewhere than the client meant
   * (it reads {@code Transfer-Encoding: gzip, chunked} as chunked), so nothing it decodes after it
   * is trusted to be a request. A policy's own 400 closes too; telling the two apart is not worth
   * the risk.
   */
  private static boolean closesConnection(Decision decision) {
    int status = decision.status();
    return status == 400 || status == 431 || status == 501;
  }

  /**
   * Writes the deny; the phase becomes CLOSING, or stays DISCARDING until the request's last
   * content.
   */
  private void answerDeny(Decision decision, HttpRequest request, boolean keepAlive) {
    judged = null;
    deferredDeny = null;
    HttpVersion version = request.protocolVersion();
    ReferenceCountUtil.release(request);
    if (phase == Phase.GONE) {
      return;
    }
    if (keepAlive) {
      writeDeny(decision, version, true);
      if (request instanceof LastHttpContent) {
        phase = Phase.AWAITING_REQUEST;
      }
      return;
    }
    phase = Phase.CLOSING;
    writeDeny(decision, version, false).addListener(ChannelFutureListener.CLOSE);
  }

  private void discard(Object msg) {
    boolean last = msg instanceof LastHttpContent;
    boolean undecodable =
        msg instanceof DecoderResultProvider
            && ((DecoderResultProvider) msg).decoderResult().isFailure();
    drop(msg);
    if (deferredDeny != null && (last || undecodable)) {
      answerDeny(deferredDeny, judged, !undecodable && HttpUtil.isKeepAlive(judged));
    }
    if (undecodable && phase != Phase.CLOSING) {
      // The decoder gave up on the connection; nothing after this can be read.
      phase = Phase.CLOSING;
      ctx.close();
    } else if (last && phase == Phase.DISCARDING) {
      phase = Phase.AWAITING_REQUEST;
    }
  }

  private void refuseUndecodable(HttpRequest request) {
    Throwable cause = request.decoderResult().cause();
    Decision decision = DecoderFailures.denyFor(cause);
    LOG.debug(
        "refusing an undecodable request status={} cause={}",
        decision.status(),
        cause.getClass().getSimpleName());
    refuseAndClose(request, decision);
  }

  /**
   * Netty's decoder takes any {@code NAME/major.minor} as a version, such as {@code HTTP/2.0} or
   * {@code HTTP/0.9} in a text request line, and nothing says how such a request is framed or
   * whether its connection stays open. Only HTTP/1.0 and HTTP/1.1 are judged; anything else gets
   * 505 (RFC 9110 section 15.6.6), as Jetty answers it, and a close.
   */
  private static boolean isHttp1(HttpVersion version) {
    return "HTTP".equals(version.protocolName())
        && version.majorVersion() == 1
        && version.minorVersion() <= 1;
  }

  /** Answers {@code decision} without judging {@code request}, and closes the connection. */
  private void refuseAndClose(HttpRequest request, Decision decision) {
    ReferenceCountUtil.release(request);
    phase = Phase.CLOSING;
    if (ctx.channel().isActive()) {
      writeDeny(decision, HttpVersion.HTTP_1_1, false).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Whether the request's declared length, or the content that came with its head, is over the
   * allow's limit.
   */
  private static boolean declaresTooLarge(HttpRequest request, Decision decision) {
    if (decision.maxBodyBytes() == Decision.NO_BODY_LIMIT) {
      return false;
    }
    long declared;
    try {
      declared = HttpUtil.getContentLength(request, 0L);
    } catch (NumberFormatException e) {
      return true; // the core refuses such a length; fail closed if it ever gets here
    }
    long carried =
        request instanceof HttpContent ? ((HttpContent) request).content().readableBytes() : 0;
    return decision.bodyLimitExceededBy(Math.max(declared, carried));
  }

  /**
   * Counts {@code content} against the forwarded request's body limit and judges it with the body's
   * guard; the deny once the body is over the limit or refused, null while it passes.
   */
  private Decision bodyRefusal(HttpContent content) {
    bodyBytes += content.content().readableBytes();
    if (forwarding.bodyLimitExceededBy(bodyBytes)) {
      LOG.debug("request body over its limit limit={}", forwarding.maxBodyBytes());
      return Decision.bodyTooLarge();
    }
    Decision refusal = bodyGuard != null ? check(bodyGuard, content) : null;
    if (refusal != null) {
      LOG.debug("refusing a multipart body status={} why={}", refusal.status(), bodyGuard.why());
    }
    return refusal;
  }

  /**
   * Cuts the forwarded request's body at {@code crossing}, the content that went past the limit or
   * was refused: tells the handlers behind, answers {@code deny} unless their response began, and
   * closes the connection either way.
   */
  private void abortBody(Object crossing, Decision deny) {
    drop(crossing);
    phase = Phase.CLOSING;
    LOG.debug(
        "request body cut, closing the connection status={} responseStarted={}",
        deny.status(),
        responseStarted);
    aborted = true;
    ctx.fireUserEventTriggered(new RequestAborted(deny));
    if (responseStarted || !ctx.channel().isActive()) {
      ctx.close();
    } else {
      writeDeny(deny, forwardingVersion, false).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Whether content follows the head: a positive Content-Length or chunked framing. */
  private static boolean expectsBody(HttpRequest request) {
    if (HttpUtil.isTransferEncodingChunked(request)) {
      return true;
    }
    try {
      return HttpUtil.getContentLength(request, 0L) > 0;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void forward(Object msg) {
    forwarded = true;
    ctx.fireChannelRead(msg);
  }

  private void drop(Object msg) {
    dropped = true;
    ReferenceCountUtil.release(msg);
  }

  /**
   * Ends a read, or a step outside one (a decision, a response's end). Messages passed on outside a
   * read get their {@code channelReadComplete}, which handlers behind use to flush. When this
   * handler consumed input without passing any on and reading is manual ({@code autoRead} off, not
   * by us), nobody behind would ask for more, so this handler does.
   */
  private void endStep(boolean readCompleteFired) {
    if (forwarded && !readCompleteFired) {
      ctx.fireChannelReadComplete();
    } else if (!forwarded
        && dropped
        && !gate.isPaused()
        && phase != Phase.GONE
        && !ctx.channel().config().isAutoRead()) {
      ctx.read();
    }
    forwarded = false;
    dropped = false;
  }

  private void releaseAll() {
    pendingDecision = null;
    deferredDeny = null;
    if (judged != null) {
      ReferenceCountUtil.release(judged);
      judged = null;
    }
    Object msg;
    while ((msg = held.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Builds {@link PortcullisHandler}s; one builder may build the handler of every channel. */
  public static final class Builder {
    private final PolicyEnforcer enforcer;
    private boolean answerExpectContinue = true;

    private Builder(PolicyEnforcer enforcer) {
      this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
    }

    /**
     * Default true: on allow, answer "Expect: 100-continue" with 100 Continue and remove the Expect
     * header before passing the request on; on deny never send 100. With false, an allowed request
     * keeps its {@code Expect} header and the handlers behind answer it.
     */
    public Builder answerExpectContinue(boolean answer) {
      this.answerExpectContinue = answer;
      return this;
    }

    /** A new handler for one channel. */
    public PortcullisHandler build() {
      return new PortcullisHandler(this);
    }
  }

  /** Writes the refusal's response, its decision in {@link #DENIAL} for whoever logs it. */
  private ChannelFuture writeDeny(
      Decision decision, HttpVersion requestVersion, boolean keepAlive) {
    ctx.channel().attr(DENIAL).set(decision);
    return ctx.writeAndFlush(denyResponse(decision, requestVersion, keepAlive));
  }

  /**
   * Core's {@link DeniedResponse} as a Netty response, written as it is. {@code keepAlive} false
   * adds {@code Connection: close}; an HTTP/1.0 client that keeps its connection needs {@code
   * Connection: keep-alive} spelled out.
   */
  private static FullHttpResponse denyResponse(
      Decision decision, HttpVersion requestVersion, boolean keepAlive) {
    DeniedResponse denied = DeniedResponse.of(decision);
    if (!keepAlive) {
      denied = denied.withConnection("close");
    } else if (requestVersion.equals(HttpVersion.HTTP_1_0)) {
      denied = denied.withConnection("keep-alive");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(denied.status()),
            Unpooled.wrappedBuffer(denied.body()));
    for (DeniedResponse.Header header : denied.headers()) {
      response.headers().add(header.name(), header.value());
    }
    return response;
  }
}
