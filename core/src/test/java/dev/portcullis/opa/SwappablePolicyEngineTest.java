package dev.portcullis.opa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.Decision;
import dev.portcullis.PolicyInput;
import dev.portcullis.spi.PolicyEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SwappablePolicyEngineTest {

  @Test
  void aSwapAppliesToTheNextEvaluationAndClosesTheOldEngineLater() throws Exception {
    Stub first = new Stub("one");
    Stub second = new Stub("two");
    SwappablePolicyEngine engine = new SwappablePolicyEngine(first, Duration.ofMillis(50));
    PolicyInput input =
        new PolicyInput(
            PolicyInput.Request.of(
                "GET",
                dev.portcullis.CanonicalTarget.parse("/"),
                java.util.Map.of(),
                List.of(),
                PolicyInput.NO_CONTENT_LENGTH),
            new PolicyInput.Client("203.0.113.7"),
            PolicyInput.CredentialSummary.NONE);

    assertThat(engine.evaluate(input).reasons()).containsExactly("one");
    assertThat(engine.revision()).isEqualTo("rev-one");
    assertThat(engine.swap(second)).isSameAs(first);

    assertThat(engine.evaluate(input).reasons()).containsExactly("two");
    assertThat(engine.revision()).isEqualTo("rev-two");
    assertThat(first.closed.await(5, TimeUnit.SECONDS)).as("the old engine is retired").isTrue();
    assertThat(second.open()).isTrue();

    engine.close();
    assertThat(second.open()).isFalse();
  }

  @Test
  void closingClosesAReplacedEngineAtOnce() {
    Stub first = new Stub("one");
    SwappablePolicyEngine engine = new SwappablePolicyEngine(first, Duration.ofHours(1));
    engine.swap(new Stub("two"));

    engine.close();

    assertThat(first.open()).isFalse();
  }

  private static final class Stub implements PolicyEngine {
    final String name;
    final CountDownLatch closed = new CountDownLatch(1);
    final AtomicBoolean isClosed = new AtomicBoolean();

    Stub(String name) {
      this.name = name;
    }

    boolean open() {
      return !isClosed.get();
    }

    @Override
    public Decision evaluate(PolicyInput input) {
      return Decision.allow(List.of(name), "Ok.");
    }

    @Override
    public String describe() {
      return name;
    }

    @Override
    public String revision() {
      return "rev-" + name;
    }

    @Override
    public void close() {
      isClosed.set(true);
      closed.countDown();
    }
  }
}
