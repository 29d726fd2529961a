package dev.portcullis.examples.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 codec of an upstream connection, which sends one request at a time: {@code
 * HttpClientCodec} without pipelining or {@code CONNECT}, that also refuses every byte no request
 * asked for.
 *
 * <p>From the end of a response until the next request head is written, the upstream has nothing to
 * say. A byte it sends anyway (a second response in the same segment as the first, a late one while
 * the connection waits in its pool, a partial line) would be read as the answer to the next
 * request, which may be another client's; so the decoder drops it, fires {@link #UNEXPECTED_BYTES}
 * and the connection is closed instead of reused. Used on its channel's event loop only.
 */
final class UpstreamCodec
    extends CombinedChannelDuplexHandler<HttpResponseDecoder, HttpRequestEncoder> {

  /**
   * The user event fired when the upstream sent bytes while no response was due; the connection is
   * done for.
   */
  static final Object UNEXPECTED_BYTES =
      new Object() {
        @Override
        public String toString() {
          return "UNEXPECTED_BYTES";
        }
      };

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamCodec.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  /** The method of the request whose final response is due, or null when none is. */
  private HttpMethod awaiting;

  private boolean interim;
  private boolean refused;

  UpstreamCodec(HttpDecoderConfig config) {
    init(new Decoder(config), new Encoder());
  }

  private final class Encoder extends HttpRequestEncoder {
    @Override
    protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
      awaiting = request.method();
      super.encodeInitialLine(buf, request);
    }
  }

  private final class Decoder extends HttpResponseDecoder {
    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      if (awaiting == null) {
        if (buffer.isReadable()) {
          refuse(ctx, buffer);
        }
        return;
      }
      int from = out.size();
      super.decode(ctx, buffer, out);
      for (int i = from; i < out.size(); i++) {
        Object msg = out.get(i);
        if (msg instanceof HttpResponse) {
          interim = isInterim((HttpResponse) msg);
        }
        if (msg instanceof LastHttpContent) {
          if (!interim) {
            awaiting = null;
          }
          interim = false;
        }
      }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      // RFC 9110 section 9.3.2: a response to HEAD has no body, whatever its headers say.
      return (HttpMethod.HEAD.equals(awaiting) && !isInterim((HttpResponse) msg))
          || super.isContentAlwaysEmpty(msg);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf buffer) {
      int bytes = buffer.readableBytes();
      buffer.skipBytes(bytes);
      if (refused) {
        return; // the connection is closing already
      }
      refused = true;
      if (WARNED.compareAndSet(false, true)) {
        LOG.warn(
            "upstream sent bytes no request asked for, closing the connection bytes={} remote={}",
            bytes,
            ctx.channel().remoteAddress());
      } else {
        LOG.debug(
            "upstream sent bytes no request asked for, closing the connection bytes={} remote={}",
            bytes,
            ctx.channel().remoteAddress());
      }
      ctx.fireUserEventTriggered(UNEXPECTED_BYTES);
    }
  }

  private static boolean isInterim(HttpResponse response) {
    return response.decoderResult().isSuccess()
        && response.status().codeClass() == HttpStatusClass.INFORMATIONAL
        && response.status().code() != 101;
  }
}
