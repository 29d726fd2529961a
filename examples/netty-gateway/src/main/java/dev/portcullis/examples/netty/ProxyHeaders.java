package dev.portcullis.examples.netty;

import dev.portcullis.examples.gateway.ForwardingHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
 */
final class ProxyHeaders {

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "upgrade",
          "proxy-authenticate",
          "proxy-authorization");

  /**
   * Sent by clients, replaced by the gateway's own; {@code expect} because no interim response is
   * relayed.
   */
  private static final Set<String> REPLACED_ON_REQUEST =
      union(Set.of("host", "expect"), ForwardingHeaders.CLIENT_SUPPLIED);

  /**
   * Never removed because {@code Connection} names them: dropping them would change how the body is
   * framed.
   */
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

  private ProxyHeaders() {}

  /**
   * The request to send upstream for an allowed client request.
   *
   * @param client the request as the client sent it (after the Portcullis handler)
   * @param target the judged origin-form target
   * @param upstreamHost the {@code Host} the upstream expects (its authority)
   * @param clientIp the client the request was allowed for: resolved behind trusted proxies, else
   *     the connection's peer
   * @param scheme {@code http} or {@code https}, as the client reached the gateway
   * @param gatewayPort the port the client connected to
   */
  static HttpRequest toUpstream(
      HttpRequest client,
      String target,
      String upstreamHost,
      String clientIp,
      String scheme,
      int gatewayPort) {
    HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
    copyEndToEnd(client.headers(), headers, REPLACED_ON_REQUEST);
    headers.set(HttpHeaderNames.HOST, upstreamHost);
    headers.set("X-Forwarded-For", clientIp);
    headers.set("X-Forwarded-Proto", scheme);
    headers.set("X-Forwarded-Port", Integer.toString(gatewayPort));
    String host = client.headers().get(HttpHeaderNames.HOST);
    if (host != null) {
      headers.set("X-Forwarded-Host", host);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), target, headers);
  }

  /**
   * The response to send the client for an upstream response.
   *
   * <p>A body whose end the upstream marks by closing the connection is re-framed as chunked for an
   * HTTP/1.1 client; an HTTP/1.0 client gets every body of unknown length delimited by closing.
   *
   * @param upstream the upstream's response headers
   * @param client the client's request
   * @param keepAlive whether the client connection may stay open after this response
   */
  static HttpResponse toClient(HttpResponse upstream, HttpRequest client, boolean keepAlive) {
    HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
    copyEndToEnd(upstream.headers(), headers, Set.of());
    boolean http10 = HttpVersion.HTTP_1_0.equals(client.protocolVersion());
    HttpResponse response =
        new DefaultHttpResponse(
            http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, upstream.status(), headers);
    int status = upstream.status().code();
    boolean bodyless =
        HttpMethod.HEAD.equals(client.method()) || status == 204 || status == 304 || status < 200;
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

  private static void copyEndToEnd(HttpHeaders from, HttpHeaders to, Set<String> alsoDropped) {
    Set<String> listedInConnection = new HashSet<>();
    for (String value : from.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : value.split(",")) {
        String name = token.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !FRAMING.contains(name)) {
          listedInConnection.add(name);
        }
      }
    }
    Iterator<Map.Entry<CharSequence, CharSequence>> entries = from.iteratorCharSequence();
    while (entries.hasNext()) {
      Map.Entry<CharSequence, CharSequence> entry = entries.next();
      String name = entry.getKey().toString().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name)
          && !alsoDropped.contains(name)
          && !listedInConnection.contains(name)) {
        to.add(entry.getKey(), entry.getValue());
      }
    }
  }

  private static Set<String> union(Set<String> first, Set<String> second) {
    Set<String> union = new HashSet<>(first);
    union.addAll(second);
    return Set.copyOf(union);
  }
}
