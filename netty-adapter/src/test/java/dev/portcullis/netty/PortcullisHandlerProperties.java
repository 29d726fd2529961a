package dev.portcullis.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.NettyLeakCheck;
import dev.portcullis.testkit.RawHttpResponse;
import dev.portcullis.testkit.StubPolicyEngine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Any sequence of pipelined requests, cut into reads anywhere, decided at once or later, answered
 * by the handlers behind at once or later: responses leave in request order, only allowed requests
 * get through and with their whole bodies, a connection closes only after a deny whose body was
 * still coming, reading never stalls, and no buffer is left unreleased.
 */
class PortcullisHandlerProperties {

  private static final String CREDENTIAL =
      "Authorization: Bearer sqp_0123456789abcdef0123456789abcdef01234567\r\n";

  /**
   * One request of the sequence.
   *
   * @param allowed whether the stub policy allows it ({@code /echo/<index>}) or denies it ({@code
   *     /denied})
   * @param bodyBytes its body length
   * @param chunked whether the body is sent chunked rather than with a Content-Length
   */
  record Spec(boolean allowed, int bodyBytes, boolean chunked) {

    boolean hasBody() {
      return bodyBytes > 0 || chunked;
    }

    String path(int index) {
      return allowed ? "/echo/" + index : "/denied";
    }

    String wire(int index, boolean withCredential) {
      StringBuilder wire =
          new StringBuilder()
              .append(hasBody() ? "POST " : "GET ")
              .append(path(index))
              .append(" HTTP/1.1\r\nHost: h\r\n");
      if (withCredential) {
        wire.append(CREDENTIAL);
      }
      String body = "b".repeat(bodyBytes);
      if (chunked) {
        wire.append("Transfer-Encoding: chunked\r\n\r\n");
        int half = bodyBytes / 2;
        for (String chunk : List.of(body.substring(0, half), body.substring(half))) {
          if (!chunk.isEmpty()) {
            wire.append(Integer.toHexString(chunk.length()))
                .append("\r\n")
                .append(chunk)
                .append("\r\n");
          }
        }
        return wire.append("0\r\n\r\n").toString();
      }
      if (bodyBytes > 0) {
        wire.append("Content-Length: ").append(bodyBytes).append("\r\n");
      }
      return wire.append("\r\n").append(body).toString();
    }
  }

  @Property(tries = 1000)
  void pipelinedRequestsAreAnsweredInOrderWithoutLeaksOrStalls(
      @ForAll("requests") List<Spec> requests,
      @ForAll("reads") List<Integer> readSizes,
      @ForAll boolean decideLater,
      @ForAll boolean answerLater) {
    ControlledVerifier verifier = new ControlledVerifier();
    PolicyEnforcer enforcer =
        PolicyEnforcer.builder(new StubPolicyEngine()).credentialVerifier(verifier).build();
    RecordingHandler upstream = new RecordingHandler(!answerLater);
    ClientChannel channel =
        ClientChannel.withCodec(PortcullisHandler.builder(enforcer).build(), upstream);
    StringBuilder wire = new StringBuilder();
    for (int i = 0; i < requests.size(); i++) {
      wire.append(requests.get(i).wire(i, decideLater));
    }
    byte[] bytes = wire.toString().getBytes(StandardCharsets.ISO_8859_1);

    List<ByteBuf> reads = new ArrayList<>();
    List<RawHttpResponse> responses;
    boolean closed;
    try {
      int offset = 0;
      int answered = 0;
      while (true) {
        channel.runTasks();
        if (!channel.isOpen()) {
          break;
        }
        if (verifier.completeAll() > 0) {
          continue;
        }
        if (answerLater
            && answered < upstream.received().size()
            && upstream.received().get(answered).complete) {
          upstream.answer(answered++);
          continue;
        }
        if (offset == bytes.length) {
          break;
        }
        assertThat(channel.config().isAutoRead())
            .as("reading paused with nothing left to wait for")
            .isTrue();
        int size = Math.min(readSizes.get(reads.size() % readSizes.size()), bytes.length - offset);
        ByteBuf read = Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, offset, offset + size));
        reads.add(read);
        channel.writeInbound(read);
        offset += size;
      }
      responses = channel.responses();
      channel.checkException();
      closed = !channel.isOpen();
    } finally {
      channel.finishAndReleaseAll();
    }

    assertThat(reads)
        .allSatisfy(read -> assertThat(read.refCnt()).as("a read's buffer was released").isZero());
    assertThat(responses.size()).isLessThanOrEqualTo(requests.size());
    List<String> expectedUpstream = new ArrayList<>();
    for (int i = 0; i < responses.size(); i++) {
      Spec spec = requests.get(i);
      RawHttpResponse response = responses.get(i);
      if (spec.allowed()) {
        assertThat(response.status()).as("response %d", i).isEqualTo(200);
        assertThat(response.bodyText())
            .as("response %d", i)
            .isEqualTo(spec.path(i) + " " + spec.bodyBytes());
        expectedUpstream.add(spec.path(i));
      } else {
        assertThat(response.status()).as("response %d", i).isEqualTo(403);
        if ("close".equals(response.header("Connection"))) {
          assertThat(spec.hasBody()).as("only a deny whose body may still come closes").isTrue();
          assertThat(i).as("nothing is answered after a close").isEqualTo(responses.size() - 1);
        }
      }
    }
    if (responses.size() < requests.size()) {
      assertThat(closed).as("a request went unanswered on an open connection").isTrue();
      assertThat(responses).isNotEmpty();
      assertThat(responses.get(responses.size() - 1).header("Connection")).isEqualTo("close");
    }
    assertThat(upstream.received())
        .extracting(r -> r.uri)
        .containsExactlyElementsOf(expectedUpstream);
  }

  @Provide
  Arbitrary<List<Spec>> requests() {
    Arbitrary<Spec> spec =
        Combinators.combine(
                Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 300),
                Arbitraries.of(true, false))
            .as(Spec::new);
    return spec.list().ofMinSize(1).ofMaxSize(6);
  }

  @Provide
  Arbitrary<List<Integer>> reads() {
    return Arbitraries.integers().between(1, 400).list().ofMinSize(1).ofMaxSize(12);
  }

  @AfterProperty
  void noBufferLeaked() throws InterruptedException {
    NettyLeakCheck.assertNoLeaks();
  }
}
