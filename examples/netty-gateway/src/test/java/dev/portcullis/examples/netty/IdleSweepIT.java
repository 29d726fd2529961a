package dev.portcullis.examples.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.examples.gateway.CredentialCheck;
import dev.portcullis.examples.gateway.GatewayConfig;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.RecordingUpstream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The timeouts of a real gateway with one event loop, whose one {@link IdleSweep} checks every
 * connection on it: each connection is judged on its own activity, client side and upstream side.
 * Waits are generous and nothing is timed: the sweep may act up to a period late on a loaded
 * machine.
 */
@ExtendWith(NettyLeakCheck.class)
class IdleSweepIT {

  /** Lets everything through unchanged, as {@link NettyProxyIT} does. */
  private static final Decider EVERYTHING =
      new Decider() {
        @Override
        public ChannelHandler newHandler() {
          return new ChannelInboundHandlerAdapter();
        }

        @Override
        public Allowed judged(Channel channel, HttpRequest request) {
          return new Allowed(request.uri(), "");
        }
      };

  private static final NettyGateway.Sizes ONE_LOOP =
      new NettyGateway.Sizes(1, UpstreamPool.MAX_CONNECTIONS);

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    resources.add(resource);
    return resource;
  }

  private static boolean ok(RecordingUpstream.Request request, OutputStream out)
      throws IOException {
    RecordingUpstream.respond(out, 200, "", "ok " + request.target());
    return true;
  }

  private NettyGateway gateway(
      RecordingUpstream upstream, UnaryOperator<GatewayConfig.Builder> settings) throws Exception {
    return gateway(upstream, settings, ONE_LOOP);
  }

  private NettyGateway gateway(
      RecordingUpstream upstream,
      UnaryOperator<GatewayConfig.Builder> settings,
      NettyGateway.Sizes sizes)
      throws Exception {
    GatewayConfig config =
        settings
            .apply(
                GatewayConfig.builder(upstream.uri())
                    .credentialCheck(CredentialCheck.NONE)
                    .connectTimeout(Duration.ofSeconds(2))
                    .idleTimeout(Duration.ofSeconds(30))
                    .upstreamTimeout(Duration.ofSeconds(60)))
            .build();
    return closing(NettyGateway.start(config, EVERYTHING, () -> {}, "test decider", sizes));
  }

  private static RawHttpResponse get(RawHttpConnection client, String target) throws IOException {
    return client.send(RawHttpConnection.get(target)).read();
  }

  @Test
  void anIdleConnectionIsClosedWhileABusyOneOnTheSameLoopStaysOpen() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(IdleSweepIT::ok));
    NettyGateway gateway = gateway(upstream, builder -> builder.idleTimeout(Duration.ofSeconds(1)));

    try (RawHttpConnection idle = RawHttpConnection.open(gateway.uri());
        RawHttpConnection busy = RawHttpConnection.open(gateway.uri())) {
      assertThat(get(idle, "/idle").status()).isEqualTo(200);
      // Busy for at least three idle timeouts, never silent for more than a fifth of one.
      long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      int answered = 0;
      while (System.nanoTime() < until) {
        RawHttpResponse response = get(busy, "/busy/" + answered);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("ok /busy/" + answered);
        answered++;
        Thread.sleep(200);
      }

      assertThat(idle.closedWithin(Duration.ofSeconds(10)))
          .as("the idle connection was closed")
          .isTrue();
      assertThat(get(busy, "/still-open").status())
          .as("the busy connection still serves")
          .isEqualTo(200);
      assertThat(busy.closedWithin(Duration.ofSeconds(10)))
          .as("and is closed once idle in its turn")
          .isTrue();
    }
  }

  @Test
  void aConnectionThatSendsNothingAtAllIsClosed() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(IdleSweepIT::ok));
    NettyGateway gateway = gateway(upstream, builder -> builder.idleTimeout(Duration.ofSeconds(1)));

    try (RawHttpConnection silent = RawHttpConnection.open(gateway.uri())) {
      assertThat(silent.closedWithin(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(upstream.connections()).isZero();
  }

  @Test
  void slowHeadersGet408WhileAnotherConnectionOnTheLoopIsServed() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(IdleSweepIT::ok));
    NettyGateway gateway =
        gateway(
            upstream,
            builder ->
                builder.headerTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(30)));

    try (RawHttpConnection slow = RawHttpConnection.open(gateway.uri());
        RawHttpConnection fast = RawHttpConnection.open(gateway.uri())) {
      slow.setReadTimeout(Duration.ofSeconds(30));
      CompletableFuture<RawHttpResponse> answer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return slow.read();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      // Never silent for long (the idle timeout is far away), but the head never ends.
      slow.trickle(
          "GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100), Duration.ofMillis(100));
      for (int i = 0; i < 100 && !answer.isDone(); i++) {
        assertThat(get(fast, "/fast/" + i).status()).isEqualTo(200);
        Thread.sleep(100);
      }
      RawHttpResponse response = answer.get(30, TimeUnit.SECONDS);

      assertThat(response.status()).isEqualTo(408);
      assertThat(response.head().header("connection")).isEqualTo("close");
      assertThat(slow.closedByServer()).isTrue();
      assertThat(get(fast, "/after").status()).isEqualTo(200);
    }
    assertThat(upstream.heads()).noneMatch(line -> line.contains("/slow"));
  }

  @Test
  void anIdlePooledUpstreamConnectionIsClosedAfterItsKeepAliveTime() throws Exception {
    RecordingUpstream upstream = closing(RecordingUpstream.start(IdleSweepIT::ok));
    NettyGateway gateway = gateway(upstream, builder -> builder.idleTimeout(Duration.ofSeconds(1)));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      assertThat(get(client, "/one").status()).isEqualTo(200);
      assertThat(upstream.awaitClosedByGateway(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(upstream.connections()).isEqualTo(1);
  }

  @Test
  void anExchangeLongerThanTheUpstreamTimeoutIs504() throws Exception {
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  try {
                    Thread.sleep(4_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return ok(request, out);
                }));
    NettyGateway gateway =
        gateway(
            upstream,
            builder ->
                builder.upstreamTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(30)));

    try (RawHttpConnection client = RawHttpConnection.open(gateway.uri())) {
      RawHttpResponse response = get(client, "/api/ce/task?id=1");

      assertThat(response.status()).isEqualTo(504);
      assertThat(response.bodyText()).contains("upstream_timeout");
    }
  }

  @Test
  void anExchangeThatWaitsInLineForAnUpstreamConnectionPastTheConnectTimeoutIs503()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RecordingUpstream upstream =
        closing(
            RecordingUpstream.start(
                (request, out) -> {
                  if (request.target().equals("/first")) {
                    try {
                      release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return ok(request, out);
                }));
    // One event loop with one upstream connection, which the first request holds.
    NettyGateway gateway =
        gateway(
            upstream,
            builder -> builder.connectTimeout(Duration.ofSeconds(1)),
            new NettyGateway.Sizes(1, 1));

    try (RawHttpConnection first = RawHttpConnection.open(gateway.uri());
        RawHttpConnection second = RawHttpConnection.open(gateway.uri())) {
      first.send(RawHttpConnection.get("/first"));
      assertThat(upstream.awaitHead(Duration.ofSeconds(10))).isTrue();

      RawHttpResponse waited = get(second, "/second");

      assertThat(waited.status()).isEqualTo(503);
      assertThat(waited.bodyText()).contains("upstream_connections_exhausted");
      release.countDown();
      assertThat(first.read().bodyText()).isEqualTo("ok /first");
    } finally {
      release.countDown();
    }
  }
}
