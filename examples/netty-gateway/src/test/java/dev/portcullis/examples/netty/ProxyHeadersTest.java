package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {

  private static HttpRequest request(HttpVersion version, HttpMethod method) {
    HttpRequest request = new DefaultHttpRequest(version, method, "/api/x?a=1");
    request.headers().set("Host", "gateway:8080");
    return request;
  }

  private static HttpResponse response(int status, String... headers) {
    HttpResponse response =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    for (int i = 0; i < headers.length; i += 2) {
      response.headers().add(headers[i], headers[i + 1]);
    }
    return response;
  }

  @Test
  void framingHeadersSurviveBeingListedInConnection() {
    HttpRequest client = request(HttpVersion.HTTP_1_1, HttpMethod.POST);
    client
        .headers()
        .set("Connection", "Content-Length, Transfer-Encoding, X-Hop")
        .set("Content-Length", "5")
        .set("X-Hop", "1");

    HttpRequest upstream =
        ProxyHeaders.toUpstream(client, "/api/ce/submit", "sonar:9000", "10.0.0.1", "https", "443");

    assertThat(upstream.headers().get("Content-Length")).isEqualTo("5");
    assertThat(upstream.headers().contains("X-Hop")).isFalse();
    assertThat(upstream.headers().get("Host")).isEqualTo("sonar:9000");
    assertThat(upstream.uri()).isEqualTo("/api/ce/submit");
    assertThat(upstream.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
  }

  @Test
  void aBodyEndedByCloseIsChunkedForHttp11AndCloseDelimitedForHttp10() {
    HttpResponse forHttp11 =
        ProxyHeaders.toClient(response(200), request(HttpVersion.HTTP_1_1, HttpMethod.GET), true);
    HttpResponse forHttp10 =
        ProxyHeaders.toClient(response(200), request(HttpVersion.HTTP_1_0, HttpMethod.GET), true);

    assertThat(HttpUtil.isTransferEncodingChunked(forHttp11)).isTrue();
    assertThat(HttpUtil.isKeepAlive(forHttp11)).isTrue();
    assertThat(HttpUtil.isTransferEncodingChunked(forHttp10)).isFalse();
    assertThat(HttpUtil.isKeepAlive(forHttp10)).isFalse();
  }

  @Test
  void anHttp10ClientNeverGetsChunks() {
    HttpResponse relayed =
        ProxyHeaders.toClient(
            response(200, "Transfer-Encoding", "chunked"),
            request(HttpVersion.HTTP_1_0, HttpMethod.GET),
            true);

    assertThat(relayed.headers().contains("Transfer-Encoding")).isFalse();
    assertThat(relayed.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_0);
    assertThat(HttpUtil.isKeepAlive(relayed)).isFalse();
  }

  @Test
  void anHttp10KeepAliveClientKeepsItsConnectionForAKnownLength() {
    HttpResponse relayed =
        ProxyHeaders.toClient(
            response(200, "Content-Length", "3"),
            request(HttpVersion.HTTP_1_0, HttpMethod.GET),
            true);

    assertThat(relayed.headers().get("Connection")).isEqualToIgnoringCase("keep-alive");
  }

  @Test
  void bodylessResponsesAreNotRechunked() {
    assertThat(
            HttpUtil.isTransferEncodingChunked(
                ProxyHeaders.toClient(
                    response(204), request(HttpVersion.HTTP_1_1, HttpMethod.GET), true)))
        .isFalse();
    assertThat(
            HttpUtil.isTransferEncodingChunked(
                ProxyHeaders.toClient(
                    response(304), request(HttpVersion.HTTP_1_1, HttpMethod.GET), true)))
        .isFalse();
    assertThat(
            HttpUtil.isTransferEncodingChunked(
                ProxyHeaders.toClient(
                    response(200), request(HttpVersion.HTTP_1_1, HttpMethod.HEAD), true)))
        .isFalse();
  }

  @Test
  void closeIsSaidWhenTheClientConnectionEnds() {
    HttpResponse relayed =
        ProxyHeaders.toClient(
            response(200, "Content-Length", "3", "Connection", "keep-alive"),
            request(HttpVersion.HTTP_1_1, HttpMethod.GET),
            false);

    assertThat(relayed.headers().get("Connection")).isEqualTo("close");
  }

  @Test
  void theRequestGoesUpstreamWithItsOwnHeadersEditedInPlace() {
    HttpRequest client = request(HttpVersion.HTTP_1_0, HttpMethod.GET);
    client
        .headers()
        .add("connection", "keep-alive, X-HOP ,  x-other")
        .add("Connection", "TRANSFER-ENCODING")
        .add("x-hop", "1")
        .add("X-Other", "2")
        .add("Keep-Alive", "timeout=5")
        .add("TE", "trailers")
        .add("Proxy-Authorization", "Basic c2VjcmV0")
        .add("x-forwarded-FOR", "6.6.6.6")
        .add("X-Real-IP", "6.6.6.6")
        .add("Forwarded", "for=6.6.6.6")
        .add("X-Forwarded-Host", "evil")
        .add("Expect", "100-continue")
        .add("Transfer-Encoding", "chunked")
        .add("Authorization", "Bearer squ_x")
        .add("Cookie", "a=1");
    HttpHeaders original = client.headers();

    HttpRequest upstream =
        ProxyHeaders.toUpstream(client, "/api/judged", "sonar:9000", "10.0.0.1", "http", "8080");

    assertThat(upstream.headers()).as("the same headers object, not a copy").isSameAs(original);
    assertThat(upstream.uri()).isEqualTo("/api/judged");
    assertThat(upstream.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(names(upstream.headers()))
        .containsExactlyInAnyOrder(
            "host",
            "transfer-encoding",
            "authorization",
            "cookie",
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-port",
            "x-forwarded-host");
    assertThat(upstream.headers().getAll("X-Forwarded-For")).containsExactly("10.0.0.1");
    assertThat(upstream.headers().get("X-Forwarded-Host")).isEqualTo("gateway:8080");
    assertThat(upstream.headers().get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(upstream.headers().get("X-Forwarded-Port")).isEqualTo("8080");
    assertThat(upstream.headers().get("Host")).isEqualTo("sonar:9000");
    assertThat(upstream.headers().get("Authorization")).isEqualTo("Bearer squ_x");
  }

  @Test
  void theResponseGoesToTheClientWithItsOwnHeadersLessHopByHop() {
    HttpResponse upstream =
        response(
            200,
            "Content-Length",
            "3",
            "Connection",
            "x-private, Content-Length",
            "X-PRIVATE",
            "1",
            "Keep-Alive",
            "timeout=5",
            "Upgrade",
            "h2c",
            "Proxy-Authenticate",
            "Basic",
            "Set-Cookie",
            "s=1");
    HttpHeaders original = upstream.headers();

    HttpResponse relayed =
        ProxyHeaders.toClient(upstream, request(HttpVersion.HTTP_1_1, HttpMethod.GET), true);

    assertThat(relayed.headers()).isSameAs(original);
    assertThat(names(relayed.headers())).containsExactlyInAnyOrder("content-length", "set-cookie");
  }

  private static List<String> names(HttpHeaders headers) {
    List<String> names = new ArrayList<>();
    headers.forEach(header -> names.add(header.getKey().toLowerCase(Locale.ROOT)));
    return names;
  }
}
