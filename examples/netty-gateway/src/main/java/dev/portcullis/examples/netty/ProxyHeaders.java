package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.ForwardingHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The header rewriting of the proxy: what crosses the gateway in each direction.
 *
 * <p>Hop-by-hop headers (RFC 9110 section 7.6.1, and the names {@code Connection} lists) stay on
 * their hop; the message framing ({@code Content-Length}, {@code Transfer-Encoding}) is kept,
 * whatever {@code Connection} says, so that the codecs frame the body on the next hop exactly as it
 * was framed on this one. Forwarding headers sent by the client are replaced with the gateway's
 * own: {@code X-Forwarded-For} names the one client the request was allowed for, which the enforcer
 * resolved behind the proxies it trusts, never a hop the client wrote. {@code Authorization} is
 * kept: SonarQube needs it.
 *
 * <p>The headers are edited in place: the message going out carries the very {@link HttpHeaders}
 * the decoder built for the one that came in, less the names removed here (Netty's HTTP headers
 * hash and compare names case-insensitively, so each removal is one lookup, and nothing is
 * lower-cased or copied). The incoming message must not be read for its headers afterwards.
 */
final class ProxyHeaders {

  private static final AsciiString[] HOP_BY_HOP = {
    HttpHeaderNames.CONNECTION,
    HttpHeaderNames.KEEP_ALIVE,
    HttpHeaderNames.PROXY_CONNECTION,
    HttpHeaderNames.TE,
    HttpHeaderNames.TRAILER,
    HttpHeaderNames.UPGRADE,
    HttpHeaderNames.PROXY_AUTHENTICATE,
    HttpHeaderNames.PROXY_AUTHORIZATION
  };

  /**
   * Sent by clients, replaced by the gateway's own; {@code expect} because no interim response is
   * relayed.
   */
  private static final AsciiString[] REPLACED_ON_REQUEST = replacedOnRequest();

  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  private static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
  private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");

  private ProxyHeaders() {}

  /**
   * The request to send upstream for an allowed client request, carrying the client request's own
   * headers, edited.
   *
   * @param client the request as the client sent it (after the Portcullis handler); its headers are
   *     those of the result from now on
   * @param target the judged origin-form target
   * @param upstreamHost the {@code Host} the upstream expects (its authority)
   * @param clientIp the client the request was allowed for: resolved behind trusted proxies, else
   *     the connection's peer
   * @param scheme {@code http} or {@code https}, as the client reached the gateway
   * @param gatewayPort the port the client connected to, as text
   */
  static HttpRequest toUpstream(
      HttpRequest client,
      String target,
      String upstreamHost,
      String clientIp,
      String scheme,
      String gatewayPort) {
    HttpHeaders headers = client.headers();
    String host = headers.get(HttpHeaderNames.HOST);
    removeHopByHop(headers);
    for (AsciiString name : REPLACED_ON_REQUEST) {
      headers.remove(name);
    }
    headers.set(HttpHeaderNames.HOST, upstreamHost);
    headers.set(X_FORWARDED_FOR, clientIp);
    headers.set(X_FORWARDED_PROTO, scheme);
    headers.set(X_FORWARDED_PORT, gatewayPort);
    if (host != null) {
      headers.set(X_FORWARDED_HOST, host);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), target, headers);
  }

  /**
   * The response to send the client for an upstream response, carrying the upstream response's own
   * headers, edited.
   *
   * <p>A body whose end the upstream marks by closing the connection is re-framed as chunked for an
   * HTTP/1.1 client; an HTTP/1.0 client gets every body of unknown length delimited by closing.
   *
   * @param upstream the upstream's response headers; its headers are those of the result from now
   *     on
   * @param clientVersion the protocol version of the client's request
   * @param clientMethod the method of the client's request
   * @param keepAlive whether the client connection may stay open after this response
   */
  static HttpResponse toClient(
      HttpResponse upstream,
      HttpVersion clientVersion,
      HttpMethod clientMethod,
      boolean keepAlive) {
    HttpHeaders headers = upstream.headers();
    removeHopByHop(headers);
    boolean http10 = HttpVersion.HTTP_1_0.equals(clientVersion);
    HttpResponse response =
        new DefaultHttpResponse(
            http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, upstream.status(), headers);
    int status = upstream.status().code();
    boolean bodyless =
        HttpMethod.HEAD.equals(clientMethod) || status == 204 || status == 304 || status < 200;
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    boolean keep = keepAlive;
    if (!bodyless && !chunked && !HttpUtil.isContentLengthSet(response)) {
      if (http10) {
        keep = false;
      } else {
        HttpUtil.setTransferEncodingChunked(response, true);
      }
    } else if (chunked && http10) {
      headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
      keep = false;
    }
    HttpUtil.setKeepAlive(response, keep);
    return response;
  }

  /** As above, for the client's request {@code client} (whose headers are not read). */
  static HttpResponse toClient(HttpResponse upstream, HttpRequest client, boolean keepAlive) {
    return toClient(upstream, client.protocolVersion(), client.method(), keepAlive);
  }

  /**
   * Removes the hop-by-hop headers and the names {@code Connection} lists, except the framing
   * headers.
   */
  private static void removeHopByHop(HttpHeaders headers) {
    if (headers.contains(HttpHeaderNames.CONNECTION)) {
      for (CharSequence name : listedInConnection(headers)) {
        headers.remove(name);
      }
    }
    for (AsciiString name : HOP_BY_HOP) {
      headers.remove(name);
    }
  }

  /** The header names the {@code Connection} headers list, less the framing headers. */
  private static List<CharSequence> listedInConnection(HttpHeaders headers) {
    List<CharSequence> names = new ArrayList<>(2);
    Iterator<? extends CharSequence> values =
        headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
    while (values.hasNext()) {
      CharSequence value = values.next();
      int start = 0;
      for (int i = 0; i <= value.length(); i++) {
        if (i == value.length() || value.charAt(i) == ',') {
          CharSequence name = trimmed(value, start, i);
          if (name.length() > 0 && !isFraming(name)) {
            names.add(name);
          }
          start = i + 1;
        }
      }
    }
    return names;
  }

  private static CharSequence trimmed(CharSequence value, int start, int end) {
    while (start < end && isWhitespace(value.charAt(start))) {
      start++;
    }
    while (end > start && isWhitespace(value.charAt(end - 1))) {
      end--;
    }
    return value.subSequence(start, end);
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * Never removed because {@code Connection} names them: dropping them would change how the body is
   * framed.
   */
  private static boolean isFraming(CharSequence name) {
    return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING);
  }

  private static AsciiString[] replacedOnRequest() {
    List<AsciiString> names = new ArrayList<>();
    names.add(HttpHeaderNames.HOST);
    names.add(HttpHeaderNames.EXPECT);
    for (String name : ForwardingHeaders.CLIENT_SUPPLIED) {
      names.add(AsciiString.cached(name));
    }
    return names.toArray(new AsciiString[0]);
  }
}
