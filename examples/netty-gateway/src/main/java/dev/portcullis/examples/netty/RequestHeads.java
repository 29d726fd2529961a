package dev.portcullis.examples.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request heads of one client connection, checked byte by byte before {@code HttpServerCodec}
 * reads them, for what RFC 9112 lets a server refuse and Netty's decoder accepts: a header line
 * that begins with a space or a tab (obs-fold, section 5.2), which the decoder joins to the header
 * above it, and a CR not followed by LF (section 2.2), which it takes for part of the line. Such a
 * head never reaches the decoder: in its place comes a request whose decoder result failed, which
 * the Portcullis handler answers with 400 and a close once the requests before it have their
 * responses, and nothing the client sends after it is read.
 *
 * <p>Bodies are never scanned as heads. The decoder alone decides where a body ends, and it gets
 * the body in pieces that cannot run past that end: the declared length; for a chunked body, up to
 * each empty line (the only place a chunked body can end). So each head begins a piece of its own
 * and is scanned before the decoder sees a byte of it. A body announced neither way, which the
 * decoder reads in one case (see {@link #refuseBody}), is handed over one byte at a time and ends,
 * failed, at its first byte. Should the decoder find a head in bytes handed over as body, that
 * request is failed the same way as a refused head. Pieces are slices of what was read, never
 * copies.
 *
 * <p>Two handlers share one instance: this one right before {@code HttpServerCodec}, {@link
 * #decoded()} right after it, which learns from the decoded messages where each head and body
 * ended. One instance per connection, used on its event loop only.
 */
final class RequestHeads extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(RequestHeads.class);

  /** What the next bytes from the client are. */
  private enum Mode {
    /** A request head, or the empty lines before one: scanned. */
    HEAD,
    /** A body of {@link #remaining} more bytes. */
    FIXED,
    /** A chunked body. */
    CHUNKED,
    /**
     * A body framed some other way, or one that did not end where its length said: handed over byte
     * by byte, and refused at its first byte of content.
     */
    UNKNOWN,
    /**
     * Nothing more: a head was refused, or the decoder gave up on the connection. Every byte is
     * dropped.
     */
    DONE
  }

  private final HeadScanner head = new HeadScanner();
  private final ChunkedEndScanner chunked = new ChunkedEndScanner();
  private Mode mode = Mode.HEAD;
  private long remaining;

  /**
   * The handler to place right after {@code HttpServerCodec}: it tells this one where heads and
   * bodies end.
   */
  ChannelHandler decoded() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (mode == Mode.UNKNOWN
            && msg instanceof HttpContent
            && ((HttpContent) msg).content().isReadable()) {
          ReferenceCountUtil.release(msg);
          refuseBody(ctx);
          return;
        }
        if (mode != Mode.DONE && msg instanceof HttpRequest) {
          headDecoded(ctx, (HttpRequest) msg);
        }
        if (mode != Mode.DONE && msg instanceof LastHttpContent) {
          bodyDecoded((LastHttpContent) msg);
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    try {
      while (in.isReadable() && mode != Mode.DONE) {
        int piece = nextPiece(in);
        if (piece == 0) {
          refuse(ctx, head.refused);
          return;
        }
        ctx.fireChannelRead(in.retainedSlice(in.readerIndex(), piece));
        in.skipBytes(piece);
        if (mode == Mode.FIXED && remaining == 0) {
          mode =
              Mode.UNKNOWN; // the decoder did not end the body where its length said; never guess
        }
      }
    } finally {
      in.release();
    }
  }

  /**
   * How many of the bytes at the start of {@code in} to hand to the decoder next; 0 when the head
   * is refused.
   */
  private int nextPiece(ByteBuf in) {
    int from = in.readerIndex();
    int readable = in.readableBytes();
    switch (mode) {
      case HEAD:
        {
          int stop = in.forEachByte(from, readable, head);
          if (head.refused != null) {
            return 0;
          }
          return stop == -1 ? readable : stop - from + 1;
        }
      case FIXED:
        {
          int piece = (int) Math.min(remaining, readable);
          remaining -= piece;
          return piece;
        }
      case CHUNKED:
        {
          int stop = in.forEachByte(from, readable, chunked);
          return stop == -1 ? readable : stop - from + 1;
        }
      default:
        return 1;
    }
  }

  /**
   * Passes on, in place of the refused head, a request that failed to decode, and reads nothing
   * more.
   */
  private void refuse(ChannelHandlerContext ctx, String reason) {
    mode = Mode.DONE;
    LOG.debug("refusing a request head reason={} client={}", reason, client(ctx));
    FullHttpRequest refused =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request", Unpooled.EMPTY_BUFFER);
    refused.setDecoderResult(DecoderResult.failure(new MalformedRequestException(reason)));
    ctx.fireChannelRead(refused);
  }

  /**
   * Ends a body that neither a length nor chunked framing announced, with a failed last content in
   * place of its first byte. Netty reads 8 bytes after a {@code GET} with the two keys of the
   * hixie-76 WebSocket handshake; the core judged that request as one without a body, and the
   * upstream would take those bytes for the start of its next request.
   */
  private void refuseBody(ChannelHandlerContext ctx) {
    mode = Mode.DONE;
    LOG.debug("refusing a request body reason=undeclared_body client={}", client(ctx));
    LastHttpContent refused = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    refused.setDecoderResult(
        DecoderResult.failure(new MalformedRequestException("undeclared_body")));
    ctx.fireChannelRead(refused);
  }

  private void headDecoded(ChannelHandlerContext ctx, HttpRequest request) {
    if (mode != Mode.HEAD) {
      // The decoder and this handler disagree about where the body before ended: fail closed.
      mode = Mode.DONE;
      LOG.debug("refusing a request head reason=head_in_body client={}", client(ctx));
      request.setDecoderResult(
          DecoderResult.failure(new MalformedRequestException("head_in_body")));
      return;
    }
    if (request.decoderResult().isFailure()) {
      mode = Mode.DONE;
    } else if (HttpUtil.isTransferEncodingChunked(request)) {
      // What the decoder itself asks to choose chunked framing.
      mode = Mode.CHUNKED;
      chunked.reset();
    } else {
      long length = contentLength(request);
      mode = length >= 0 ? Mode.FIXED : Mode.UNKNOWN;
      remaining = Math.max(0, length);
    }
  }

  /**
   * The declared length, or -1; not {@code HttpUtil.getContentLength}, which makes one up for
   * hixie-76.
   */
  private static long contentLength(HttpRequest request) {
    String declared = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    if (declared == null) {
      return -1;
    }
    try {
      return Long.parseLong(declared.trim());
    } catch (NumberFormatException e) {
      return -1; // the decoder let it through, so it cannot happen; failing its body is right
      // anyway
    }
  }

  private void bodyDecoded(LastHttpContent last) {
    if (last.decoderResult().isFailure()) {
      mode = Mode.DONE;
    } else if (mode != Mode.HEAD) {
      mode = Mode.HEAD;
      head.reset();
    }
  }

  private static String client(ChannelHandlerContext ctx) {
    SocketAddress peer = ctx.channel().remoteAddress();
    return peer instanceof InetSocketAddress
        ? ((InetSocketAddress) peer).getAddress().getHostAddress()
        : "unknown";
  }

  /**
   * Scans a head: stops after the LF of each empty line, where the head may end, and at a byte that
   * makes it refused. Before the request line it skips what the decoder skips (controls and white
   * space), so a request line is never taken for a folded header.
   */
  private static final class HeadScanner implements ByteProcessor {
    private boolean requestLineBegun;
    private boolean inRequestLine;
    private boolean lineEmpty = true;
    private boolean afterCr;

    /** The reason the head is refused, or null. */
    String refused;

    void reset() {
      requestLineBegun = false;
      inRequestLine = false;
      lineEmpty = true;
      afterCr = false;
      refused = null;
    }

    @Override
    public boolean process(byte b) {
      if (afterCr) {
        afterCr = false;
        if (b != '\n') {
          refused = "bare_cr";
          return false;
        }
      }
      if (b == '\r') {
        afterCr = true;
        return true;
      }
      if (b == '\n') {
        boolean endsEmptyLine = lineEmpty;
        lineEmpty = true;
        inRequestLine = false;
        return !endsEmptyLine;
      }
      if (!requestLineBegun) {
        if ((b & 0xff) > ' ' && b != 0x7f) {
          requestLineBegun = true;
          inRequestLine = true;
        }
      } else if (lineEmpty && !inRequestLine && (b == ' ' || b == '\t')) {
        refused = "obs_fold";
        return false;
      }
      lineEmpty = false;
      return true;
    }
  }

  /**
   * Finds where a chunked body may end: after the LF of an empty line, the end of its trailer
   * section. It also stops inside chunk data that happens to hold such bytes; the decoder then
   * reads on.
   */
  private static final class ChunkedEndScanner implements ByteProcessor {
    private byte last;
    private byte beforeLast;

    void reset() {
      last = 0;
      beforeLast = 0;
    }

    @Override
    public boolean process(byte b) {
      boolean emptyLineEnds = b == '\n' && (last == '\n' || (last == '\r' && beforeLast == '\n'));
      beforeLast = last;
      last = b;
      return !emptyLineEnds;
    }
  }

  /** Why a request was refused before the decoder read its head, or while it read its body. */
  static final class MalformedRequestException extends DecoderException {
    private static final long serialVersionUID = 1L;

    MalformedRequestException(String reason) {
      super(reason);
    }
  }
}
