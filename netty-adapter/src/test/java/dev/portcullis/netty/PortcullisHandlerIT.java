package dev.portcullis.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.testkit.EchoUpstream;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.RawHttpConnection;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.StubPolicyEngine;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The handler in a real server, spoken to over a socket: pipelining, keep-alive, 100-continue,
 * closes.
 */
@ExtendWith(NettyLeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PortcullisHandlerIT {

  private static final String CREDENTIAL =
      "Authorization: Bearer sqp_0123456789abcdef0123456789abcdef01234567\r\n";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EchoUpstream upstream = new EchoUpstream();
  private final ControlledVerifier controlled = new ControlledVerifier();
  private NettyServer decidingAtOnce;
  private NettyServer decidingOnAnotherThread;
  private NettyServer decidingWhenTold;

  @BeforeAll
  void start() throws InterruptedException {
    decidingAtOnce =
        new NettyServer(PolicyEnforcer.builder(new StubPolicyEngine()).build(), upstream);
    decidingOnAnotherThread =
        new NettyServer(
            PolicyEnforcer.builder(new StubPolicyEngine())
                .credentialVerifier(
                    credential ->
                        CompletableFuture.supplyAsync(
                            () -> new CredentialVerification(CredentialValidity.VALID, "slow-test"),
                            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)))
                .build(),
            upstream);
    decidingWhenTold =
        new NettyServer(
            PolicyEnforcer.builder(new StubPolicyEngine()).credentialVerifier(controlled).build(),
            upstream);
  }

  @AfterAll
  void stop() {
    decidingAtOnce.close();
    decidingOnAnotherThread.close();
    decidingWhenTold.close();
  }

  @BeforeEach
  void reset() {
    upstream.reset();
  }

  private NettyServer server(boolean decideOnAnotherThread) {
    return decideOnAnotherThread ? decidingOnAnotherThread : decidingAtOnce;
  }

  @ParameterizedTest(name = "decided on another thread: {0}")
  @ValueSource(booleans = {false, true})
  void pipelinedAllowDenyAllowAreAnsweredInOrder(boolean decideOnAnotherThread) throws IOException {
    try (RawHttpConnection connection =
        RawHttpConnection.open(server(decideOnAnotherThread).uri())) {
      connection.send(
          "GET /echo/first HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "\r\n"
              + "POST /denied HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "Content-Length: 5\r\n\r\nhello"
              + "POST /echo/third HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "Content-Length: 3\r\n\r\nabc");

      RawHttpResponse first = connection.read();
      RawHttpResponse second = connection.read();
      RawHttpResponse third = connection.read();

      assertThat(first.status()).isEqualTo(200);
      assertThat(json(first).get("target").asText()).isEqualTo("/echo/first");
      assertThat(second.status()).isEqualTo(403);
      assertThat(json(second).get("reasons").get(0).asText()).isEqualTo(StubPolicyEngine.DENIED);
      assertThat(third.status()).isEqualTo(200);
      assertThat(json(third).get("target").asText()).isEqualTo("/echo/third");
      assertThat(json(third).get("body_bytes").asLong()).isEqualTo(3);
      assertThat(upstream.calls()).isEqualTo(2);

      connection.send("GET /echo/fourth HTTP/1.1\r\nHost: h\r\n\r\n");
      assertThat(json(connection.read()).get("target").asText()).isEqualTo("/echo/fourth");
    }
  }

  @ParameterizedTest(name = "decided on another thread: {0}")
  @ValueSource(booleans = {false, true})
  void denyWithoutBodyKeepsTheConnectionForTheNextRequest(boolean decideOnAnotherThread)
      throws IOException {
    try (RawHttpConnection connection =
        RawHttpConnection.open(server(decideOnAnotherThread).uri())) {
      connection.send("GET /denied HTTP/1.1\r\nHost: h\r\n" + CREDENTIAL + "\r\n");
      RawHttpResponse deny = connection.read();
      assertThat(deny.status()).isEqualTo(403);
      assertThat(deny.header("Connection")).isNull();

      connection.send("GET /echo/again HTTP/1.1\r\nHost: h\r\n" + CREDENTIAL + "\r\n");
      assertThat(connection.read().status()).isEqualTo(200);
    }
  }

  @ParameterizedTest(name = "decided on another thread: {0}")
  @ValueSource(booleans = {false, true})
  void denyWhileTheBodyIsStillComingClosesTheConnection(boolean decideOnAnotherThread)
      throws IOException {
    try (RawHttpConnection connection =
        RawHttpConnection.open(server(decideOnAnotherThread).uri())) {
      connection.send(
          "POST /denied HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "Content-Length: 1000000\r\n\r\n"
              + "x".repeat(100));

      RawHttpResponse deny = connection.read();
      assertThat(deny.status()).isEqualTo(403);
      assertThat(deny.header("Connection")).isEqualTo("close");
      assertThat(connection.closedByServer()).isTrue();
    }
    assertThat(upstream.calls()).isZero();
  }

  @Test
  void allowedExpectContinueGets100ThenTheUpstreamsAnswer() throws IOException {
    try (RawHttpConnection connection = RawHttpConnection.open(decidingOnAnotherThread.uri())) {
      connection.send(
          "POST /echo/upload HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      assertThat(connection.read().status()).isEqualTo(100);

      connection.send("hello");
      RawHttpResponse answer = connection.read();
      assertThat(answer.status()).isEqualTo(200);
      assertThat(json(answer).get("body_bytes").asLong()).isEqualTo(5);
    }
  }

  @Test
  void deniedExpectContinueGetsTheFinalStatusOnlyAndTheConnectionCloses() throws IOException {
    try (RawHttpConnection connection = RawHttpConnection.open(decidingOnAnotherThread.uri())) {
      connection.send(
          "POST /denied HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");

      RawHttpResponse deny = connection.read();
      assertThat(deny.status()).isEqualTo(403);
      assertThat(deny.header("Connection")).isEqualTo("close");
      assertThat(connection.closedByServer()).isTrue();
    }
  }

  @Test
  void undecodableRequestGets400AsJsonAndTheConnectionCloses() throws IOException {
    try (RawHttpConnection connection = RawHttpConnection.open(decidingAtOnce.uri())) {
      connection.send("GET /echo/x HTTP/1.1\r\nHost: h\r\nBad Header: value\r\n\r\n");

      RawHttpResponse refusal = connection.read();
      assertThat(refusal.status()).isEqualTo(400);
      assertThat(json(refusal).get("reasons").get(0).asText()).isEqualTo("malformed_request");
      assertThat(refusal.bodyText()).doesNotContain("Exception").doesNotContain("value");
      assertThat(connection.closedByServer()).isTrue();
    }
    assertThat(upstream.calls()).isZero();
  }

  @Test
  void closingTheConnectionWhileDecidingReleasesWhatWasHeldAndIgnoresTheLateDecision()
      throws Exception {
    try (RawHttpConnection connection = RawHttpConnection.open(decidingWhenTold.uri())) {
      connection.send(
          "POST /echo/x HTTP/1.1\r\nHost: h\r\n"
              + CREDENTIAL
              + "Content-Length: 100\r\n\r\n"
              + "y".repeat(60));
      awaitPendingVerification();

      Channel serverSide = decidingWhenTold.connections().iterator().next();
      serverSide.close().sync();
      assertThat(controlled.completeAll()).isEqualTo(1);
      // The late decision hopped onto the event loop before this task: once it ran, so did the
      // decision.
      serverSide.eventLoop().submit(() -> {}).sync();

      assertThat(connection.closedByServer()).isTrue();
    }
    assertThat(upstream.calls()).isZero();
  }

  private void awaitPendingVerification() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (controlled.pending() == 0) {
      assertThat(System.nanoTime()).as("the request reached the verifier").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static JsonNode json(RawHttpResponse response) throws IOException {
    return JSON.readTree(response.body());
  }
}
